/**
 * What the review of the admin code found, each as the request that showed it: the audit of a refused console form
 * keeps its path only, never its query string; the console guard and the services role check run before validation
 * (a visitor without a session is sent to sign in, a helpdesk operator refused, whatever the request); the
 * console's audit filter finds an account as the API's does (one function, admin/audit.ts: id, login name or phone).
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../support/cas-app.js';
import { type AdminApi, auditEvents, openAdminApi } from './api-harness.js';

let api: AdminApi;
let admin: { secret: string; userId: string };
const PASSWORD = 'pw-review-root-1';

beforeAll(async () => {
  api = await openAdminApi('sqlite::memory:', { ADMIN_CONSOLE_SECOND_FACTOR: 'optional' });
  admin = await api.token('admin', 'root');
  await api.wecas.users.setPassword(admin.userId, PASSWORD);
});

afterAll(async () => {
  await api?.close();
});

describe('the audit of a refused console form', () => {
  it('keeps the path, not the query string', async () => {
    const browser = await consoleSignIn();
    const res = await browser.post('/admin/tokens?secret=do-not-keep', { name: 'x', role: 'admin', days: '1' });
    expect(res.statusCode).toBe(403);
    const refused = (await auditEvents(api.wecas, 'admin.refused')).map((e) => e.detail);
    expect(refused).toContainEqual(expect.objectContaining({ reason: 'bad_form', path: '/admin/tokens' }));
    expect(JSON.stringify(refused)).not.toContain('do-not-keep');
  });
});

describe('the console guard comes before validation', () => {
  it('a visitor without a session is sent to sign in, whatever the shape of the request', async () => {
    for (const url of ['/admin/accounts/not-a-uuid', '/admin/services/abc']) {
      const res = await api.app.inject({ method: 'GET', url });
      expect({ url, status: res.statusCode, location: res.headers.location }).toEqual({ url, status: 303, location: '/admin/login' });
    }
    const post = await api.app.inject({ method: 'POST', url: '/admin/accounts/not-a-uuid/status', payload: { status: 'gone' } });
    expect(post.statusCode).toBe(303);
  });

  it('a helpdesk operator is refused on services (403) before the form is read', async () => {
    const desk = await api.token('helpdesk', 'desk');
    await api.wecas.users.setPassword(desk.userId, PASSWORD);
    const browser = await consoleSignIn('desk');
    const page = await browser.get('/admin/tokens');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
    for (const path of ['/admin/services/abc', '/admin/services/new']) {
      const res = await browser.post(path, { csrf, name: 'x' });
      expect({ path, status: res.statusCode }).toEqual({ path, status: 403 });
    }
  });
});

describe('the audit filter by account', () => {
  it('finds an account by its phone on the console, as the API does', async () => {
    const erin = await api.wecas.users.create({ username: 'erin', password: 'pw-erin-1', phone: '+8613800007777' });
    expect((await api.call(admin.secret, 'POST', '/accounts/erin/disable')).statusCode).toBe(200);
    const viaApi = await api.call(admin.secret, 'GET', `/audit?account=${encodeURIComponent('13800007777')}&type=user.disabled`);
    expect(viaApi.json().events.map((e: { userId: string }) => e.userId)).toEqual([erin.id]);
    const browser = await consoleSignIn();
    const page = await browser.get(`/admin/audit?account=13800007777&type=user.disabled&lang=en`);
    expect(page.statusCode).toBe(200);
    const rows = [...page.body.matchAll(/<td class="event-type">([^<]*)<\/td><td>([^<]*)<\/td>/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([['user.disabled', 'erin']]);
    const csv = await browser.get(`/admin/audit.csv?account=13800007777&type=user.disabled`);
    expect(csv.body.trim().split('\r\n')).toHaveLength(2);
  });
});

async function consoleSignIn(login = 'root'): Promise<Browser> {
  const browser = new Browser(api.app);
  const start = await browser.get('/admin/login?lang=en');
  const service = new URL(start.headers.location!, 'http://localhost').searchParams.get('service')!;
  const signedIn = await browser.signIn(service, login, PASSWORD, '&renew=true');
  const back = new URL(signedIn.headers.location!);
  const callback = await browser.get(back.pathname + back.search);
  expect(callback.statusCode).toBe(200);
  return browser;
}

describe('pages about a failed request lead back where the person was', () => {
  it("a console path that does not exist: 404, and the link goes back to the console; a sign-in path's to sign-in", async () => {
    for (const [url, href, label] of [
      ['/admin/no-such-page', '/admin', 'Back to the console'],
      ['/admin/no-such-page?lang=zh-CN', '/admin', '返回管理控制台'],
      ['/cas/no-such-page', '/cas/login', 'Back to sign-in'],
      ['/administrator', '/cas/login', 'Back to sign-in'],
    ] as const) {
      const res = await api.app.inject({ method: 'GET', url, headers: { 'accept-language': 'en' } });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 404 });
      expect(res.body).toContain(`href="${href}"`);
      expect(res.body).toContain(label);
    }
  });
});
