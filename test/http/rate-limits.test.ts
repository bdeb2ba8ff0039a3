// Request limits per client address: pages answer 429 with a page that says what to do, validators in the CAS
// protocol's own form; other addresses are not affected; with Redis every node counts together.
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATED_WECOM } from '../../dev/emulated-wecom.js';
import { sample } from '../observability/prometheus-text.js';
import { type CasTestApp, createCasTestApp, S } from '../support/cas-app.js';
import { REDIS_URL, redisAvailable, requireServer } from '../support/redis.js';
import { startWeComTestServer } from '../wecom/harness.js';

const LOW = { RATE_LIMIT_LOGIN_PER_MINUTE: '3', RATE_LIMIT_VALIDATION_PER_MINUTE: '2', RATE_LIMIT_SMS_PER_MINUTE: '1', METRICS_ENABLED: 'true' };

let apps: CasTestApp[] = [];
afterEach(async () => {
  await Promise.all(apps.map((a) => a.close()));
  apps = [];
});

async function app(env: Record<string, string> = {}): Promise<CasTestApp> {
  const t = await createCasTestApp({ ...LOW, ...env });
  apps.push(t);
  return t;
}

const from = (ip: string) => ({ remoteAddress: ip, headers: { 'accept-language': 'en' } });

describe('request limits per address', () => {
  it('the login page: the 4th view in a minute from one address gets a 429 page; another address and the next minute are served', async () => {
    const t = await app();
    for (let i = 0; i < 3; i++) {
      const served = await t.app.inject({ url: '/cas/login', ...from('198.51.100.1') });
      expect(served.statusCode).toBe(200);
      // Within the limit nothing tells the client its budget.
      expect(Object.keys(served.headers).filter((name) => name.startsWith('x-ratelimit'))).toEqual([]);
    }
    const limited = await t.app.inject({ url: `/cas/login?service=${encodeURIComponent(S)}`, ...from('198.51.100.1') });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.body).toContain('Too many requests from your network');
    expect((await t.app.inject({ url: '/cas/login', ...from('198.51.100.2') })).statusCode).toBe(200);
    expect(sample((await t.app.inject({ url: '/metrics' })).body, 'wecas_rate_limit_refusals_total', { limit: 'requests_login' })).toBe(1);
  });

  it('an IPv6 client counts by its /64', async () => {
    const t = await app();
    for (let i = 1; i <= 3; i++) await t.app.inject({ url: '/cas/login', ...from(`2001:db8:5:6::${i}`) });
    expect((await t.app.inject({ url: '/cas/login', ...from('2001:db8:5:6:ffff::9') })).statusCode).toBe(429);
    expect((await t.app.inject({ url: '/cas/login', ...from('2001:db8:5:7::1') })).statusCode).toBe(200);
  });

  it("validators answer over their limit in the protocol's form: XML, JSON, CAS 1.0 text, SAML 1.1", async () => {
    const t = await app();
    const validate = (path: string) => t.app.inject({ url: `/cas/${path}`, ...from('203.0.113.9') });
    await validate(`serviceValidate?service=${encodeURIComponent(S)}&ticket=ST-x`);
    await validate(`serviceValidate?service=${encodeURIComponent(S)}&ticket=ST-y`);
    const xml = await validate(`serviceValidate?service=${encodeURIComponent(S)}&ticket=ST-z`);
    expect(xml.statusCode).toBe(429);
    expect(xml.body).toContain('<cas:authenticationFailure code="INTERNAL_ERROR">Too many requests');
    const json = await validate(`p3/serviceValidate?service=${encodeURIComponent(S)}&ticket=ST-z&format=JSON`);
    expect(json.json()).toMatchObject({ serviceResponse: { authenticationFailure: { code: 'INTERNAL_ERROR' } } });
    expect((await validate(`validate?service=${encodeURIComponent(S)}&ticket=ST-z`)).body).toBe('no\n\n');
    const saml = await t.app.inject({
      method: 'POST',
      url: `/cas/samlValidate?TARGET=${encodeURIComponent(S)}`,
      payload: '<x/>',
      ...from('203.0.113.9'),
    });
    expect(saml.statusCode).toBe(429);
    expect(saml.body).toContain('samlp:RequestDenied');
  });

  it('SMS sends have a limit of their own, apart from the login page', async () => {
    const t = await app();
    await t.app.inject({ url: '/cas/login?tab=sms', ...from('192.0.2.44') });
    const send = () =>
      t.app.inject({
        method: 'POST',
        url: '/cas/login/sms/send',
        payload: 'phone=13800138000',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        remoteAddress: '192.0.2.44',
      });
    expect((await send()).statusCode).toBe(400); // no form token: refused by the page, but counted
    expect((await send()).statusCode).toBe(429);
  });
});

describe('development surfaces', () => {
  it('the emulators stand in for other servers: their pages are not counted as wecas login pages', async () => {
    const server = await startWeComTestServer();
    try {
      const { origin } = new URL(server.casUrl);
      const wecomLogin = `${origin}/__wecom/wwlogin/sso/login?login_type=CorpApp&appid=${EMULATED_WECOM.corpId}&agentid=${EMULATED_WECOM.agentId}&redirect_uri=${encodeURIComponent(`${server.casUrl}/login/wecom/callback`)}&state=S`;
      // WeCom's /wwlogin/sso/login ends in /login, as wecas's login pages do: past the limit (60), still WeCom's answer.
      const emulator = await Promise.all(Array.from({ length: 61 }, () => fetch(wecomLogin, { redirect: 'manual' })));
      expect(new Set(emulator.map((r) => r.status))).toEqual(new Set([302]));
      const wecas = await Promise.all(Array.from({ length: 61 }, () => fetch(`${server.casUrl}/login`)));
      expect(wecas.filter((r) => r.status === 429)).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});

describe.runIf(requireServer('Redis', await redisAvailable()))('request limits with Redis', () => {
  it("every node counts together: 3 views spread over two nodes use up one address's minute on both", async () => {
    const env = { REDIS_URL, REDIS_PREFIX: `wecas-test:ratelimit-${process.pid}-${Date.now()}:` };
    const [a, b] = [await app(env), await app(env)];
    expect((await a.app.inject({ url: '/cas/login', ...from('198.51.100.77') })).statusCode).toBe(200);
    expect((await b.app.inject({ url: '/cas/login', ...from('198.51.100.77') })).statusCode).toBe(200);
    expect((await a.app.inject({ url: '/cas/login', ...from('198.51.100.77') })).statusCode).toBe(200);
    expect((await b.app.inject({ url: '/cas/login', ...from('198.51.100.77') })).statusCode).toBe(429);
  });
});
