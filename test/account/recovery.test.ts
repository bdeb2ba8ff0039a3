/**
 * Activation, password reset by SMS code and phone change (issue 15), through the HTTP app as a browser posts its
 * forms: what the person reads, what the account can do afterwards, and what the applications were told.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ALICE, type Browser, type CasTestApp, createCasTestApp, EnBrowser, executionOf, parseCasXml, S, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;

let t: CasTestApp;
let sms: CapturingSmsSender;

async function setup(env: Record<string, string> = {}) {
  sms = new CapturingSmsSender();
  t = await createCasTestApp({ SMS_RESEND_SECONDS: '1', ...env }, { smsSender: sms });
}
afterEach(async () => t?.close());

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** Opens a page and posts one of its forms with the page's one-time token; a sign-in goes on through the continuation. */
async function postFrom(b: Browser, pageUrl: string, url: string, form: Record<string, string>) {
  const page = await b.get(pageUrl);
  return b.submit(url, { ...form, execution: executionOf(page.body) });
}

async function validates(location: string | undefined): Promise<string | undefined> {
  const res = await t.app.inject({ url: `/cas/p3/serviceValidate?service=${enc(S)}&ticket=${ticketFrom(location)}` });
  return parseCasXml(res.body).user;
}

const BOB_PHONE = '+8613912345678';
const forgot = `/cas/login/forgot?service=${enc(S)}`;

async function bob(password = 'Old-pass-2024') {
  return t.ctx.users.create({ username: 'bob', phone: BOB_PHONE, password, displayName: 'Bob' });
}

describe('password reset by SMS code', () => {
  it('is linked from the login page, keeping the service', async () => {
    await setup();
    const page = await new EnBrowser(t.app).get(`/cas/login?service=${enc(S)}`);
    expect(page.body).toContain(`href="/cas/login/forgot?service=${enc(S)}"`);
    expect(page.body).toContain(`href="/cas/login/activate?service=${enc(S)}"`);
  });

  it('sends a code to the bound number, sets the new password, ends every session with single logout, and signs in', async () => {
    await setup();
    await bob();
    const other = new EnBrowser(t.app);
    expect((await other.signIn(S, 'bob', 'Old-pass-2024')).statusCode).toBe(302);
    expect(await t.ctx.sessions.sessionsOf((await t.ctx.users.findByUsername('bob'))!.id)).toHaveLength(1);

    const b = new EnBrowser(t.app);
    const sent = await postFrom(b, forgot, `/cas/login/forgot/send?service=${enc(S)}`, { login: 'bob', phone: '139 1234 5678' });
    expect(sent.statusCode).toBe(200);
    expect(text(sent.body)).toContain('If bob has this number, a code is on its way to +86139****5678.');
    const code = sms.lastCodeFor(BOB_PHONE)!;
    expect(sms.sent.at(-1)?.purpose).toBe('reset');

    const done = await postFrom(b, forgot, `/cas/login/forgot?service=${enc(S)}`, {
      login: 'bob',
      phone: BOB_PHONE,
      code,
      password: 'New-pass-2025',
      again: 'New-pass-2025',
    });
    expect(done.statusCode).toBe(302);
    expect(await validates(done.headers.location)).toBe('bob');

    // The other browser's session ended; the old password no longer works, the new one does.
    const user = (await t.ctx.users.findByUsername('bob'))!;
    expect((await t.ctx.sessions.sessionsOf(user.id)).length).toBe(1);
    expect((await new EnBrowser(t.app).signIn(S, 'bob', 'Old-pass-2024')).statusCode).toBe(401);
    expect((await new EnBrowser(t.app).signIn(S, 'bob', 'New-pass-2025')).statusCode).toBe(302);
    const [reset] = await t.ctx.db.selectFrom('audit_events').selectAll().where('type', '=', 'password.reset').execute();
    expect(JSON.parse(reset!.detail)).toMatchObject({ sessions: 1 });
  });

  it('answers the same for a login that does not exist, a number that is not the account’s, and the right pair; only the right pair gets a code', async () => {
    await setup();
    await bob();
    const answers: string[] = [];
    for (const [login, phone] of [
      ['nobody', '13912345678'],
      ['bob', '13800000000'],
      ['bob', '13912345678'],
    ] as const) {
      const b = new EnBrowser(t.app);
      const res = await postFrom(b, forgot, `/cas/login/forgot/send?service=${enc(S)}`, { login, phone });
      expect(res.statusCode).toBe(200);
      answers.push(
        text(res.body)
          .replace(/\+86\d{3}\*{4}\d{4}/, 'PHONE')
          .replace(/If \w+ has/, 'If X has'),
      );
    }
    expect(new Set(answers).size).toBe(1);
    expect(sms.sent.map((m) => m.phone)).toEqual([BOB_PHONE]);
  });

  it('refuses a weak password with what the policy asks, before the code is spent', async () => {
    await setup();
    await bob();
    const b = new EnBrowser(t.app);
    await postFrom(b, forgot, `/cas/login/forgot/send`, { login: 'bob', phone: BOB_PHONE });
    const code = sms.lastCodeFor(BOB_PHONE)!;
    const tries: Array<[string, string]> = [
      ['short1', 'The password must have at least 8 characters.'],
      ['abcdefghij', 'The password must mix at least 2 kinds of characters'],
      ['bob-is-me-2025', 'must not contain your login name'],
      ['qwerty123', 'one of the most common ones'],
    ];
    for (const [password, message] of tries) {
      const res = await postFrom(b, forgot, '/cas/login/forgot', { login: 'bob', phone: BOB_PHONE, code, password, again: password });
      expect(res.statusCode).toBe(400);
      expect(text(res.body)).toContain(message);
      expect(res.body).toContain('id="recovery-complete-form"'); // the code still works
    }
    const differ = await postFrom(b, forgot, '/cas/login/forgot', {
      login: 'bob',
      phone: BOB_PHONE,
      code,
      password: 'Good-pass-1',
      again: 'Good-pass-2',
    });
    expect(text(differ.body)).toContain('The two passwords are not the same.');
    const ok = await postFrom(b, forgot, '/cas/login/forgot', {
      login: 'bob',
      phone: BOB_PHONE,
      code,
      password: 'Good-pass-1',
      again: 'Good-pass-1',
    });
    expect(ok.statusCode).toBe(200);
    expect(text(ok.body)).toContain('You are signed in as bob.');
  });

  it('a wrong code says how many tries are left; a form without its token is refused; nothing changes', async () => {
    await setup();
    await bob();
    const b = new EnBrowser(t.app);
    await postFrom(b, forgot, '/cas/login/forgot/send', { login: 'bob', phone: BOB_PHONE });
    const wrong = await postFrom(b, forgot, '/cas/login/forgot', {
      login: 'bob',
      phone: BOB_PHONE,
      code: '000000',
      password: 'Good-pass-1',
      again: 'Good-pass-1',
    });
    expect(wrong.statusCode).toBe(400);
    expect(text(wrong.body)).toMatch(/4 tries? left|4 more/);
    const tokenless = await b.post('/cas/login/forgot', {
      login: 'bob',
      phone: BOB_PHONE,
      code: sms.lastCodeFor(BOB_PHONE)!,
      password: 'Good-pass-1',
      again: 'Good-pass-1',
    });
    expect(tokenless.statusCode).toBe(400);
    expect((await new EnBrowser(t.app).signIn(S, 'bob', 'Old-pass-2024')).statusCode).toBe(302);
  });

  it('the send limits hold here as on the login page: too soon, a repeated send without its proof of work, the hourly cap per address', async () => {
    await setup({ SMS_RESEND_SECONDS: '60', SMS_MAX_PER_IP_PER_HOUR: '2' });
    await bob();
    const b = new EnBrowser(t.app);
    await postFrom(b, forgot, '/cas/login/forgot/send', { login: 'bob', phone: BOB_PHONE });
    const tooSoon = await postFrom(b, forgot, '/cas/login/forgot/send', { login: 'bob', phone: BOB_PHONE });
    expect(tooSoon.statusCode).toBe(400); // a repeated send from this browser needs its proof of work first
    expect(text(tooSoon.body)).toMatch(/JavaScript|proof|check/i);
    const other = new EnBrowser(t.app); // another browser: its first send, but the number's resend lock holds
    const locked = await postFrom(other, forgot, '/cas/login/forgot/send', { login: 'bob', phone: BOB_PHONE });
    expect(locked.statusCode).toBe(429);
    expect(text(locked.body)).toContain('A code was just sent. Wait');
    await t.ctx.users.create({ username: 'dave', phone: '+8613900000001', password: 'Dave-pass-2024' });
    await t.ctx.users.create({ username: 'erin', phone: '+8613900000002', password: 'Erin-pass-2024' });
    expect((await postFrom(other, forgot, '/cas/login/forgot/send', { login: 'dave', phone: '+8613900000001' })).statusCode).toBe(200);
    const capped = await postFrom(other, forgot, '/cas/login/forgot/send', { login: 'erin', phone: '+8613900000002' });
    expect(capped.statusCode).toBe(429);
    expect(sms.sent.map((m) => m.phone)).toEqual([BOB_PHONE, '+8613900000001']);
  });

  it('never answers 500 for odd input', async () => {
    await setup();
    const b = new EnBrowser(t.app);
    for (const body of [{}, { login: ['a', 'b'] }, { login: 'x'.repeat(5000), phone: '☃' }]) {
      const res = await b.post('/cas/login/forgot/send', body as Record<string, string>);
      expect(res.statusCode).toBeLessThan(500);
    }
    const res = await t.app.inject({
      method: 'POST',
      url: '/cas/login/forgot',
      payload: 'login=a&login=b&code[]=1',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBeLessThan(500);
  });
});

describe('activation of an imported account', () => {
  const activate = '/cas/login/activate';

  it('login and the imported number, the code, a first password: signed in, and the password works afterwards', async () => {
    await setup();
    await t.ctx.users.create({ username: '20240001', phone: '+8613700000001', displayName: '王小明' });
    const b = new EnBrowser(t.app);
    const sent = await postFrom(b, activate, `${activate}/send`, { login: '20240001', phone: '13700000001' });
    expect(text(sent.body)).toContain('If 20240001 can be activated with these details, a code is on its way to +86137****0001.');
    const done = await postFrom(b, `${activate}?service=${enc(S)}`, `${activate}?service=${enc(S)}`, {
      login: '20240001',
      phone: '+8613700000001',
      code: sms.lastCodeFor('+8613700000001')!,
      password: 'Campus-2025',
      again: 'Campus-2025',
    });
    expect(done.statusCode).toBe(302);
    expect(await validates(done.headers.location)).toBe('20240001');
    expect((await new EnBrowser(t.app).signIn(S, '20240001', 'Campus-2025')).statusCode).toBe(302);
  });

  it('an account that already has a password gets no code (the answer is the same)', async () => {
    await setup();
    await bob();
    const b = new EnBrowser(t.app);
    const sent = await postFrom(b, activate, `${activate}/send`, { login: 'bob', phone: BOB_PHONE });
    expect(sent.statusCode).toBe(200);
    expect(sms.sent).toHaveLength(0);
  });

  it('with ACTIVATION_ID_ATTRIBUTE, an account without a number is activated by its ID suffix, and the proved number becomes its own', async () => {
    await setup({ ACTIVATION_ID_ATTRIBUTE: 'idNumber' });
    await t.ctx.users.create({ username: 't0042', displayName: '李娜', attributes: { idNumber: ['11010519491231002X'] } });
    const page = await new EnBrowser(t.app).get(activate);
    expect(page.body).toContain('name="id_suffix"');
    const b = new EnBrowser(t.app);
    await postFrom(b, activate, `${activate}/send`, { login: 't0042', phone: '13700000042', id_suffix: '31002x' });
    const code = sms.lastCodeFor('+8613700000042');
    expect(code).toBeDefined();
    const done = await postFrom(b, activate, activate, {
      login: 't0042',
      phone: '+8613700000042',
      id_suffix: '31002x',
      code: code!,
      password: 'Li-Na-2025!',
      again: 'Li-Na-2025!',
    });
    expect(done.statusCode).toBe(200);
    expect(text(done.body)).toContain('You are signed in as t0042.');
    const user = (await t.ctx.users.findByUsername('t0042'))!;
    expect(user.phone).toBe('+8613700000042');
    expect(user.provedPhone).toBe('+8613700000042');
    // A wrong suffix sends nothing.
    await t.ctx.users.create({ username: 't0043', attributes: { idNumber: ['110105194912310011'] } });
    await postFrom(new EnBrowser(t.app), activate, `${activate}/send`, { login: 't0043', phone: '13700000043', id_suffix: '999999' });
    expect(sms.lastCodeFor('+8613700000043')).toBeUndefined();
  });

  it('says where a directory account changes its password (DIRECTORY_PASSWORD_URL)', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'wecas-hr-')), 'hr.db');
    const hr = new Database(file);
    hr.exec("CREATE TABLE staff (id TEXT, job_no TEXT, pwd TEXT); INSERT INTO staff VALUES ('1', 't2024001', '')");
    hr.close();
    await setup({
      DIRECTORIES: 'local,sql',
      SQL_DIRECTORY_NAME: 'hr',
      SQL_DIRECTORY_DATABASE_URL: `sqlite:${file}`,
      SQL_DIRECTORY_BY_LOGIN_QUERY: 'SELECT id, job_no AS login, pwd AS password_hash FROM staff WHERE job_no = ?',
      DIRECTORY_PASSWORD_URL: 'https://hr.example.edu/password',
    });
    const page = await new EnBrowser(t.app).get('/cas/login/forgot');
    expect(text(page.body)).toContain('Accounts of hr keep their password there: wecas cannot change it.');
    expect(page.body).toContain('href="https://hr.example.edu/password"');
  });
});

describe('changing the phone number', () => {
  const NEW = '+8613900000099';

  async function signedInBob() {
    await bob();
    const b = new EnBrowser(t.app);
    await b.signIn(S, 'bob', 'Old-pass-2024');
    return b;
  }

  it('the new number by code and the old by code: the account has the new number, the old one is no longer it', async () => {
    await setup();
    const b = await signedInBob();
    expect((await b.get('/cas/account')).body).toContain('href="/cas/account/phone"');
    const sentNew = await postFrom(b, '/cas/account/phone', '/cas/account/phone/send', { which: 'new', phone: '13900000099' });
    expect(text(sentNew.body)).toContain('A code is on its way to +86139****0099.');
    await new Promise((r) => setTimeout(r, 1100));
    const sentOld = await postFrom(b, '/cas/account/phone', '/cas/account/phone/send', { which: 'old', phone: NEW });
    expect(sentOld.statusCode).toBe(200);
    const res = await postFrom(b, '/cas/account/phone', '/cas/account/phone', {
      phone: NEW,
      code: sms.lastCodeFor(NEW)!,
      old_code: sms.lastCodeFor(BOB_PHONE)!,
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/cas/account?done=phone_changed');
    expect(text((await b.get(res.headers.location!)).body)).toContain('Your phone number has been changed.');
    const user = (await t.ctx.users.findByUsername('bob'))!;
    expect(user.phone).toBe(NEW);
    expect(user.provedPhone).toBe(NEW);
  });

  it('the old number proved by the password instead; a wrong password changes nothing', async () => {
    await setup();
    const b = await signedInBob();
    await postFrom(b, '/cas/account/phone', '/cas/account/phone/send', { which: 'new', phone: NEW });
    const wrong = await postFrom(b, '/cas/account/phone', '/cas/account/phone', { phone: NEW, code: sms.lastCodeFor(NEW)!, password: 'nope' });
    expect(wrong.statusCode).toBe(401);
    expect(text(wrong.body)).toContain('The password is not correct.');
    expect((await t.ctx.users.findByUsername('bob'))!.phone).toBe(BOB_PHONE);
    const ok = await postFrom(b, '/cas/account/phone', '/cas/account/phone', { phone: NEW, code: sms.lastCodeFor(NEW)!, password: 'Old-pass-2024' });
    expect(ok.statusCode).toBe(303);
    expect((await t.ctx.users.findByUsername('bob'))!.phone).toBe(NEW);
  });

  it('without the old number: an appeal is recorded for an administrator, the number stays until it is approved', async () => {
    await setup();
    const b = await signedInBob();
    await postFrom(b, '/cas/account/phone', '/cas/account/phone/send', { which: 'new', phone: NEW });
    const res = await postFrom(b, '/cas/account/phone', '/cas/account/phone/appeal', {
      phone: NEW,
      code: sms.lastCodeFor(NEW)!,
      reason: 'Phone stolen',
    });
    expect(res.statusCode).toBe(303);
    expect(text((await b.get(res.headers.location!)).body)).toContain('Your request is recorded.');
    expect(text((await b.get('/cas/account/phone')).body)).toContain('A request to change your number is waiting for an administrator.');
    const [appeal] = await t.ctx.phoneAppeals.list('pending');
    expect(appeal).toMatchObject({ oldPhone: BOB_PHONE, newPhone: NEW, reason: 'Phone stolen', status: 'pending' });
    expect((await t.ctx.users.findByUsername('bob'))!.phone).toBe(BOB_PHONE);
    expect(await t.ctx.recovery.decideAppeal(appeal!.id, 'approved', 'admin')).toBe('approved');
    expect((await t.ctx.users.findByUsername('bob'))!.phone).toBe(NEW);
    expect(await t.ctx.recovery.decideAppeal(appeal!.id, 'rejected', 'admin')).toBe('not_pending');
  });

  it('a number another account has is refused after its code; signed out, the page sends to the login', async () => {
    await setup();
    await t.ctx.users.create({ username: 'carol', phone: NEW });
    const b = await signedInBob();
    await postFrom(b, '/cas/account/phone', '/cas/account/phone/send', { which: 'new', phone: NEW });
    const res = await postFrom(b, '/cas/account/phone', '/cas/account/phone', { phone: NEW, code: sms.lastCodeFor(NEW)!, password: 'Old-pass-2024' });
    expect(res.statusCode).toBe(409);
    expect(text(res.body)).toContain('This number belongs to another account.');
    const anonymous = await new EnBrowser(t.app).get('/cas/account/phone');
    expect(anonymous.statusCode).toBe(302);
  });
});

describe('notices to the account’s phone', () => {
  it('with SMS_NOTICES, a sign-in from a new browser, a password reset and a phone change each tell the number, at most once per interval', async () => {
    await setup({ SMS_NOTICES: 'new_browser,password,phone' });
    await bob();
    const b = new EnBrowser(t.app);
    await b.signIn(S, 'bob', 'Old-pass-2024');
    expect(sms.notices.map((n) => n.purpose)).toEqual(['notice_sign_in']);
    expect(sms.notices[0]).toMatchObject({ phone: BOB_PHONE, ip: '127.0.0.1' });
    expect(sms.notices[0]!.time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d$/);
    // The same browser again (asked to sign in again by renew): not new.
    await b.signIn(S, 'bob', 'Old-pass-2024', '&renew=true');
    expect(sms.notices).toHaveLength(1);
    // Another new browser within the interval: limited.
    await new EnBrowser(t.app).signIn(S, 'bob', 'Old-pass-2024');
    expect(sms.notices).toHaveLength(1);
    t.clock.advance(601_000);
    await new EnBrowser(t.app).signIn(S, 'bob', 'Old-pass-2024');
    expect(sms.notices).toHaveLength(2);

    const r = new EnBrowser(t.app);
    await postFrom(r, forgot, '/cas/login/forgot/send', { login: 'bob', phone: BOB_PHONE });
    await postFrom(r, forgot, '/cas/login/forgot', {
      login: 'bob',
      phone: BOB_PHONE,
      code: sms.lastCodeFor(BOB_PHONE)!,
      password: 'New-pass-2025',
      again: 'New-pass-2025',
    });
    expect(sms.notices.map((n) => n.purpose)).toContain('notice_password');

    // A phone change tells the old number.
    const NEW = '+8613900000099';
    await postFrom(r, '/cas/account/phone', '/cas/account/phone/send', { which: 'new', phone: NEW });
    const changed = await postFrom(r, '/cas/account/phone', '/cas/account/phone', {
      phone: NEW,
      code: sms.lastCodeFor(NEW)!,
      password: 'New-pass-2025',
    });
    expect(changed.statusCode).toBe(303);
    expect(sms.notices.at(-1)).toMatchObject({ purpose: 'notice_phone', phone: BOB_PHONE });
  });

  it('without SMS_NOTICES nothing is sent', async () => {
    await setup();
    await bob();
    await new EnBrowser(t.app).signIn(S, 'bob', 'Old-pass-2024');
    expect(sms.notices).toHaveLength(0);
    expect(ALICE.username).toBe('alice');
  });
});
