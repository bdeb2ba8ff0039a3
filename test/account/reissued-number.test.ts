/**
 * SMS_LOGIN_PASSWORD_ACCOUNTS over HTTP: whether an SMS code alone signs in to an account that has a password, for a
 * number put on the account and never used (perhaps re-issued to a stranger since) and for a proved one.
 * The WeChat-binding side of the re-issued number is played in Chromium (test/e2e/reissued-number.browser.test.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { Browser, type CasTestApp, createCasTestApp, executionOf, parseCasXml, S, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
const NUMBER = '+8613900000777';
let t: CasTestApp;
let sms: CapturingSmsSender;
afterEach(async () => t?.close());

async function setup(setting?: 'code' | 'proven' | 'password') {
  sms = new CapturingSmsSender();
  t = await createCasTestApp({ SMS_RESEND_SECONDS: '1', ...(setting ? { SMS_LOGIN_PASSWORD_ACCOUNTS: setting } : {}) }, { smsSender: sms });
}

/** The stranger holding the number: asks for a code and signs in with it. Returns the final response. */
async function smsSignIn() {
  const b = new Browser(t.app);
  const page = await b.get(`/cas/login?service=${enc(S)}&tab=sms`, { 'accept-language': 'en' });
  await b.post(`/cas/login/sms/send?service=${enc(S)}`, { phone: NUMBER, execution: executionOf(page.body) }, { 'accept-language': 'en' });
  const again = await b.get(`/cas/login?service=${enc(S)}&tab=sms`, { 'accept-language': 'en' });
  t.clock.advance(2000);
  return b.submit(
    `/cas/login/sms?service=${enc(S)}`,
    { phone: NUMBER, code: sms.lastCodeFor(NUMBER)!, execution: executionOf(again.body) },
    { 'accept-language': 'en' },
  );
}

async function userOf(location: string | undefined) {
  const res = await t.app.inject({ url: `/cas/p3/serviceValidate?service=${enc(S)}&ticket=${ticketFrom(location)}` });
  return parseCasXml(res.body).user;
}

describe('an imported number of an account with a password', () => {
  it('by default (proven) does not sign in by SMS code alone: the page says to use the password', async () => {
    await setup();
    await t.ctx.users.create({ username: 'dwho', password: 'Tardis-1963', phone: NUMBER });
    const res = await smsSignIn();
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('this number has not signed in to it before');
    expect(res.headers['set-cookie']?.toString() ?? '').not.toMatch(/TGC=[^;]/);
  });

  it('signs in once the number is proved on the account', async () => {
    await setup();
    const user = await t.ctx.users.create({ username: 'dwho', password: 'Tardis-1963', phone: NUMBER });
    await t.ctx.users.markPhoneProved(user.id, NUMBER);
    expect(await userOf((await smsSignIn()).headers.location)).toBe('dwho');
  });

  it('with password, never signs in by code alone, proved or not; an account without a password still does', async () => {
    await setup('password');
    const user = await t.ctx.users.create({ username: 'dwho', password: 'Tardis-1963', phone: NUMBER });
    await t.ctx.users.markPhoneProved(user.id, NUMBER);
    expect((await smsSignIn()).statusCode).toBe(403);
    await t.ctx.users.delete(user.id);
    await t.ctx.users.create({ username: 'nopw', phone: NUMBER });
    expect(await userOf((await smsSignIn()).headers.location)).toBe('nopw');
  });

  it('with code (the old behaviour), the holder of the number signs in as the account: the risk the README names', async () => {
    await setup('code');
    await t.ctx.users.create({ username: 'dwho', password: 'Tardis-1963', phone: NUMBER });
    expect(await userOf((await smsSignIn()).headers.location)).toBe('dwho');
  });
});
