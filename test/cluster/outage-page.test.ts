/** What a person sees when a store fails under a CAS route (Redis down, say): the error page, never the error text. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CasTestApp, createCasTestApp } from '../support/cas-app.js';

let t: CasTestApp;
beforeAll(async () => {
  t = await createCasTestApp();
  const failing = async () => {
    throw new Error("Stream isn't writeable and enableOfflineQueue options is false");
  };
  Object.assign(t.ctx.kv, { put: failing, take: failing, get: failing });
});
afterAll(() => t.close());

it.each(['/cas/login', '/cas/login?service=https%3A%2F%2Fapp.example.org%2Fcb'])('GET %s answers the error page with 503', async (url) => {
  const res = await t.app.inject({ method: 'GET', url, headers: { 'accept-language': 'en' } });
  expect(res.statusCode).toBe(503);
  expect(res.headers['content-type']).toMatch(/^text\/html/);
  expect(res.body).toContain('The sign-in service is unavailable');
  expect(res.body).not.toContain('enableOfflineQueue');
});
