import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SmsFailureKind, SmsSendError } from '../../src/sms/sender.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { Browser, type CasTestApp, createCasTestApp, executionOf, parseCasXml, S, ticketFrom } from '../support/cas-app.js';
import { solve } from '../support/proof-of-work.js';

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

/**
 * Posts one of the SMS tab's forms as the page would: with the one-time token of a freshly opened tab; a sign-in
 * goes on through wecas's continuation, as a browser follows it.
 */
async function postForm(b: Browser, url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const page = await b.get(`/cas/login?service=${enc(S)}&tab=sms`);
  return b.submit(url, { ...form, execution: executionOf(page.body) }, headers);
}

/** What the widget on the page does before a repeated send: fetch a challenge from the page's URL and solve it. */
async function proofFor(b: Browser, page: string): Promise<string> {
  const url = /<altcha-widget[^>]* challenge="([^"]+)"/.exec(page)?.[1];
  if (!url) throw new Error('no proof-of-work widget on the page');
  return solve(JSON.parse((await b.get(url)).body));
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

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
      expect(res.body).toContain('Enter a valid mobile number of mainland China (+86).');
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

  it('a second code within 60 s is refused with the wait, as too many requests', async () => {
    const first = await postForm(browser, sendUrl, { phone: PHONE });
    const again = await postForm(browser, sendUrl, { phone: PHONE, altcha: await proofFor(browser, first.body) }, { 'accept-language': 'en' });
    expect(again.statusCode).toBe(429);
    expect(again.body).toMatch(/Wait \d+ seconds/);
    expect(sms.sent).toHaveLength(1);
  });
});

describe('a repeated code to the same number from the same browser', () => {
  beforeEach(() => setup());

  it('needs the automatic check the page runs: without JavaScript a clear message, with it a new code', async () => {
    const fresh = await browser.get(`/cas/login?service=${enc(S)}&tab=sms`);
    expect(fresh.body).not.toContain('<altcha-widget'); // a first send needs none, and works without JavaScript
    const first = await postForm(browser, sendUrl, { phone: PHONE }, { 'accept-language': 'en' });
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('<altcha-widget');
    expect(first.body).toMatch(/<noscript><p class="hint" id="sms-challenge-noscript">Sending another code to the same number needs JavaScript/);
    t.clock.advance(61_000);

    // No JavaScript: the form carries no solution.
    const bare = await postForm(browser, sendUrl, { phone: PHONE }, { 'accept-language': 'en' });
    expect(bare.statusCode).toBe(400);
    expect(text(bare.body)).toContain(
      'A code was already sent to this number from this browser. To send another, this page runs a short automatic check that needs JavaScript',
    );
    expect(sms.sent).toHaveLength(1);

    const solved = await postForm(browser, sendUrl, { phone: PHONE, altcha: await proofFor(browser, bare.body) }, { 'accept-language': 'en' });
    expect(solved.statusCode).toBe(200);
    expect(solved.body).toMatch(/id="login-notice"/);
    expect(sms.sent).toHaveLength(2);
  });

  it('a solution buys one code: the same one again is refused', async () => {
    const first = await postForm(browser, sendUrl, { phone: PHONE });
    const proof = await proofFor(browser, first.body);
    t.clock.advance(61_000);
    expect((await postForm(browser, sendUrl, { phone: PHONE, altcha: proof })).statusCode).toBe(200);
    t.clock.advance(61_000);
    const replayed = await postForm(browser, sendUrl, { phone: PHONE, altcha: proof }, { 'accept-language': 'en' });
    expect(replayed.statusCode).toBe(400);
    expect(replayed.body).toContain('The automatic check before sending did not pass or has expired. Press the button again.');
    expect(sms.sent).toHaveLength(2);
  });

  it('the widget and its files come from our own origin, under a CSP that allows only our own scripts and styles', async () => {
    const first = await postForm(browser, sendUrl, { phone: PHONE });
    const csp = first.headers['content-security-policy'] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    for (const file of ['altcha/altcha.min.js', 'altcha/zh-cn.js', 'sms-challenge.js'])
      expect(first.body).toContain(`<script src="/cas/static/${file}"></script>`);
    expect(first.body).toContain('<link rel="stylesheet" href="/cas/static/altcha/altcha.css">');
    for (const file of ['altcha/altcha.min.js', 'altcha/altcha.css', 'altcha/pbkdf2.js', 'altcha/zh-cn.js', 'sms-challenge.js']) {
      const res = await browser.get(`/cas/static/${file}`);
      expect(res.statusCode, file).toBe(200);
    }
  });
});

describe('the countries codes go to (SMS_COUNTRIES)', () => {
  it('by default the field says mainland China, and another country’s mobile is refused naming it', async () => {
    await setup();
    const page = await browser.get(`/cas/login?service=${enc(S)}&tab=sms`, { 'accept-language': 'en' });
    expect(page.body).toContain('<label for="sms-phone">Mobile number, mainland China (+86)</label>');
    const res = await postForm(browser, sendUrl, { phone: '+852 9123 4567' }, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Codes can be sent only to mobile numbers of mainland China (+86).');
    const zh = await postForm(new Browser(t.app), sendUrl, { phone: '+852 9123 4567' }, { 'accept-language': 'zh-CN' });
    expect(zh.body).toContain('验证码只能发送至以下地区的手机号：中国大陆 (+86)。');
    expect(sms.sent).toHaveLength(0);
  });

  it('with SMS_COUNTRIES=HK,CN the field, its example and the sends follow the setting', async () => {
    await setup({ SMS_COUNTRIES: 'HK,CN' });
    const page = await browser.get(`/cas/login?service=${enc(S)}&tab=sms`, { 'accept-language': 'en' });
    expect(page.body).toContain('Mobile number, Hong Kong SAR China (+852), mainland China (+86)</label>');
    expect(page.body).toContain('placeholder="5123 4567"');
    expect((await postForm(browser, sendUrl, { phone: '9123 4567' })).statusCode).toBe(200);
    expect(sms.lastCodeFor('+85291234567')).toMatch(/^\d{6}$/);
  });
});

describe('the status of a refused send says whose side failed', () => {
  beforeEach(() => setup());

  const refusedWith = async (kind: SmsFailureKind) => {
    sms.failNext(new SmsSendError({ kind, provider: 'capturing' }));
    return postForm(new Browser(t.app), sendUrl, { phone: PHONE }, { 'accept-language': 'en' });
  };

  it('the provider down, timed out or out of quota: 503; refusing or misconfigured: 502; the person’s number or limits: 400 or 429', async () => {
    const expected: Array<[SmsFailureKind, number, string]> = [
      ['unavailable', 503, 'The SMS service is unavailable. Try again later'],
      ['quota_exhausted', 503, 'SMS codes are unavailable right now. Sign in another way: with WeChat or a password.'],
      ['bad_credentials', 502, 'The SMS service is unavailable'],
      ['sign_or_template_unapproved', 502, 'The SMS service is unavailable'],
      ['rejected', 502, 'The SMS service is unavailable'],
      ['invalid_number', 400, 'The SMS service cannot deliver to this number'],
      ['rate_limited_hour', 429, 'too many codes to this number recently'],
    ];
    for (const [kind, status, message] of expected) {
      const res = await refusedWith(kind);
      expect([kind, res.statusCode]).toEqual([kind, status]);
      expect(res.body).toContain(message);
    }
  });

  it("an account-wide quota is not told to the person as this number's limit", async () => {
    const res = await refusedWith('quota_exhausted');
    expect(res.body).not.toContain('too many codes to this number');
  });
});

describe('the daily SMS budget (SMS_DAILY_BUDGET)', () => {
  it('once spent, every send is refused with 503 and a message that says to sign in another way', async () => {
    await setup({ SMS_DAILY_BUDGET: '2' });
    for (const phone of ['+8613700000011', '+8613700000012']) expect((await postForm(browser, sendUrl, { phone })).statusCode).toBe(200);
    const res = await postForm(browser, sendUrl, { phone: '+8613700000013' }, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain(
      'SMS codes are unavailable for the rest of today: the service has sent as many as it may. Sign in with WeChat or a password.',
    );
    expect(sms.sent).toHaveLength(2);
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
