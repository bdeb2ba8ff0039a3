// The WeCom client against the WeCom emulator over HTTP: every errcode a sign-in can meet, as the typed error the
// pages are chosen by, with call counts proving each code is exchanged once and the token fetched once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMULATED_WECOM } from '../../dev/emulated-wecom.js';
import { MemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { createWeComClient, type WeComClient } from '../../src/wecom/client.js';
import { WeComError } from '../../src/wecom/errors.js';
import { ManualClock } from '../support/clock.js';
import { type RunningWeComEmulator, startWeComEmulator } from './emulated.js';

let wecom: RunningWeComEmulator;
let clock: ManualClock;

beforeAll(async () => {
  wecom = await startWeComEmulator('localhost');
});
afterAll(async () => {
  await wecom?.close();
});
beforeEach(() => {
  wecom.emulator.reset();
  clock = new ManualClock(Date.now());
});

function client(overrides: Partial<{ corpId: string; agentSecret: string }> = {}, kv = new MemoryKeyValueStore(clock)): WeComClient {
  return createWeComClient(
    {
      corpId: overrides.corpId ?? EMULATED_WECOM.corpId,
      agentId: EMULATED_WECOM.agentId,
      agentSecret: overrides.agentSecret ?? EMULATED_WECOM.agentSecret,
      apiBaseUrl: wecom.url,
      loginBaseUrl: wecom.url,
      openBaseUrl: wecom.url,
      timeoutMs: 2000,
    },
    { kv, clock },
  );
}

const agent = () => wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
/** A code as the WeCom app gives one for this member, sent to `redirect`. */
const codeFor = (userid: string, redirect = 'http://localhost:8080/cas/login/wecom/callback') =>
  wecom.emulator.issueCode(agent(), { userid }, redirect);

async function failure(promise: Promise<unknown>): Promise<WeComError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WeComError);
  return err as WeComError;
}

describe('WeCom client against the emulator', () => {
  it('trades a code for the userid, reads the member, and fetches the token once for many calls', async () => {
    const c = client();
    for (let i = 0; i < 5; i++) expect(await c.identify(codeFor('demo'))).toEqual({ member: true, userid: 'demo' });
    const member = await c.member('demo');
    expect(member).toEqual({ userid: 'demo', name: '演示用户', department: [1] });
    expect(wecom.count('gettoken')).toBe(1);
    expect(wecom.count('auth/getuserinfo')).toBe(5);
    expect(wecom.count('user/get')).toBe(1);
  });

  it('reads mobile and mail only where the app may (older apps, or granted)', async () => {
    agent().contactFields = true;
    expect(await client().member('demo')).toEqual({
      userid: 'demo',
      name: '演示用户',
      department: [1],
      mobile: '13800138000',
      email: 'demo@example.org',
    });
  });

  it('tells an outsider by the openid WeCom gives instead of a userid', async () => {
    const code = wecom.emulator.issueCode(agent(), { openid: 'oOutsider' }, 'http://localhost/cb');
    expect(await client().identify(code)).toEqual({ member: false, openid: 'oOutsider' });
  });

  it('40029: a code works once, and a second exchange is refused without a retry', async () => {
    const c = client();
    const code = codeFor('demo');
    await c.identify(code);
    const err = await failure(c.identify(code));
    expect([err.kind, err.errcode, err.endpoint]).toEqual(['code_invalid', 40029, 'cgi-bin/auth/getuserinfo']);
    expect(wecom.count('auth/getuserinfo')).toBe(2);
  });

  it('40029: an unknown code, and one older than 5 minutes', async () => {
    const c = client();
    expect((await failure(c.identify('not-a-code'))).errcode).toBe(40029);
    const code = codeFor('demo');
    wecom.emulator.advanceClock(5 * 60_000 + 1);
    expect((await failure(c.identify(code))).kind).toBe('code_invalid');
  });

  it('50001: a code whose redirect was not to the app’s trusted domain', async () => {
    const err = await failure(client().identify(codeFor('demo', 'https://evil.example.com/cb')));
    expect([err.kind, err.errcode]).toEqual(['domain_not_trusted', 50001]);
  });

  it('60020: this server is not on the app’s trusted IP list, for getuserinfo and user/get', async () => {
    agent().trustedIps = ['203.0.113.9'];
    const c = client();
    const err = await failure(c.identify(codeFor('demo')));
    expect([err.kind, err.errcode]).toEqual(['ip_not_trusted', 60020]);
    expect(err.message).toContain('from ip: 127.0.0.1');
    expect((await failure(c.member('demo'))).kind).toBe('ip_not_trusted');
    agent().trustedIps = ['127.0.0.1'];
    expect(await c.identify(codeFor('demo'))).toEqual({ member: true, userid: 'demo' });
  });

  it('60011: getuserinfo names a member outside the visible range, user/get refuses to read them', async () => {
    const c = client();
    expect(await c.identify(codeFor('lisi'))).toEqual({ member: true, userid: 'lisi' });
    const err = await failure(c.member('lisi'));
    expect([err.kind, err.errcode]).toEqual(['not_visible', 60011]);
  });

  it('60111: user/get of a userid the corp does not have', async () => {
    expect((await failure(client().member('nobody'))).kind).toBe('member_not_found');
  });

  it('40013 and 40001: a wrong corp id or agent secret is a configuration error at gettoken', async () => {
    const corp = await failure(client({ corpId: 'ww0000000000000000' }).identify('x'));
    expect([corp.kind, corp.errcode, corp.endpoint]).toEqual(['misconfigured', 40013, 'cgi-bin/gettoken']);
    const secret = await failure(client({ agentSecret: 'wrong' }).identify('x'));
    expect([secret.kind, secret.errcode]).toEqual(['misconfigured', 40001]);
    expect(secret.message).not.toContain('wrong');
  });

  it('42001: an expired token is replaced once and the call made again with the same code', async () => {
    const c = client();
    await c.identify(codeFor('demo'));
    // WeCom's clock passes the token's 7200 s while our store still holds it (another node's clock, say).
    wecom.emulator.advanceClock(7201 * 1000);
    expect(await c.identify(codeFor('demo'))).toEqual({ member: true, userid: 'demo' });
    expect(wecom.count('gettoken')).toBe(2);
    expect(wecom.count('auth/getuserinfo')).toBe(3);
  });

  it('40014: a revoked token is replaced once; a second refusal is not retried again', async () => {
    const c = client();
    await c.member('demo');
    wecom.emulator.revokeTokens();
    expect((await c.member('demo')).userid).toBe('demo');
    expect(wecom.count('gettoken')).toBe(2);
    expect(wecom.count('user/get')).toBe(3);
    wecom.emulator.injectFault('user/get', 40014, 2);
    const err = await failure(c.member('demo'));
    expect([err.kind, err.errcode]).toEqual(['token_invalid', 40014]);
    expect(wecom.count('gettoken')).toBe(3);
    expect(wecom.count('user/get')).toBe(5);
  });

  it('-1 and 45009: WeCom busy, told apart from our mistakes', async () => {
    wecom.emulator.injectFault('getuserinfo', -1);
    expect((await failure(client().identify(codeFor('demo')))).kind).toBe('system_error');
    wecom.emulator.injectFault('user/get', 45009);
    expect((await failure(client().member('demo'))).kind).toBe('rate_limited');
  });

  it('an unreachable WeCom is `unavailable`', async () => {
    const c = createWeComClient(
      {
        corpId: EMULATED_WECOM.corpId,
        agentId: EMULATED_WECOM.agentId,
        agentSecret: EMULATED_WECOM.agentSecret,
        apiBaseUrl: 'http://127.0.0.1:9',
        loginBaseUrl: wecom.url,
        openBaseUrl: wecom.url,
        timeoutMs: 1000,
      },
      { kv: new MemoryKeyValueStore(clock), clock },
    );
    expect((await failure(c.identify('x'))).kind).toBe('unavailable');
  });

  it('renews the token before it lapses: after 6900 s of our clock a new one is fetched', async () => {
    const c = client();
    await c.member('demo');
    clock.advance(6700 * 1000);
    await c.member('demo');
    expect(wecom.count('gettoken')).toBe(1);
    clock.advance(200 * 1000);
    wecom.emulator.advanceClock(6900 * 1000);
    await c.member('demo');
    expect(wecom.count('gettoken')).toBe(2);
    // WeCom gave the same token again, with the 300 s it has left: it serves those without asking again each call.
    for (let i = 0; i < 5; i++) await c.member('demo');
    expect(wecom.count('gettoken')).toBe(2);
    clock.advance(301 * 1000);
    wecom.emulator.advanceClock(301 * 1000);
    await c.member('demo');
    expect(wecom.count('gettoken')).toBe(3);
    expect(wecom.count('user/get')).toBe(9);
  });

  it('builds WeCom’s web-login and in-app authorization URLs', () => {
    const c = client();
    const web = new URL(c.webLoginUrl({ redirectUri: 'https://sso.example.edu/cas/login/wecom/callback', state: 'S1', lang: 'en' }));
    expect(`${web.origin}${web.pathname}`).toBe(`${wecom.url}/wwlogin/sso/login`);
    expect(Object.fromEntries(web.searchParams)).toEqual({
      login_type: 'CorpApp',
      appid: EMULATED_WECOM.corpId,
      agentid: EMULATED_WECOM.agentId,
      redirect_uri: 'https://sso.example.edu/cas/login/wecom/callback',
      state: 'S1',
      lang: 'en',
    });
    expect(c.inAppAuthorizeUrl({ redirectUri: 'https://sso.example.edu/cb', state: 'S2' })).toBe(
      `${wecom.url}/connect/oauth2/authorize?appid=${EMULATED_WECOM.corpId}&redirect_uri=https%3A%2F%2Fsso.example.edu%2Fcb&response_type=code&scope=snsapi_base&state=S2&agentid=${EMULATED_WECOM.agentId}#wechat_redirect`,
    );
  });
});
