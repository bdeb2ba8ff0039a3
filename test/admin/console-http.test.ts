/**
 * The console over HTTP (inject): sign-in through wecas with renew, the role check, the form token on every POST,
 * closed CORS, the CSP, and each page rendering in both languages. The browser tests (console-*.browser.test.ts)
 * walk the same pages in Chromium.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { Browser } from '../support/cas-app.js';
import { ManualClock } from '../support/clock.js';
import { testConfig } from '../support/config.js';

let ctx: Wecas;
let app: FastifyInstance;
const PASSWORD = 'pw-console-test-1';

beforeAll(async () => {
  const config = testConfig({ TICKET_REGISTRY: 'memory', ADMIN_CONSOLE_SECOND_FACTOR: 'optional', PUBLIC_URL: 'http://localhost' });
  ctx = await createWecas(config, { clock: new ManualClock(Date.now()) });
  app = await buildApp(ctx, { logger: false });
  for (const [username, role] of [
    ['root', 'admin'],
    ['desk', 'helpdesk'],
    ['nobody', null],
  ] as const) {
    const user = await ctx.users.create({ username, password: PASSWORD, displayName: `${username} 用户` });
    if (role) await ctx.admin.roles.grant(user.id, role, 'test');
  }
  await ctx.users.create({ username: 'carol', password: PASSWORD, phone: '+8613800001111', displayName: 'Carol 陈' });
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

/** Signs in to the console: /admin/login → wecas's login with renew → the callback with the ticket. */
async function consoleSignIn(username: string, lang = 'en') {
  const browser = new Browser(app);
  const start = await browser.get(`/admin/login?lang=${lang}`);
  expect(start.statusCode).toBe(302);
  const login = new URL(start.headers.location!, 'http://localhost');
  expect(login.pathname).toBe('/cas/login');
  expect(login.searchParams.get('renew')).toBe('true');
  const service = login.searchParams.get('service')!;
  expect(service).toMatch(/^http:\/\/localhost\/admin\/callback\?n=/);
  const signedIn = await browser.signIn(service, username, PASSWORD, `&renew=true&lang=${lang}`);
  const callback = await browser.get(new URL(signedIn.headers.location!).pathname + new URL(signedIn.headers.location!).search);
  return { browser, callback };
}

function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no csrf field');
  return m[1]!;
}

describe('console sign-in', () => {
  it('an admin signs in through wecas and gets a short, strict console cookie', async () => {
    const { browser, callback } = await consoleSignIn('root');
    expect(callback.statusCode).toBe(200);
    const cookie = [callback.headers['set-cookie']].flat().find((c) => c?.startsWith('wecas_admin='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/admin/);
    const dashboard = await browser.get('/admin/?lang=en');
    expect(dashboard.statusCode).toBe(200);
    expect(dashboard.body).toContain('Live sessions');
    expect(dashboard.headers['content-security-policy']).toContain("script-src 'self'");
    expect(dashboard.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('an account without a role is refused with a page that says so', async () => {
    const { callback } = await consoleSignIn('nobody');
    expect(callback.statusCode).toBe(403);
    expect(callback.body).toContain('no administrator or helpdesk role');
  });

  it('a page without a console session goes to sign-in', async () => {
    const res = await app.inject({ url: '/admin/accounts' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/admin/login');
  });
});

describe('console pages', () => {
  it.each(['en', 'zh-CN'])('%s: every page renders', async (lang) => {
    const { browser } = await consoleSignIn('root', lang);
    for (const path of [
      '/admin/',
      '/admin/accounts',
      '/admin/accounts?q=carol',
      '/admin/services',
      '/admin/services/new',
      '/admin/services/0',
      '/admin/services/test?url=http%3A%2F%2Flocalhost%2Fadmin%2Fcallback',
      '/admin/appeals',
      '/admin/audit',
      '/admin/audit?type=login.success',
    ]) {
      const res = await browser.get(`${path}${path.includes('?') ? '&' : '?'}lang=${lang}`);
      expect(res.statusCode, path).toBe(200);
    }
    const csv = await browser.get('/admin/audit.csv');
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toContain('admin.signed_in');
  });

  it('a POST without the form token, or from another origin, is refused (403)', async () => {
    const { browser } = await consoleSignIn('root');
    const carol = (await ctx.users.findByUsername('carol'))!;
    const page = await browser.get(`/admin/accounts/${carol.id}`);
    const csrf = csrfOf(page.body);
    const without = await browser.post(`/admin/accounts/${carol.id}/status`, { status: 'disabled' });
    expect(without.statusCode).toBe(403);
    const foreign = await browser.post(`/admin/accounts/${carol.id}/status`, { status: 'disabled', csrf }, { origin: 'https://evil.example' });
    expect(foreign.statusCode).toBe(403);
    expect((await ctx.users.findById(carol.id))!.status).toBe('active');
    const ok = await browser.post(`/admin/accounts/${carol.id}/status`, { status: 'disabled', csrf });
    expect(ok.statusCode).toBe(303);
    expect((await ctx.users.findById(carol.id))!.status).toBe('disabled');
    await browser.post(`/admin/accounts/${carol.id}/status`, { status: 'active', csrf });
  });

  it('an admin resets a password (cleared for activation by SMS code), audited naming the admin', async () => {
    const { browser } = await consoleSignIn('root');
    const carol = (await ctx.users.findByUsername('carol'))!;
    const page = await browser.get(`/admin/accounts/${carol.id}?lang=en`);
    expect(page.body).toContain('id="reset-password"');
    const res = await browser.post(`/admin/accounts/${carol.id}/password/reset`, { csrf: csrfOf(page.body) });
    expect(res.headers.location).toBe(`/admin/accounts/${carol.id}?done=password`);
    expect((await ctx.users.findById(carol.id))!.hasPassword).toBe(false);
    const root = (await ctx.users.findByUsername('root'))!;
    const row = await ctx.db.selectFrom('audit_events').select('detail').where('type', '=', 'user.password_cleared').executeTakeFirstOrThrow();
    expect(JSON.parse(row.detail)).toMatchObject({ via: 'console', admin: root.id });
    const after = await browser.get(`/admin/accounts/${carol.id}?done=password&lang=en`);
    expect(after.body).toContain('The password is cleared');
    expect(after.body).not.toContain('id="reset-password"');
    await ctx.users.setPassword(carol.id, PASSWORD);
  });

  it('a helpdesk operator is refused on services (403), and cannot disable accounts', async () => {
    const { browser } = await consoleSignIn('desk');
    const res = await browser.get('/admin/services?lang=en');
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('Administrators only');
    const accounts = await browser.get('/admin/accounts');
    expect(accounts.body).not.toContain('nav-services');
  });

  it('a personal token is shown once, listed, refused by the API store once revoked; a helpdesk operator cannot make an admin token', async () => {
    const { browser } = await consoleSignIn('root');
    const page = await browser.get('/admin/tokens?lang=en');
    const csrf = csrfOf(page.body);
    const made = await browser.post('/admin/tokens', { csrf, name: 'HR sync', role: 'admin', days: '30' });
    expect(made.statusCode).toBe(201);
    const secret = /id="token-secret">([^<]+)</.exec(made.body)![1]!;
    expect((await ctx.admin.tokens.verify(secret)).ok).toBe(true);
    const list = await browser.get('/admin/tokens');
    expect(list.body).not.toContain(secret);
    const id = /action="\/admin\/tokens\/([^/]+)\/revoke"/.exec(list.body)![1]!;
    expect((await browser.post(`/admin/tokens/${id}/revoke`, { csrf })).statusCode).toBe(303);
    expect(await ctx.admin.tokens.verify(secret)).toEqual({ ok: false, reason: 'revoked_token' });

    const desk = await consoleSignIn('desk');
    const deskPage = await desk.browser.get('/admin/tokens?lang=en');
    const refused = await desk.browser.post('/admin/tokens', { csrf: csrfOf(deskPage.body), name: 'mine', role: 'admin', days: '30' });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('does not hold the admin role');
  });

  it("a phone appeal is approved from the appeals page: the new number is the account's, and the decision is audited", async () => {
    const carol = (await ctx.users.findByUsername('carol'))!;
    const appeal = await ctx.phoneAppeals.create({
      userId: carol.id,
      oldPhone: carol.phone,
      newPhone: '+8613800002222',
      reason: '旧号码已停机',
      ip: null,
    });
    const { browser } = await consoleSignIn('desk');
    const page = await browser.get('/admin/appeals?lang=en');
    expect(page.body).toContain('旧号码已停机');
    expect(page.body).toContain('+86138****1111');
    const decided = await browser.post(`/admin/appeals/${appeal.id}`, { csrf: csrfOf(page.body), decision: 'approved' });
    expect(decided.headers.location).toBe('/admin/appeals?result=approved');
    expect((await ctx.users.findById(carol.id))!.phone).toBe('+8613800002222');
    const again = await browser.post(`/admin/appeals/${appeal.id}`, { csrf: csrfOf(page.body), decision: 'rejected' });
    expect(again.headers.location).toBe('/admin/appeals?result=not_pending');
  });

  it('the audit log filters by account, type and address, pages by keyset, and exports what it shows as CSV', async () => {
    const carol = (await ctx.users.findByUsername('carol'))!;
    for (let i = 0; i < 130; i++)
      await ctx.audit.record({
        type: 'login.failure',
        userId: carol.id,
        method: 'password',
        reason: `wrong-${i}`,
        client: { ip: '203.0.113.9', userAgent: null },
      });
    await ctx.audit.record({
      type: 'login.failure',
      userId: carol.id,
      method: 'password',
      reason: 'elsewhere',
      client: { ip: '198.51.100.1', userAgent: null },
    });
    const { browser } = await consoleSignIn('root');
    const first = await browser.get('/admin/audit?account=carol&type=login.failure&ip=203.0.113.9&lang=en');
    const rows = (html: string) => (html.match(/class="event-type">login.failure</g) ?? []).length;
    expect(rows(first.body)).toBe(100);
    expect(first.body).not.toContain('reason=elsewhere');
    const next = /href="([^"]+)" id="next-page"/.exec(first.body)![1]!.replace(/&amp;/g, '&');
    const second = await browser.get(next);
    expect(rows(second.body)).toBe(30);
    expect(second.body).not.toContain('id="next-page"');
    // Every event exactly once across the two pages (events of one millisecond are ordered by id).
    const reasons = [...`${first.body}${second.body}`.matchAll(/reason=(wrong-\d+)/g)].map((m) => m[1]);
    expect(new Set(reasons).size).toBe(130);
    expect(reasons).toHaveLength(130);
    const csv = await browser.get('/admin/audit.csv?account=carol&type=login.failure&ip=198.51.100.1');
    expect(csv.body.trim().split('\r\n')).toHaveLength(2);
    expect(csv.body).toContain('elsewhere');
    const unknown = await browser.get('/admin/audit?account=nobody-at-all&lang=en');
    expect(unknown.body).toContain('No account has that login name or id.');
  });

  it('finds an account by openid, unionid or WeCom userid, and unlinks its WeCom member', async () => {
    const carol = (await ctx.users.findByUsername('carol'))!;
    await ctx.admin.users.linkWeChat('carol', { appId: 'wx-test-app', openid: 'o-carol-openid', unionid: 'u-carol-unionid' });
    await ctx.identities.linkWeCom(carol.id, { corpId: 'ww-corp', userid: 'chen.carol', name: '陈卡罗' });
    const { browser } = await consoleSignIn('desk');
    for (const q of ['o-carol-openid', 'u-carol-unionid', 'chen.carol', '13800002222', '+8613800002222', 'Carol']) {
      const found = await browser.get(`/admin/accounts?q=${encodeURIComponent(q)}`);
      expect(found.body, q).toContain(`/admin/accounts/${carol.id}`);
      expect(found.body, q).not.toContain('>root<');
    }
    const page = await browser.get(`/admin/accounts/${carol.id}?lang=en`);
    expect(page.body).toContain('陈卡罗');
    const link = (await ctx.identities.listWeComForUser(carol.id))[0]!;
    const res = await browser.post(`/admin/accounts/${carol.id}/wecom/unlink`, { csrf: csrfOf(page.body), identity: link.id });
    expect(res.headers.location).toBe(`/admin/accounts/${carol.id}?done=wecom`);
    expect(await ctx.identities.listWeComForUser(carol.id)).toHaveLength(0);
    const events = await ctx.db.selectFrom('audit_events').select(['detail']).where('type', '=', 'wecom.unbound').execute();
    const desk = (await ctx.users.findByUsername('desk'))!;
    expect(JSON.parse(events.at(-1)!.detail)).toMatchObject({ via: 'console', admin: desk.id, userid: 'chen.carol' });
  });

  it('the built-in console service cannot be deleted', async () => {
    const { browser } = await consoleSignIn('root');
    const page = await browser.get('/admin/services');
    const res = await browser.post('/admin/services/0/delete', { csrf: csrfOf(page.body) });
    expect(res.statusCode).toBe(409);
    expect(await ctx.services.get(0)).toBeDefined();
  });
});
