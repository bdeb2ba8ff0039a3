/**
 * Deleting an account from the account page (issue 15), through the HTTP app as a browser posts its forms: the
 * confirmation (password, or a code to the bound number), its limits, the refusal for a directory's account, and
 * what the audit log keeps afterwards (a pseudonym, no personal details), read back with `wecas audit`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { runAuditCommand } from '../../src/cli/audit-commands.js';
import { createPeopleFile, hashes, PEOPLE_QUERIES, type SqliteFile } from '../directories/sql-fixtures.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ALICE, type Browser, type CasTestApp, createCasTestApp, EnBrowser, executionOf, S, S2 } from '../support/cas-app.js';
import { solve } from '../support/proof-of-work.js';

const enc = encodeURIComponent;

let t: CasTestApp;
let sms: CapturingSmsSender;
let people: SqliteFile | undefined;

async function setup(env: Record<string, string> = {}) {
  sms = new CapturingSmsSender();
  t = await createCasTestApp({ SMS_RESEND_SECONDS: '1', ...env }, { smsSender: sms });
}
afterEach(async () => {
  await t?.close();
  people?.cleanup();
  people = undefined;
});

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');

/** Opens the delete page and posts one of its forms with the page's one-time token. */
async function postFromDeletePage(b: Browser, url: string, form: Record<string, string>) {
  const page = await b.get('/cas/account/delete');
  return b.post(url, { ...form, execution: executionOf(page.body) });
}

/** What the widget on the page does before a repeated send: fetch a challenge from the page's URL and solve it. */
async function proofFor(b: Browser, page: string): Promise<string> {
  const url = /<altcha-widget[^>]* challenge="([^"]+)"/.exec(page)?.[1];
  if (!url) throw new Error('no proof-of-work widget on the page');
  return solve(JSON.parse((await b.get(url.replace(/&amp;/g, '&'))).body));
}

async function auditRows() {
  return t.ctx.db.selectFrom('audit_events').selectAll().orderBy('at').orderBy('id').execute();
}

describe('deleting an account wecas owns, confirmed by the password', () => {
  it('is offered on the account page; a wrong password is refused and the account stays', async () => {
    await setup();
    const b = new EnBrowser(t.app);
    await b.signIn(S);
    const account = await b.get('/cas/account');
    expect(account.body).toContain('id="delete-account-link"');
    const page = await b.get('/cas/account/delete');
    expect(text(page.body)).toContain('What is removed:');
    expect(text(page.body)).toContain('for 180 days, under a random number that no longer leads to you');
    expect(page.body).toContain('id="delete-password"');

    const wrong = await postFromDeletePage(b, '/cas/account/delete', { password: 'not-it' });
    expect(wrong.statusCode).toBe(401);
    expect(text(wrong.body)).toContain('The password is not correct.');
    expect(await t.ctx.users.findByUsername('alice')).not.toBeNull();
  });

  it('limits wrong passwords as sign-in does: after 5, even the right one waits', async () => {
    await setup();
    const b = new EnBrowser(t.app);
    await b.signIn(S);
    for (let i = 0; i < 5; i++) expect((await postFromDeletePage(b, '/cas/account/delete', { password: `wrong-${i}` })).statusCode).toBe(401);
    const limited = await postFromDeletePage(b, '/cas/account/delete', { password: ALICE.password });
    expect(limited.statusCode).toBe(429);
    expect(text(limited.body)).toMatch(/Too many failed attempts\. Wait \d+ minutes and try again\./);
    expect(await t.ctx.users.findByUsername('alice')).not.toBeNull();
  });

  it('deletes: sessions end, the record and its links go, sign-in fails, and the audit log keeps events under a pseudonym', async () => {
    await setup();
    const alice = (await t.ctx.users.findByUsername('alice'))!;
    await t.ctx.users.update(alice.id, { phone: '+8613912340000' });
    await t.ctx.admin.users.linkWeChat('alice', { appId: 'wx-test', openid: 'o-alice' });
    const other = new EnBrowser(t.app);
    await other.signIn(S);
    await new EnBrowser(t.app).signIn(S, 'alice', 'a-wrong-password');
    const b = new EnBrowser(t.app);
    await b.signIn(S);
    expect(await t.ctx.sessions.sessionsOf(alice.id)).toHaveLength(2);

    const done = await postFromDeletePage(b, '/cas/account/delete', { password: ALICE.password });
    expect(done.statusCode).toBe(200);
    expect(text(done.body)).toContain('Your account has been deleted');
    expect(done.headers['set-cookie']).toEqual(expect.stringContaining('TGC=;'));
    expect(await t.ctx.users.findById(alice.id)).toBeNull();
    expect(await t.ctx.identities.findWeChat({ appId: 'wx-test', openid: 'o-alice' })).toBeUndefined();
    expect(await t.ctx.sessions.sessionsOf(alice.id)).toEqual([]);
    expect((await other.get('/cas/account')).headers.location).toBe('/cas/login');
    expect((await new EnBrowser(t.app).signIn(S)).statusCode).toBe(401);
    await t.ctx.singleLogout.settled();

    const rows = await auditRows();
    expect(rows.filter((r) => r.user_id === alice.id)).toEqual([]);
    const deleted = rows.find((r) => r.type === 'user.deleted')!;
    const pseudonym = deleted.user_id!;
    expect(pseudonym).toMatch(/^deleted-[A-Za-z0-9]{20}$/);
    expect(JSON.parse(deleted.detail)).toEqual({ via: 'account', wechat: 1, wecom: 0, sessions: 2 });
    // Its earlier events (the sign-ins, the failed one that typed its name, the link) are the pseudonym's now …
    const own = rows.filter((r) => r.user_id === pseudonym).map((r) => r.type);
    expect(own).toEqual(expect.arrayContaining(['wechat.bound', 'login.success', 'login.failure', 'user.deleted']));
    // … and nothing in the log names the person: no login name, number or display name.
    const upToDeletion = rows.slice(0, rows.indexOf(deleted) + 1);
    const everything = JSON.stringify([...upToDeletion, ...rows.filter((r) => r.type.startsWith('slo.'))]);
    for (const personal of ['alice', '13912340000', '139****0000', 'Alice']) expect(everything).not.toContain(personal);
    // Single logout, told after the deletion, wrote its events under the pseudonym too.
    expect(rows.filter((r) => r.type.startsWith('slo.')).map((r) => r.user_id)).toEqual([pseudonym, pseudonym]);
    // The sign-in tried after the deletion was refused under the name typed: a new, unkeyed event, as for anyone.
    expect(rows.filter((r) => r.type === 'login.failure' && r.user_id === null)).toHaveLength(1);

    const printed: string[] = [];
    const code = await runAuditCommand(['--user', pseudonym], { db: t.ctx.db, clock: t.clock, print: (l) => printed.push(l) });
    expect(code).toBe(0);
    expect(printed.find((l) => l.includes('user.deleted'))).toMatch(
      new RegExp(`user\\.deleted\\s+${pseudonym}\\s+127\\.0\\.0\\.1\\s+\\{"via":"account","wechat":1,"wecom":0,"sessions":2\\}$`),
    );
    expect(printed.length).toBeGreaterThanOrEqual(5);
  });

  it('tells a front-channel service from the page that answers, as the logout page does', async () => {
    await setup();
    await t.ctx.services.update({ ...t.s2, logoutType: 'front-channel' });
    const other = new EnBrowser(t.app);
    expect((await other.signIn(S2)).statusCode).toBe(302);
    const b = new EnBrowser(t.app);
    await b.signIn(S);
    const done = await postFromDeletePage(b, '/cas/account/delete', { password: ALICE.password });
    expect(done.statusCode).toBe(200);
    expect(done.body).toMatch(/<img src="https:\/\/other\.example\.org\/\?SAMLRequest=[^"]+"/);
    expect(String(done.headers['content-security-policy'])).toContain('https://other.example.org');
  });

  it('refuses a form whose token was not issued to this browser', async () => {
    await setup();
    const b = new EnBrowser(t.app);
    await b.signIn(S);
    const res = await b.post('/cas/account/delete', { execution: 'LT-forged', password: ALICE.password });
    expect(res.statusCode).toBe(400);
    expect(text(res.body)).toContain('This form has expired. Try again.');
    expect(await t.ctx.users.findByUsername('alice')).not.toBeNull();
  });
});

describe('deleting a password-less account, confirmed by a code to its number', () => {
  it('sends a code to the bound number; a wrong code says how many tries are left; the right one deletes', async () => {
    await setup();
    const phone = '+8613800001111';
    await t.ctx.users.create({ phone, displayName: '李四' });
    const b = new EnBrowser(t.app);
    const sent = await b.get(`/cas/login?service=${enc(S)}`);
    await b.post(`/cas/login/sms/send?service=${enc(S)}`, { execution: executionOf(sent.body), phone });
    const loginCode = sms.lastCodeFor(phone)!;
    const signedIn = await b.submit(`/cas/login/sms?service=${enc(S)}`, {
      execution: executionOf((await b.get(`/cas/login?service=${enc(S)}`)).body),
      phone,
      code: loginCode,
    });
    expect(signedIn.statusCode).toBe(302);

    const page = await b.get('/cas/account/delete');
    expect(text(page.body)).toContain('To confirm, we send a code to +86138****1111.');
    expect(page.body).not.toContain('id="delete-form"');
    t.clock.advance(2000); // SMS_RESEND_SECONDS=1
    // This browser had a code for this number already (its sign-in): a repeated send needs the widget's proof of work.
    const noProof = await postFromDeletePage(b, '/cas/account/delete/send', {});
    expect(noProof.statusCode).toBe(400);
    const codeSent = await postFromDeletePage(b, '/cas/account/delete/send', { altcha: await proofFor(b, page.body) });
    expect(codeSent.statusCode, text(codeSent.body)).toBe(200);
    expect(codeSent.body).toContain('id="delete-code"');
    expect(sms.sent.at(-1)).toMatchObject({ phone, purpose: 'delete' });
    const code = sms.lastCodeFor(phone)!;

    const wrong = await postFromDeletePage(b, '/cas/account/delete', { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.statusCode).toBe(400);
    expect(text(wrong.body)).toContain('That code is not right. 4 tries left.');
    const done = await postFromDeletePage(b, '/cas/account/delete', { code });
    expect(done.statusCode).toBe(200);
    expect(await t.ctx.users.findByPhone(phone)).toBeNull();
    const everything = JSON.stringify(await auditRows());
    for (const personal of ['13800001111', '138****1111', '李四']) expect(everything).not.toContain(personal);
  });
});

describe("a directory's account", () => {
  it('is not deleted here: the page says the directory manages it and whom to ask', async () => {
    people = createPeopleFile([
      {
        login: 'zhangsan',
        passwordHash: hashes.pbkdf2('pw-zhangsan-1'),
        name: '张三',
        mobile: '+86 13700000001',
        email: 'zs@example.edu.cn',
        groups: ['staff'],
        active: true,
      },
    ]);
    await setup({
      DIRECTORIES: 'local,sql',
      SQL_DIRECTORY_NAME: 'hr',
      SQL_DIRECTORY_DATABASE_URL: people.url,
      SQL_DIRECTORY_BY_LOGIN_QUERY: PEOPLE_QUERIES.byLogin,
      SQL_DIRECTORY_GROUPS_FORMAT: 'json',
    });
    const b = new EnBrowser(t.app);
    expect((await b.signIn(S, 'zhangsan', 'pw-zhangsan-1')).statusCode).toBe(302);
    const account = await b.get('/cas/account');
    expect(account.body).not.toContain('id="delete-account-link"');
    expect(text(account.body)).toContain('Your account is managed by your organisation’s directory (hr), so it cannot be deleted here.');
    const page = await b.get('/cas/account/delete');
    expect(text(page.body)).toContain('ask the administrators of that directory');
    expect(page.body).not.toContain('id="delete-form"');

    // No form on that page: a token from another account page, as a forged or stale post would carry.
    const token = executionOf((await b.get('/cas/account/phone')).body);
    const refused = await b.post('/cas/account/delete', { execution: token, password: 'pw-zhangsan-1' });
    expect(refused.statusCode).toBe(303);
    expect(refused.headers.location).toBe('/cas/account/delete');
    expect(await t.ctx.users.findByDirectoryId('hr', 'zhangsan')).not.toBeNull();
    expect((await b.get('/cas/account')).statusCode).toBe(200);
  });
});
