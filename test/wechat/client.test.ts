// The WeChat client against the emulator over real HTTP: WeChat's answers and errcodes become the right
// WeChatError kinds, timeouts and broken answers are typed too, and retries happen only where they are safe
// (calls are counted at the emulator).
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type EmulatorAppConfig, type EmulatorOptions, emulatorPlugin } from '../../emulator/app.js';
import type { Emulator } from '../../emulator/emulator.js';
import { openidFor, unionidFor } from '../../emulator/ids.js';
import { createWeChatClient, type WeChatClient, type WeChatClientConfig } from '../../src/wechat/client.js';
import { WeChatError, type WeChatErrorKind } from '../../src/wechat/errors.js';

const APP: EmulatorAppConfig = {
  appId: 'wx0a1b2c3d4e5f6a7b',
  appSecret: 'client-test-secret-0123456789abcdef',
  name: '客户端测试',
  callbackDomain: 'localhost:8080',
};

let server: FastifyInstance;
let emulator: Emulator;
let base: string;
/** Calls per sns path, as the emulator saw them. */
const calls = new Map<string, number>();

beforeAll(async () => {
  // Close even with keep-alive sockets the client's fetch left open.
  server = Fastify({ logger: false, forceCloseConnections: true });
  server.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0]!;
    calls.set(path, (calls.get(path) ?? 0) + 1);
  });
  // publicBaseUrl only shapes headimgurl and QR payloads; the port is known after listen and not needed for them.
  const options: EmulatorOptions = { apps: [APP], publicBaseUrl: 'http://127.0.0.1', testControl: true };
  emulator = createEmulator(options);
  await server.register(emulatorPlugin, { ...options, emulator });
  base = await server.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  emulator.reset();
  calls.clear();
});

function client(overrides: Partial<WeChatClientConfig> = {}): WeChatClient {
  return createWeChatClient({ appId: APP.appId, appSecret: APP.appSecret, openBaseUrl: base, apiBaseUrl: base, timeoutMs: 2000, ...overrides });
}

const count = (api: 'access_token' | 'userinfo' | 'refresh_token' | 'auth') =>
  calls.get(
    { access_token: '/sns/oauth2/access_token', refresh_token: '/sns/oauth2/refresh_token', auth: '/sns/auth', userinfo: '/sns/userinfo' }[api],
  ) ?? 0;

async function failure(promise: Promise<unknown>): Promise<WeChatError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof WeChatError) return err;
    throw err;
  }
  throw new Error('expected a WeChatError');
}

const codeFor = (persona = 'lina') => emulator.oauth.issueCode(APP.appId, persona);

describe('WeChat client: the happy path against the emulator', () => {
  it('trades a code for tokens (with unionid), reads the profile, refreshes and checks the token', async () => {
    const wechat = client();
    const tokens = await wechat.exchangeCode(codeFor('lina'));
    expect(tokens).toMatchObject({ openid: openidFor(APP.appId, 'lina'), unionid: unionidFor('lina'), expiresIn: 7200, scope: 'snsapi_login' });
    const profile = await wechat.userInfo(tokens.accessToken, tokens.openid);
    expect(profile).toMatchObject({ openid: tokens.openid, unionid: unionidFor('lina'), nickname: '李娜', sex: 0, province: '', privilege: [] });
    // WeChat escapes `/` as `\/` in a text/plain body; the client reads it as JSON whatever the content type says.
    expect(profile.headimgurl).toMatch(/^http:\/\/127\.0\.0\.1\/mmopen\/vi_32\/.+\/132$/);
    expect(await wechat.checkToken(tokens.accessToken, tokens.openid)).toBe(true);
    const refreshed = await wechat.refresh(tokens.refreshToken);
    expect(refreshed.openid).toBe(tokens.openid);
    expect(refreshed.unionid).toBeUndefined();
  });

  it('builds qrconnect and wxLogin URLs the emulator accepts', async () => {
    const wechat = client();
    const url = wechat.authorizeUrl({ redirectUri: 'http://localhost:8080/cas/login/wechat/callback', state: 'abcDEF0123456789', lang: 'en' });
    expect(url).toMatch(/#wechat_redirect$/);
    const page = await fetch(url.replace('#wechat_redirect', ''));
    expect(await page.text()).toContain('img class="qrcode');
    const embed = wechat.embedSettings({ redirectUri: 'http://localhost:8080/cas/login/wechat/callback', state: 'abcDEF0123456789' });
    expect(new URL(embed.iframeUrl).searchParams.get('self_redirect')).toBe('false');
    expect(await (await fetch(embed.iframeUrl)).text()).toContain('emu-embedded');
  });
});

describe('WeChat client: errcodes become kinds', () => {
  const table: Array<[number, WeChatErrorKind]> = [
    [-1, 'system_error'],
    [40001, 'token_invalid'],
    [40003, 'openid_mismatch'],
    [40013, 'misconfigured'],
    [40014, 'token_invalid'],
    [40029, 'code_invalid'],
    [40030, 'token_invalid'],
    [40125, 'misconfigured'],
    [40163, 'code_used'],
    [41001, 'token_invalid'],
    [41002, 'misconfigured'],
    [41003, 'token_invalid'],
    [41004, 'misconfigured'],
    [41008, 'code_invalid'],
    [41009, 'openid_mismatch'],
    [42001, 'token_expired'],
    [42002, 'token_expired'],
    [42003, 'code_expired'],
    [45011, 'rate_limited'],
    [48001, 'unauthorized'],
    [50001, 'unauthorized'],
    [40164, 'other'],
    [99999, 'other'],
  ];

  it.each(table)('errcode %i on the code exchange → %s (HTTP 200 error body, errcode kept)', async (errcode, kind) => {
    emulator.injectFault('access_token', { type: 'errcode', errcode });
    const err = await failure(client().exchangeCode(codeFor()));
    expect(err).toMatchObject({ kind, errcode, endpoint: 'sns/oauth2/access_token' });
    expect(count('access_token')).toBe(1);
  });

  it('errcodes the emulator produces by itself: unknown, reused and expired codes, wrong secret, unknown appid', async () => {
    expect(await failure(client().exchangeCode('A'.repeat(32)))).toMatchObject({ kind: 'code_invalid', errcode: 40029 });
    const code = codeFor();
    await client().exchangeCode(code);
    expect(await failure(client().exchangeCode(code))).toMatchObject({ kind: 'code_used', errcode: 40163 });
    const old = codeFor();
    emulator.advanceClock(10 * 60_000 + 1);
    expect(await failure(client().exchangeCode(old))).toMatchObject({ kind: 'code_expired', errcode: 42003 });
    expect(await failure(client({ appSecret: 'wrong-secret' }).exchangeCode(codeFor()))).toMatchObject({ kind: 'misconfigured', errcode: 40125 });
    expect(await failure(client({ appId: 'wx0000000000000000' }).exchangeCode(codeFor()))).toMatchObject({ kind: 'misconfigured', errcode: 40013 });
  });

  it('errcodes of userinfo, refresh and auth: unknown and expired tokens, another openid', async () => {
    const wechat = client();
    const tokens = await wechat.exchangeCode(codeFor('lina'));
    expect(await failure(wechat.userInfo('not-a-token', tokens.openid))).toMatchObject({ kind: 'token_invalid', errcode: 40014 });
    expect(await failure(wechat.userInfo(tokens.accessToken, openidFor(APP.appId, 'zhangwei')))).toMatchObject({
      kind: 'openid_mismatch',
      errcode: 40003,
    });
    expect(await failure(wechat.refresh('not-a-refresh-token'))).toMatchObject({ kind: 'token_invalid', errcode: 40030 });
    expect(await wechat.checkToken('not-a-token', tokens.openid)).toBe(false);
    emulator.advanceClock(2 * 3600_000);
    expect(await failure(wechat.userInfo(tokens.accessToken, tokens.openid))).toMatchObject({ kind: 'token_expired', errcode: 42001 });
    expect(await wechat.checkToken(tokens.accessToken, tokens.openid)).toBe(false);
  });

  it('never puts the secret or a token into an error message', async () => {
    const wechat = client();
    const tokens = await wechat.exchangeCode(codeFor());
    emulator.injectFault('access_token', { type: 'errcode', errcode: 40125 });
    emulator.injectFault('userinfo', { type: 'errcode', errcode: 40001 });
    const errors = [await failure(wechat.exchangeCode(codeFor())), await failure(wechat.userInfo(tokens.accessToken, tokens.openid))];
    for (const err of errors) {
      expect(err.message).not.toContain(APP.appSecret);
      expect(err.message).not.toContain(tokens.accessToken);
    }
  });
});

describe('WeChat client: broken answers, timeouts and retries', () => {
  it('HTTP 5xx → unavailable; a code exchange is not retried', async () => {
    emulator.injectFault('access_token', { type: 'http', status: 502 });
    const code = codeFor();
    expect(await failure(client().exchangeCode(code))).toMatchObject({ kind: 'unavailable', endpoint: 'sns/oauth2/access_token' });
    expect(count('access_token')).toBe(1);
  });

  it('malformed JSON → malformed; not retried, on the exchange or on userinfo', async () => {
    const wechat = client();
    emulator.injectFault('access_token', { type: 'malformed' });
    expect(await failure(wechat.exchangeCode(codeFor()))).toMatchObject({ kind: 'malformed' });
    const tokens = await wechat.exchangeCode(codeFor());
    emulator.injectFault('userinfo', { type: 'malformed' });
    expect(await failure(wechat.userInfo(tokens.accessToken, tokens.openid))).toMatchObject({ kind: 'malformed' });
    expect(count('access_token')).toBe(2);
    expect(count('userinfo')).toBe(1);
  });

  it('a code exchange hanging past the timeout → unavailable, after one call only', async () => {
    emulator.injectFault('access_token', { type: 'hang' });
    const err = await failure(client({ timeoutMs: 200 }).exchangeCode(codeFor()));
    expect(err).toMatchObject({ kind: 'unavailable' });
    expect(err.message).toMatch(/timed out/);
    expect(count('access_token')).toBe(1);
  });

  it('errcode -1 on the code exchange is not retried (a second try would only meet 40163)', async () => {
    emulator.injectFault('access_token', { type: 'errcode', errcode: -1 });
    expect(await failure(client().exchangeCode(codeFor()))).toMatchObject({ kind: 'system_error', errcode: -1 });
    expect(count('access_token')).toBe(1);
  });

  it('a delayed exchange that still answers in time succeeds once', async () => {
    emulator.injectFault('access_token', { type: 'delay', ms: 50 });
    await client().exchangeCode(codeFor());
    expect(count('access_token')).toBe(1);
  });

  it('userinfo: errcode -1 once → one retry that succeeds; -1 twice → system_error after exactly two calls', async () => {
    const wechat = client();
    const tokens = await wechat.exchangeCode(codeFor('alice'));
    emulator.injectFault('userinfo', { type: 'errcode', errcode: -1 });
    expect((await wechat.userInfo(tokens.accessToken, tokens.openid)).nickname).toBe('Alice 王🌸');
    expect(count('userinfo')).toBe(2);

    calls.clear();
    emulator.injectFault('userinfo', { type: 'errcode', errcode: -1 }, 2);
    expect(await failure(wechat.userInfo(tokens.accessToken, tokens.openid))).toMatchObject({ kind: 'system_error' });
    expect(count('userinfo')).toBe(2);
  });

  it('userinfo: 5xx and a timeout are retried once too; a non-transient errcode is not', async () => {
    const wechat = client({ timeoutMs: 200 });
    const tokens = await wechat.exchangeCode(codeFor());
    emulator.injectFault('userinfo', { type: 'http', status: 503 });
    await wechat.userInfo(tokens.accessToken, tokens.openid);
    expect(count('userinfo')).toBe(2);

    calls.clear();
    emulator.injectFault('userinfo', { type: 'hang' });
    await wechat.userInfo(tokens.accessToken, tokens.openid);
    expect(count('userinfo')).toBe(2);

    calls.clear();
    emulator.injectFault('userinfo', { type: 'errcode', errcode: 40001 });
    expect(await failure(wechat.userInfo(tokens.accessToken, tokens.openid))).toMatchObject({ kind: 'token_invalid' });
    expect(count('userinfo')).toBe(1);
  });

  it('nobody listening → unavailable', async () => {
    const closed = Fastify();
    const url = await closed.listen({ port: 0, host: '127.0.0.1' });
    await closed.close();
    expect(await failure(client({ apiBaseUrl: url }).exchangeCode('x'.repeat(32)))).toMatchObject({ kind: 'unavailable' });
  });
});
