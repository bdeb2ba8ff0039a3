/**
 * An SSO session's idle limit (TGT_IDLE_TTL_SECONDS) counts from its last use: a redirect with a ticket uses it, on
 * every registry; a session idle past the limit is gone, and the login page asks again.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Browser, type CasTestApp, createCasTestApp, S, ticketFrom } from '../support/cas-app.js';
import { REDIS_URL, redisAvailable, requireServer, withRedisPrefix } from '../support/redis.js';

const enc = encodeURIComponent;
const IDLE_SECONDS = 600;

const backends: Array<[string, () => Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }>]> = [
  ['memory', async () => ({ env: { TICKET_REGISTRY: 'memory' }, cleanup: async () => {} })],
  ['SQLite', async () => ({ env: { TICKET_REGISTRY: 'sql' }, cleanup: async () => {} })],
];
if (requireServer('Redis', await redisAvailable())) {
  backends.push([
    'Redis',
    async () => {
      const r = await withRedisPrefix();
      return { env: { REDIS_URL, REDIS_PREFIX: r.prefix }, cleanup: r.cleanup };
    },
  ]);
}

for (const [name, open] of backends) {
  describe(`an SSO session's idle limit: ${name}`, () => {
    let t: CasTestApp;
    let cleanup: () => Promise<void>;
    afterEach(async () => {
      await t.close();
      await cleanup();
    });

    async function start() {
      const backend = await open();
      cleanup = backend.cleanup;
      t = await createCasTestApp({ ...backend.env, TGT_IDLE_TTL_SECONDS: String(IDLE_SECONDS) });
      const browser = new Browser(t.app);
      expect((await browser.signIn(S)).statusCode).toBe(302);
      return browser;
    }
    const sso = (browser: Browser) => browser.get(`/cas/login?service=${enc(S)}`);

    it('moves forward with each SSO redirect, so a session in use outlives the limit', async () => {
      const browser = await start();
      for (let minute = 0; minute < 3; minute++) {
        t.clock.advance((IDLE_SECONDS - 60) * 1000);
        const res = await sso(browser);
        expect(res.statusCode).toBe(302);
        const body = (await t.app.inject(`/cas/serviceValidate?service=${enc(S)}&ticket=${ticketFrom(res.headers.location)}`)).body;
        expect(body).toContain('<cas:user>alice</cas:user>');
      }
    });

    it('ends once idle past the limit: the login page again, and no ticket', async () => {
      const browser = await start();
      t.clock.advance(IDLE_SECONDS * 1000);
      const res = await sso(browser);
      expect(res.statusCode).toBe(200);
      expect(res.headers.location).toBeUndefined();
      expect(res.body).toContain('name="password"');
    });
  });
}
