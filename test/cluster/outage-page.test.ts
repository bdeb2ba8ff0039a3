/** What a person sees when a store fails under a CAS route (Redis down, say): the error page, never the error text. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser, type CasTestApp, createCasTestApp, S } from '../support/cas-app.js';

let t: CasTestApp;
beforeAll(async () => {
  t = await createCasTestApp();
  const failing = async () => {
    throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  };
  for (const method of ['put', 'putIfAbsent', 'take', 'get', 'increment', 'decrement', 'counter']) Object.assign(t.ctx.kv, { [method]: failing });
});
afterAll(() => t.close());

it.each(['/cas/login', `/cas/login?service=${encodeURIComponent(S)}`])('GET %s still shows the form: rendering it writes nothing', async (url) => {
  const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-language': 'en' } });
  expect(res.statusCode).toBe(200);
  expect(res.body).toContain('name="execution"');
});

it('a sign-in posted while the store is down answers the error page with 503', async () => {
  const res = await new Browser(t.app).signIn(S);
  expect(res.statusCode).toBe(503);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.body).toContain('登录服务暂不可用');
  expect(res.body).not.toContain('enableOfflineQueue');
});
