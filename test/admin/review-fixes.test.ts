/**
 * What the review of the admin code found, each as the request that showed it: the audit of a refused console form
 * keeps its path only, never its query string.
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

async function consoleSignIn(): Promise<Browser> {
  const browser = new Browser(api.app);
  const start = await browser.get('/admin/login?lang=en');
  const service = new URL(start.headers.location!, 'http://localhost').searchParams.get('service')!;
  const signedIn = await browser.signIn(service, 'root', PASSWORD, '&renew=true');
  const back = new URL(signedIn.headers.location!);
  const callback = await browser.get(back.pathname + back.search);
  expect(callback.statusCode).toBe(200);
  return browser;
}
