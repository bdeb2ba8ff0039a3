/**
 * The second factor through the HTTP app (inject): an authenticator app set up from the account page with a code
 * computed from the shown key, then asked at every sign-in; a service that requires a second factor (TOTP, or an
 * SMS code to the bound phone); renew; the limits; recovery codes; turning it off; and what validation answers,
 * parsed as a CAS client reads it.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/mfa/totp.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ALICE, Browser, type CasTestApp, createCasTestApp, executionOf, parseCasXml, S, S2, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
const PHONE = '+8613912345678';
let t: CasTestApp;
let sms: CapturingSmsSender;

beforeEach(async () => {
  sms = new CapturingSmsSender();
  t = await createCasTestApp({}, { smsSender: sms });
});
afterEach(async () => t.close());

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const secondFactorUrl = (location: string | undefined) => {
  expect(location).toMatch(/^\/cas\/login\/second-factor\?id=[A-Za-z0-9]{32}$/);
  return location!;
};

/** Signs in with the password and, when asked, sets up the authenticator from the account page; returns the key. */
async function enrol(b: Browser): Promise<{ secret: string; recoveryCodes: string[] }> {
  const account = await b.get('/cas/account');
  expect(account.body).toContain('id="mfa-setup"');
  const begun = await b.post('/cas/account/second-factor/totp/begin', { csrf: csrfOf(account.body) });
  expect(begun.headers.location).toBe('/cas/account/second-factor/totp');
  const setup = await b.get('/cas/account/second-factor/totp');
  const secret = /id="mfa-secret"[^>]*>([^<]+)</.exec(setup.body)![1]!.replace(/\s/g, '');
  const uri = /id="mfa-uri"[^>]*>([^<]+)</.exec(setup.body)![1]!.replace(/&amp;/g, '&');
  expect(uri).toMatch(new RegExp(`^otpauth://totp/.*secret=${secret}`));
  expect(setup.body).toMatch(/<img src="data:image\/png;base64,/);
  const wrong = await b.post('/cas/account/second-factor/totp/confirm', { csrf: csrfOf(setup.body), code: '000000' });
  expect(wrong.statusCode).toBe(401);
  const confirmed = await b.post('/cas/account/second-factor/totp/confirm', { csrf: csrfOf(setup.body), code: totpCode(secret, t.clock.now()) });
  expect(confirmed.statusCode).toBe(200);
  expect(confirmed.headers['cache-control']).toContain('no-store');
  const recoveryCodes = [...confirmed.body.matchAll(/<li><code>([a-z0-9-]+)<\/code><\/li>/g)].map((m) => m[1]!);
  expect(recoveryCodes).toHaveLength(10);
  t.clock.advance(30_000); // the next code is of the next time step
  return { secret, recoveryCodes };
}

async function validate(service: string, ticket: string) {
  const res = await t.app.inject({ method: 'GET', url: `/cas/p3/serviceValidate?service=${enc(service)}&ticket=${ticket}` });
  return parseCasXml(res.body);
}

/** Posts the password form for a service; returns the redirect to the second-factor page (or whatever came). */
async function firstFactor(b: Browser, service: string, extra = '') {
  const url = `/cas/login?service=${enc(service)}${extra}`;
  const form = await b.get(url);
  return b.post(url, { execution: executionOf(form.body), username: ALICE.username, password: ALICE.password });
}

describe('an authenticator app (TOTP) set up from the account page', () => {
  it('is asked for after the password at every sign-in, and validation lists both factors', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    const { secret } = await enrol(b);
    expect((await b.get('/cas/account')).body).toMatch(/id="mfa-status">[^<]*10/);

    const fresh = new Browser(t.app);
    const posted = await firstFactor(fresh, S);
    expect(posted.statusCode).toBe(303);
    const page = await fresh.get(secondFactorUrl(posted.headers.location));
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('id="mfa-totp-form"');
    expect(page.body).toContain('id="mfa-recovery-form"');
    // No session yet: the TGC is set only after the second factor.
    expect(fresh.jar.header()).not.toContain('TGC');

    const action = secondFactorUrl(posted.headers.location);
    const wrong = await fresh.post(action, { factor: 'totp', code: '123456' === totpCode(secret, t.clock.now()) ? '654321' : '123456' });
    expect(wrong.statusCode).toBe(401);
    const done = await fresh.submit(action, { factor: 'totp', code: totpCode(secret, t.clock.now()) });
    const ticket = ticketFrom(done.headers.location);
    const r = await validate(S, ticket);
    expect(r.success).toBe(true);
    expect(r.user).toBe('alice');
    expect(r.attributes.authenticationMethod).toEqual(['password', 'totp']);
    expect(r.attributes.successfulAuthenticationHandlers).toEqual(['password', 'totp']);
    expect(r.attributes.credentialType).toEqual(['UsernamePasswordCredential', 'GoogleAuthenticatorTokenCredential']);
    expect(r.attributes.authnContextClass).toEqual(['mfa-gauth']);
    expect(r.attributes.isFromNewLogin).toEqual(['true']);
  });

  it('accepts a code once: the same code at the next sign-in is refused', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    const { secret } = await enrol(b);
    const code = totpCode(secret, t.clock.now());
    const first = new Browser(t.app);
    const a = secondFactorUrl((await firstFactor(first, S)).headers.location);
    expect((await first.submit(a, { factor: 'totp', code })).headers.location).toMatch(/ticket=ST-/);
    const second = new Browser(t.app);
    const c = secondFactorUrl((await firstFactor(second, S)).headers.location);
    expect((await second.post(c, { factor: 'totp', code })).statusCode).toBe(401);
  });

  it('a recovery code signs in once; the page of another browser is not this one', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    const { recoveryCodes } = await enrol(b);
    const one = new Browser(t.app);
    const url = secondFactorUrl((await firstFactor(one, S)).headers.location);
    // Another browser given the URL gets nothing.
    const stranger = new Browser(t.app);
    expect((await stranger.get(url)).statusCode).toBe(400);
    expect((await stranger.post(url, { factor: 'recovery-code', code: recoveryCodes[0]! })).statusCode).toBe(400);
    const done = await one.submit(url, { factor: 'recovery-code', code: recoveryCodes[0]!.toUpperCase() });
    const r = await validate(S, ticketFrom(done.headers.location));
    expect(r.attributes.authenticationMethod).toEqual(['password', 'recovery-code']);
    const again = new Browser(t.app);
    const url2 = secondFactorUrl((await firstFactor(again, S)).headers.location);
    expect((await again.post(url2, { factor: 'recovery-code', code: recoveryCodes[0]! })).statusCode).toBe(401);
    expect((await b.get('/cas/account')).body).toMatch(/id="mfa-status">[^<]*9/);
  });

  it('limits wrong codes per account: after five, even the right code is refused until the window ends', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    const { secret } = await enrol(b);
    const browser = new Browser(t.app);
    const url = secondFactorUrl((await firstFactor(browser, S)).headers.location);
    for (let i = 0; i < 5; i++) expect((await browser.post(url, { factor: 'totp', code: '000000' })).statusCode).toBe(401);
    const throttled = await browser.post(url, { factor: 'totp', code: totpCode(secret, t.clock.now()) });
    expect(throttled.statusCode).toBe(429);
    expect(throttled.body).toContain('15');
    const metrics = await t.ctx.metrics.registry.metrics();
    expect(metrics).toContain('wecas_sign_ins_total{method="mfa-totp",result="wrong_code"} 5');
    expect(metrics).toContain('wecas_rate_limit_refusals_total{limit="second_factor"} 1');
    // Recovery codes count against the same limit.
    expect((await browser.post(url, { factor: 'recovery-code', code: 'aaaaa-aaaaa' })).statusCode).toBe(429);
    t.clock.advance(15 * 60_000 + 1000);
    const done = await browser.submit(url, { factor: 'totp', code: totpCode(secret, t.clock.now()) });
    // The pending sign-in lived as long as a login form (30 minutes): it is still there.
    expect(done.headers.location).toMatch(/ticket=ST-/);
  });

  it('an account disabled while its second-factor page was open gets no session, even with the right code', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    const { secret } = await enrol(b);
    const other = new Browser(t.app);
    const url = secondFactorUrl((await firstFactor(other, S)).headers.location);
    const alice = (await t.ctx.users.findByUsername('alice'))!;
    await t.ctx.users.setStatus(alice.id, 'disabled');
    const res = await other.post(url, { factor: 'totp', code: totpCode(secret, t.clock.now()) });
    expect(res.statusCode).toBe(400);
    expect(other.jar.header()).not.toContain('TGC');
  });

  it('is turned off with the password (a wrong one refused), and sign-in no longer asks', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    await enrol(b);
    const account = await b.get('/cas/account');
    const wrong = await b.post('/cas/account/second-factor/totp/disable', { csrf: csrfOf(account.body), code: '', password: 'nope' });
    expect(wrong.headers.location).toBe('/cas/account?error=mfa_wrong');
    const off = await b.post('/cas/account/second-factor/totp/disable', { csrf: csrfOf(account.body), code: '', password: ALICE.password });
    expect(off.headers.location).toBe('/cas/account?done=mfa_disabled');
    expect((await b.get('/cas/account')).body).toContain('id="mfa-setup"');
    const res = await new Browser(t.app).signIn(S);
    expect(res.headers.location).toMatch(/ticket=ST-/);
  });

  it('is turned off with a current code', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    const { secret } = await enrol(b);
    const account = await b.get('/cas/account');
    const off = await b.post('/cas/account/second-factor/totp/disable', {
      csrf: csrfOf(account.body),
      code: totpCode(secret, t.clock.now()),
      password: '',
    });
    expect(off.headers.location).toBe('/cas/account?done=mfa_disabled');
  });
});

describe('a service that requires a second factor', () => {
  beforeEach(async () => {
    await t.ctx.services.update({ ...t.s, mfaPolicy: 'required' });
  });

  it('gets a ticket only after an SMS code to the bound phone; the SSO session of an optional service is not enough', async () => {
    const alice = (await t.ctx.users.findByUsername('alice'))!;
    await t.ctx.users.update(alice.id, { phone: PHONE });
    const b = new Browser(t.app);
    // Signed in at S2 (optional): single sign-on to S asks for the second factor only (step-up).
    await b.signIn(S2);
    const sso = await b.get(`/cas/login?service=${enc(S)}`);
    expect(sso.statusCode).toBe(302);
    const url = secondFactorUrl(sso.headers.location);
    const page = await b.get(url);
    expect(page.body).not.toContain('id="mfa-totp-form"');
    expect(page.body).toContain('id="mfa-sms-send-form"');
    const sent = await b.post(`${url.replace('?', '/sms/send?')}`, {});
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toContain('+86139****5678');
    const code = sms.lastCodeFor(PHONE)!;
    expect(sms.sent.at(-1)?.purpose).toBe('second-factor');
    expect((await b.post(url, { factor: 'sms', code: code === '000000' ? '111111' : '000000' })).statusCode).toBe(401);
    const done = await b.submit(url, { factor: 'sms', code });
    const r = await validate(S, ticketFrom(done.headers.location));
    expect(r.success).toBe(true);
    // The session's grants went on with it: S2 is still told at logout.
    expect(await t.ctx.sessions.sessionsOf(alice.id)).toHaveLength(1);
    expect(r.attributes.authenticationMethod).toEqual(['password', 'sms']);
    expect(r.attributes.credentialType).toEqual(['UsernamePasswordCredential', 'CasSimpleMultifactorTokenCredential']);
    expect(r.attributes.authnContextClass).toEqual(['mfa-simple']);
    // Now single sign-on to S gives a ticket without asking again.
    const again = await b.get(`/cas/login?service=${enc(S)}`);
    expect(again.headers.location).toMatch(/ticket=ST-/);
    expect((await validate(S, ticketFrom(again.headers.location))).attributes.isFromNewLogin).toEqual(['false']);
  });

  it('renew asks for both factors again', async () => {
    const b = new Browser(t.app);
    await b.signIn(undefined);
    const { secret } = await enrol(b);
    // The session (signed in before the app was set up) steps up with the app's code alone.
    const url = secondFactorUrl((await b.get(`/cas/login?service=${enc(S)}`)).headers.location);
    expect((await b.submit(url, { factor: 'totp', code: totpCode(secret, t.clock.now()) })).headers.location).toMatch(/ticket=ST-/);
    t.clock.advance(30_000);
    const renew = await b.get(`/cas/login?service=${enc(S)}&renew=true`);
    expect(renew.body).toContain('id="password-form"');
    const posted = await firstFactor(b, S, '&renew=true');
    const url2 = secondFactorUrl(posted.headers.location);
    const done = await b.submit(url2, { factor: 'totp', code: totpCode(secret, t.clock.now()) });
    const ticket = ticketFrom(done.headers.location);
    const res = await t.app.inject({ method: 'GET', url: `/cas/p3/serviceValidate?service=${enc(S)}&ticket=${ticket}&renew=true` });
    expect(parseCasXml(res.body).success).toBe(true);
  });

  it('a person with no second factor reads how to set one up (403); their session stands for other services', async () => {
    const b = new Browser(t.app);
    const res = await b.signIn(S);
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('设置两步验证');
    expect((await b.get(`/cas/login?service=${enc(S2)}`)).headers.location).toMatch(/ticket=ST-/);
    // Single sign-on to S has no second factor to ask: the login page says what S requires.
    const sso = await b.get(`/cas/login?service=${enc(S)}`);
    expect(sso.statusCode).toBe(200);
    expect(sso.body).toContain('要求两步验证');
  });

  it('after an SMS-code sign-in, an SMS code is not offered as the second factor', async () => {
    const alice = (await t.ctx.users.findByUsername('alice'))!;
    await t.ctx.users.update(alice.id, { phone: PHONE });
    const b = new Browser(t.app);
    const page = await b.get(`/cas/login?service=${enc(S)}&tab=sms`);
    await b.post(`/cas/login/sms/send?service=${enc(S)}`, { phone: PHONE, execution: executionOf(page.body) });
    const page2 = await b.get(`/cas/login?service=${enc(S)}&tab=sms`);
    const res = await b.post(`/cas/login/sms?service=${enc(S)}`, { phone: PHONE, code: sms.lastCodeFor(PHONE)!, execution: executionOf(page2.body) });
    // No factor left to ask: the page that says how to set one up.
    expect(res.statusCode).toBe(403);
  });

  it("an SMS code allows its own five tries, whatever the account's limit: the sixth is refused and a new code is needed", async () => {
    await t.close();
    sms = new CapturingSmsSender();
    t = await createCasTestApp({ SECOND_FACTOR_FAILURES_PER_USER: '50', SMS_RESEND_SECONDS: '1' }, { smsSender: sms });
    await t.ctx.services.update({ ...t.s, mfaPolicy: 'required' });
    const alice = (await t.ctx.users.findByUsername('alice'))!;
    await t.ctx.users.update(alice.id, { phone: PHONE });
    const b = new Browser(t.app);
    const url = secondFactorUrl((await firstFactor(b, S)).headers.location);
    await b.post(url.replace('?', '/sms/send?'), {});
    const code = sms.lastCodeFor(PHONE)!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      const res = await b.post(url, { factor: 'sms', code: wrong });
      expect(res.statusCode).toBe(401);
      expect(res.body).toContain(String(left));
    }
    expect((await b.post(url, { factor: 'sms', code: wrong })).statusCode).toBe(429);
    expect((await b.post(url, { factor: 'sms', code })).statusCode).toBe(429);
  });

  it('validation refuses a ticket of a session without a second factor (the service changed after the ticket)', async () => {
    await t.ctx.services.update({ ...t.s, mfaPolicy: 'optional' });
    const b = new Browser(t.app);
    const ticket = ticketFrom((await b.signIn(S)).headers.location);
    await t.ctx.services.update({ ...t.s, mfaPolicy: 'required' });
    const r = await validate(S, ticket);
    expect(r.success).toBe(false);
    expect(r.failureCode).toBe('UNAUTHORIZED_SERVICE');
  });
});
