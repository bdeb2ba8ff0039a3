// Signing in with an LDAP account end to end (app.inject against a real OpenLDAP): what the application is told,
// a disabled account, an account disabled after sign-in (the re-check ends its sessions), and LDAP going away and
// coming back (503 page, audit, readiness, sessions that keep validating).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Browser as BrowserType, type CasTestApp, createCasTestApp, parseCasXml, S, ticketFrom } from '../support/cas-app.js';
import { type LdapServer, startLdapServer } from '../support/ldap.js';
import { BASE_DN, DISABLED_FILTER, GROUPS_DN, OPENLDAP_ACCOUNTS, SERVICE_ACCOUNT } from '../support/ldap-tree.js';

const groupDn = (cn: string) => `cn=${cn},${GROUPS_DN}`;

let ldap: LdapServer;
let t: CasTestApp;

beforeAll(async () => {
  ldap = await startLdapServer();
  t = await createCasTestApp({
    DIRECTORIES: 'local,ldap',
    LDAP_URL: ldap.url,
    LDAP_BIND_DN: SERVICE_ACCOUNT.dn,
    LDAP_BIND_PASSWORD: SERVICE_ACCOUNT.password,
    LDAP_BASE_DN: BASE_DN,
    LDAP_DISABLED_FILTER: DISABLED_FILTER,
    LDAP_ATTRIBUTES: 'department=departmentNumber',
    LDAP_CONNECT_TIMEOUT_MS: '1000',
    LDAP_TIMEOUT_MS: '1000',
  });
  const service = (await t.ctx.services.get(t.s.id))!;
  await t.ctx.services.update({ ...service, attributes: ['displayName', 'memberOf', 'phone', 'department', 'directory', 'userId'] });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await ldap?.close();
});

const active = OPENLDAP_ACCOUNTS.filter((a) => !a.disabled && a.phone);
const disabled = OPENLDAP_ACCOUNTS.find((a) => a.disabled)!;

async function signIn(browser: BrowserType, account: { login: string; password: string }) {
  return browser.signIn(S, account.login, account.password);
}

async function validate(ticket: string) {
  const res = await t.app.inject({ url: `/cas/p3/serviceValidate?service=${encodeURIComponent(S)}&ticket=${ticket}` });
  return parseCasXml(res.body);
}

/** A re-check round as the next interval would run it (each round holds a lease for nearly the whole interval). */
async function recheckRound() {
  await t.ctx.kv.delete('directory-recheck');
  return t.ctx.directoryRecheck.run();
}

async function auditTypes(): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const rows = await t.ctx.db.selectFrom('audit_events').select(['type', 'detail']).orderBy('at').execute();
  return rows.map((r) => ({ type: r.type, data: JSON.parse(r.detail) as Record<string, unknown> }));
}

describe('signing in with an LDAP account', () => {
  it('tells the application the 学号 and the directory attributes, and keeps no password', async () => {
    const student = active[0]!;
    const res = await signIn(new Browser(t.app), student);
    expect(res.statusCode).toBe(302);
    const seen = await validate(ticketFrom(res.headers.location));
    expect(seen.user).toBe(student.login);
    expect(seen.attributes.displayName).toEqual([student.displayName]);
    expect(seen.attributes.phone).toEqual([student.phone]);
    expect(seen.attributes.memberOf?.sort()).toEqual([...student.groups].sort());
    expect(seen.attributes.directory).toEqual(['ldap']);

    const record = await t.ctx.db.selectFrom('users').selectAll().where('directory', '=', 'ldap').executeTakeFirstOrThrow();
    expect(record.password_hash).toBeNull();
    expect(record.username).toBeNull();
    expect(seen.attributes.userId).toEqual([record.id]);
  });

  it("gives each service the user it chose (phone, the directory's stable id), and admits by LDAP group (docs/services.md)", async () => {
    const student = active.find((a) => a.groups.includes(groupDn('cs-2024')))!;
    const outsider = active.find((a) => !a.groups.includes(groupDn('cs-2024')))!;
    const service = (await t.ctx.services.get(t.s.id))!;
    const userOf = async (account: { login: string; password: string }) =>
      (await validate(ticketFrom((await signIn(new Browser(t.app), account)).headers.location))).user;
    try {
      await t.ctx.services.update({ ...service, usernameAttribute: 'phone' });
      expect(await userOf(student)).toBe(student.phone);
      await t.ctx.services.update({ ...service, usernameAttribute: 'stableId' });
      const stable = await userOf(student);
      expect(stable).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/); // entryUUID
      const record = await t.ctx.db.selectFrom('users').selectAll().where('directory_id', '=', stable!).executeTakeFirstOrThrow();
      expect(record.id).not.toBe(stable); // the directory's id, not wecas's

      await t.ctx.services.update({ ...service, requiredAttributes: { memberOf: ['^cn=cs-2024,'] } });
      expect((await signIn(new Browser(t.app), student)).statusCode).toBe(302);
      expect((await signIn(new Browser(t.app), outsider)).statusCode).toBe(403);
    } finally {
      await t.ctx.services.update(service);
    }
  });

  it('refuses a wrong password and a disabled account, saying which only to the right password', async () => {
    const wrong = await signIn(new Browser(t.app), { login: active[1]!.login, password: 'not-the-password' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('用户名或密码不正确');
    const refused = await signIn(new Browser(t.app), disabled);
    expect(refused.statusCode).toBe(401);
    expect(refused.body).toContain('该账号已停用');
  });

  it('ends the sessions of an account disabled in LDAP after sign-in, at the next re-check', async () => {
    const person = active[2]!;
    const browser = new Browser(t.app);
    expect((await signIn(browser, person)).statusCode).toBe(302);
    const sso = await browser.get(`/cas/login?service=${encodeURIComponent(S)}`);
    const pending = ticketFrom(sso.headers.location);
    const bystander = new Browser(t.app);
    expect((await signIn(bystander, active[3]!)).statusCode).toBe(302);

    await ldap.modify(person.dn, { employeeType: 'disabled' });
    const report = await recheckRound();
    expect(report).toMatchObject({ ended: 1, unanswered: 0 });
    // The round holds a lease: another node (or a second call) within the interval does not read the directory again.
    expect(await t.ctx.directoryRecheck.run()).toBeUndefined();
    expect((await validate(pending)).failureCode).toBe('INVALID_TICKET');
    // Their browser must sign in again, and cannot.
    expect((await browser.get(`/cas/login?service=${encodeURIComponent(S)}`)).statusCode).toBe(200);
    expect((await auditTypes()).filter((e) => e.type === 'session.ended').map((e) => e.data)).toContainEqual(
      expect.objectContaining({ reason: 'account_disabled', directory: 'ldap', sessions: 1 }),
    );
    // Someone else's session is untouched.
    expect((await bystander.get(`/cas/login?service=${encodeURIComponent(S)}`)).statusCode).toBe(302);
  });

  it('while LDAP is down: a 503 page saying so, the directory and error kind in the audit trail, readiness degraded, sessions still validate; then it is used again without a restart', async () => {
    const before = new Browser(t.app);
    expect((await signIn(before, active[4]!)).statusCode).toBe(302);

    const ldapRecords = async () => (await t.ctx.db.selectFrom('users').select('id').where('directory', '=', 'ldap').execute()).length;
    const recordsBefore = await ldapRecords();
    await ldap.stop();
    try {
      const res = await signIn(new Browser(t.app), active[5]!);
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('账号服务暂时不可用');
      expect(res.body).not.toMatch(/ECONNREFUSED|stack|ldap:\/\//);
      expect((await auditTypes()).at(-1)).toEqual({
        type: 'directory.error',
        data: expect.objectContaining({ directory: 'ldap', kind: 'unreachable' }),
      });
      expect(await ldapRecords()).toBe(recordsBefore); // nothing half-made

      // Single sign-on and validation answer from the session: no directory round trip.
      const sso = await before.get(`/cas/login?service=${encodeURIComponent(S)}`);
      expect((await validate(ticketFrom(sso.headers.location))).user).toBe(active[4]!.login);

      const ready = await t.ctx.readiness.check();
      expect(ready.status).toBe('degraded');
      expect(ready.checks['directory:ldap']).toMatchObject({ ok: false, error: 'unreachable' });
      expect(await recheckRound()).toMatchObject({ ended: 0 });
    } finally {
      await ldap.start();
    }
    const again = await signIn(new Browser(t.app), active[5]!);
    expect(again.statusCode).toBe(302);
    expect((await t.ctx.readiness.check()).status).toBe('ready');
  });
});
