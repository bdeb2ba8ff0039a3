import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { Browser, type CasTestApp, createCasTestApp, executionOf, parseCasXml, S, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
const PHONE = '+8613912345678';
let t: CasTestApp;
let sms: CapturingSmsSender;
let browser: Browser;

async function setup(env: Record<string, string> = {}) {
  sms = new CapturingSmsSender();
  t = await createCasTestApp(env, { smsSender: sms });
  browser = new Browser(t.app);
}
afterEach(async () => t.close());

const sendUrl = `/cas/login/sms/send?service=${enc(S)}`;
const verifyUrl = `/cas/login/sms?service=${enc(S)}`;

/** Posts one of the SMS tab's forms as the page would: with the one-time token of a freshly opened tab. */
async function postForm(b: Browser, url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const page = await b.get(`/cas/login?service=${enc(S)}&tab=sms`);
  return b.post(url, { ...form, execution: executionOf(page.body) }, headers);
}

describe('sign-in by SMS code', () => {
  beforeEach(() => setup());

  it('the login page has an SMS tab with a phone field', async () => {
    const res = await browser.get(`/cas/login?service=${enc(S)}&tab=sms`);
    expect(res.body).toMatch(/id="sms-send-form"/);
    expect(res.body).toMatch(/name="phone"/);
  });

  it('a user with that phone gets a ticket for the service, validated as an SMS sign-in', async () => {
    await t.ctx.users.create({ username: 'bob', phone: PHONE, displayName: 'Bob' });
    const sent = await postForm(browser, sendUrl, { phone: '139 1234 5678' });
    expect(sent.statusCode).toBe(200);
    expect(sent.body).toMatch(/id="sms-verify-form"/);
    expect(sent.body).not.toContain(sms.lastCodeFor(PHONE)!); // the page never shows the code
    const res = await postForm(browser, verifyUrl, { phone: PHONE, code: sms.lastCodeFor(PHONE)! });
    expect(res.statusCode).toBe(302);
    const st = ticketFrom(res.headers.location);
    const v = await t.app.inject(`/cas/p3/serviceValidate?service=${enc(S)}&ticket=${st}`);
    const r = parseCasXml(v.body);
    expect(r.user).toBe('bob');
    expect(r.attributes.authenticationMethod).toEqual(['sms']);
  });

  it('an unknown number gets the same answer to "send" as a known one, and only a verified owner learns there is no account', async () => {
    await t.ctx.users.create({ username: 'bob', phone: PHONE });
    const known = await postForm(browser, sendUrl, { phone: PHONE });
    const unknown = await postForm(new Browser(t.app), sendUrl, { phone: '+8613700000001' });
    const scrub = (html: string) => html.replace(/LT-[A-Za-z0-9-]+|state=[A-Za-z0-9]+|\*{4}\d{4}|\+86\d+|value="[^"]*"/g, '');
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(scrub(unknown.body)).toBe(scrub(known.body));
    const other = new Browser(t.app);
    await postForm(other, sendUrl, { phone: '+8613700000002' });
    const res = await postForm(other, verifyUrl, { phone: '+8613700000002', code: sms.lastCodeFor('+8613700000002')! });
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toMatch(/no account for this number|该手机号尚无账号/);
    expect(other.jar.get('TGC')).toBeUndefined();
    expect(await t.ctx.users.findByPhone('+8613700000002')).toBeNull();
  });

  it('a wrong code says how many tries are left; five wrong tries kill the code', async () => {
    await t.ctx.users.create({ username: 'bob', phone: PHONE });
    await postForm(browser, sendUrl, { phone: PHONE }, { 'accept-language': 'en' });
    const right = sms.lastCodeFor(PHONE)!;
    const wrong = right === '000000' ? '111111' : '000000';
    const first = await postForm(browser, verifyUrl, { phone: PHONE, code: wrong }, { 'accept-language': 'en' });
    expect(first.body).toMatch(/4 tries left/);
    for (let i = 0; i < 4; i++) await postForm(browser, verifyUrl, { phone: PHONE, code: wrong });
    const late = await postForm(browser, verifyUrl, { phone: PHONE, code: right }, { 'accept-language': 'en' });
    expect(late.headers.location).toBeUndefined();
    expect(browser.jar.get('TGC')).toBeUndefined();
  });

  it('a landline or malformed number is refused with a clear message and nothing is sent', async () => {
    for (const phone of ['010 6552 9988', 'abc', '123']) {
      const res = await postForm(browser, sendUrl, { phone }, { 'accept-language': 'en' });
      expect(res.statusCode).toBe(400);
      expect(res.body).toMatch(/valid mainland China mobile number/);
    }
    expect(sms.sent).toHaveLength(0);
  });

  it('a form without its one-time token (posted by another site) signs nobody in', async () => {
    await t.ctx.users.create({ username: 'bob', phone: PHONE });
    await postForm(browser, sendUrl, { phone: PHONE });
    const forged = await new Browser(t.app).post(verifyUrl, { phone: PHONE, code: sms.lastCodeFor(PHONE)! });
    expect(forged.headers.location).toBeUndefined();
    expect(forged.body).toMatch(/login-error/);
    const replayed = await browser.post(verifyUrl, { phone: PHONE, code: sms.lastCodeFor(PHONE)!, execution: `LT-${'x'.repeat(27)}` });
    expect(replayed.headers.location).toBeUndefined();
    expect(browser.jar.get('TGC')).toBeUndefined();
  });

  it('a second code within 60 s is refused with the wait', async () => {
    await postForm(browser, sendUrl, { phone: PHONE });
    const again = await postForm(browser, sendUrl, { phone: PHONE }, { 'accept-language': 'en' });
    expect(again.body).toMatch(/Wait \d+ seconds/);
    expect(sms.sent).toHaveLength(1);
  });
});

describe('SMS_LOGIN_CREATES_USERS=true', () => {
  beforeEach(() => setup({ SMS_LOGIN_CREATES_USERS: 'true' }));

  it('an unknown verified number creates a user and signs in', async () => {
    await postForm(browser, sendUrl, { phone: '+8613700000003' });
    const res = await postForm(browser, verifyUrl, { phone: '+8613700000003', code: sms.lastCodeFor('+8613700000003')! });
    expect(res.statusCode).toBe(302);
    expect(await t.ctx.users.findByPhone('+8613700000003')).not.toBeNull();
  });
});
