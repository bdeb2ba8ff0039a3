import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACCESS_TOKEN_LIFETIME_MS, CODE_LIFETIME_MS, REFRESH_TOKEN_LIFETIME_MS } from '../../emulator/oauth.js';
import { APP, codeFor, exchange, OTHER_APP, RID, sns, startEmulator, type TestEmulator, tokensFor } from './helpers.js';

let t: TestEmulator;
beforeEach(async () => {
  t = await startEmulator();
});
afterEach(async () => {
  await t.app.close();
});

function expectError(response: { status: number; json: Record<string, unknown> }, errcode: number, errmsg: string): void {
  expect(response.status).toBe(200); // WeChat answers business errors with HTTP 200
  expect(response.json.errcode).toBe(errcode);
  expect(String(response.json.errmsg)).toMatch(RID);
  expect(String(response.json.errmsg).startsWith(`${errmsg}, rid: `)).toBe(true);
}

describe('sns/oauth2/access_token', () => {
  it('trades a code for WeChat’s token answer, as text/plain with escaped slashes', async () => {
    const response = await exchange(t, await codeFor(t));
    expect(response.status).toBe(200);
    expect(response.contentType).toBe('text/plain');
    expect(Object.keys(response.json)).toEqual(['access_token', 'expires_in', 'refresh_token', 'openid', 'scope', 'unionid']);
    expect(response.json).toMatchObject({ expires_in: 7200, scope: 'snsapi_login' });
    expect(response.json.openid).toMatch(/^o[\w-]{27}$/);
    expect(response.json.unionid).toMatch(/^o[\w-]{27}$/);
    expect(response.json).not.toHaveProperty('errcode');
  });

  it('accepts a code once; the second exchange gets 40163', async () => {
    const code = await codeFor(t);
    expect((await exchange(t, code)).json.access_token).toBeTypeOf('string');
    expectError(await exchange(t, code), 40163, 'code been used');
  });

  it('reports a code older than 10 minutes as expired (42003), one just younger still works', async () => {
    const code = await codeFor(t);
    t.emulator.advanceClock(CODE_LIFETIME_MS - 1);
    const stillYoung = await codeFor(t);
    t.emulator.advanceClock(1);
    expectError(await exchange(t, code), 42003, 'code expired');
    expect((await exchange(t, stillYoung)).json.access_token).toBeTypeOf('string');
  });

  it('rejects an unknown code and another app’s code with 40029', async () => {
    expectError(await exchange(t, 'A'.repeat(32)), 40029, 'invalid code');
    const othersCode = await codeFor(t, 'zhangwei', OTHER_APP.appId);
    expectError(await exchange(t, othersCode, APP), 40029, 'invalid code');
    // …and the foreign attempt did not use it up.
    expect((await exchange(t, othersCode, OTHER_APP)).json.access_token).toBeTypeOf('string');
  });

  it.each([
    [{ appid: undefined }, 41002, 'appid missing'],
    [{ secret: undefined }, 41004, 'appsecret missing'],
    [{ code: undefined }, 41008, 'missing code'],
    [{ grant_type: 'client_credential' }, 40002, 'invalid grant_type'],
    [{ appid: 'wx0000000000000000' }, 40013, 'invalid appid'],
    [{ secret: 'not-the-secret' }, 40125, 'invalid appsecret'],
  ] as const)('answers %o with %i', async (change, errcode, errmsg) => {
    const code = await codeFor(t);
    const query = { appid: APP.appId, secret: APP.appSecret, code, grant_type: 'authorization_code', ...change };
    expectError(await sns(t.app, '/sns/oauth2/access_token', query), errcode, errmsg);
    // A refused call does not consume the code.
    expect((await exchange(t, code)).json.access_token).toBeTypeOf('string');
  });

  it('gives a person different openids per app and the same unionid', async () => {
    const here = await tokensFor(t, 'lina', APP);
    const there = await tokensFor(t, 'lina', OTHER_APP);
    const someoneElse = await tokensFor(t, 'alice', APP);
    expect(here.openid).not.toBe(there.openid);
    expect(here.unionid).toBe(there.unionid);
    expect(someoneElse.unionid).not.toBe(here.unionid);
    expect((await tokensFor(t, 'lina', APP)).openid).toBe(here.openid); // stable
  });
});

describe('sns/oauth2/refresh_token', () => {
  const refresh = (query: Record<string, string | undefined>) => sns(t.app, '/sns/oauth2/refresh_token', query);

  it('keeps a live access token and extends it; the answer has no unionid', async () => {
    const tokens = await tokensFor(t);
    t.emulator.advanceClock(ACCESS_TOKEN_LIFETIME_MS - 1000);
    const response = await refresh({ appid: APP.appId, grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(Object.keys(response.json)).toEqual(['access_token', 'expires_in', 'refresh_token', 'openid', 'scope']);
    expect(response.json).toMatchObject({ access_token: tokens.access_token, refresh_token: tokens.refresh_token, expires_in: 7200 });
    t.emulator.advanceClock(ACCESS_TOKEN_LIFETIME_MS - 1000); // past the original expiry, within the extension
    expect((await sns(t.app, '/sns/auth', { access_token: tokens.access_token, openid: tokens.openid })).json.errcode).toBe(0);
  });

  it('replaces an expired access token; the old one is then "not latest" (40001)', async () => {
    const tokens = await tokensFor(t);
    t.emulator.advanceClock(ACCESS_TOKEN_LIFETIME_MS);
    const response = await refresh({ appid: APP.appId, grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
    expect(response.json.access_token).not.toBe(tokens.access_token);
    expect(response.json.refresh_token).toBe(tokens.refresh_token);
    expect((await sns(t.app, '/sns/auth', { access_token: String(response.json.access_token), openid: tokens.openid })).json.errcode).toBe(0);
    expectError(
      await sns(t.app, '/sns/userinfo', { access_token: tokens.access_token, openid: tokens.openid }),
      40001,
      'invalid credential, access_token is invalid or not latest',
    );
  });

  it('refuses a refresh token after 30 days, refreshing does not extend it (42002)', async () => {
    const tokens = await tokensFor(t);
    t.emulator.advanceClock(REFRESH_TOKEN_LIFETIME_MS - 1000);
    expect((await refresh({ appid: APP.appId, grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).json.access_token).toBeTypeOf(
      'string',
    );
    t.emulator.advanceClock(1000);
    expectError(
      await refresh({ appid: APP.appId, grant_type: 'refresh_token', refresh_token: tokens.refresh_token }),
      42002,
      'refresh_token expired',
    );
  });

  it.each([
    [{ appid: undefined }, 41002, 'appid missing'],
    [{ grant_type: undefined }, 40002, 'invalid grant_type'],
    [{ refresh_token: undefined }, 41003, 'refresh_token missing'],
    [{ appid: 'wx0000000000000000' }, 40013, 'invalid appid'],
    [{ refresh_token: 'garbage' }, 40030, 'invalid refresh_token'],
    [{ appid: OTHER_APP.appId }, 40030, 'invalid refresh_token'],
  ] as const)('answers %o with %i', async (change, errcode, errmsg) => {
    const tokens = await tokensFor(t);
    expectError(await refresh({ appid: APP.appId, grant_type: 'refresh_token', refresh_token: tokens.refresh_token, ...change }), errcode, errmsg);
  });
});

describe.each(['/sns/auth', '/sns/userinfo'])('%s token checks', (path) => {
  it.each([
    ['missing access_token', (k: Record<string, string>) => ({ openid: k.openid }), 41001, 'access_token missing'],
    ['missing openid', (k: Record<string, string>) => ({ access_token: k.access_token }), 41009, 'missing openid'],
    ['unknown token', (k: Record<string, string>) => ({ access_token: 'x', openid: k.openid }), 40014, 'invalid access_token'],
    ['openid of someone else', (k: Record<string, string>) => ({ access_token: k.access_token, openid: 'oSomeoneElse' }), 40003, 'invalid openid'],
  ] as const)('%s', async (_name, query, errcode, errmsg) => {
    const tokens = await tokensFor(t);
    expectError(await sns(t.app, path, query(tokens)), errcode, errmsg);
  });

  it('an access token older than 2 hours is expired (42001)', async () => {
    const tokens = await tokensFor(t);
    t.emulator.advanceClock(ACCESS_TOKEN_LIFETIME_MS);
    expectError(await sns(t.app, path, { access_token: tokens.access_token, openid: tokens.openid }), 42001, 'access_token expired');
  });

  it('the openid of the same person in another app does not match (40003)', async () => {
    const tokens = await tokensFor(t, 'lina', APP);
    const other = await tokensFor(t, 'lina', OTHER_APP);
    expectError(await sns(t.app, path, { access_token: tokens.access_token, openid: other.openid }), 40003, 'invalid openid');
  });
});

describe('sns/auth', () => {
  it('answers a valid token with errcode 0 and no rid', async () => {
    const tokens = await tokensFor(t);
    const response = await sns(t.app, '/sns/auth', { access_token: tokens.access_token, openid: tokens.openid });
    expect(response.raw).toBe('{"errcode":0,"errmsg":"ok"}');
  });
});

describe('sns/userinfo', () => {
  const userinfo = async (persona = 'zhangwei', lang?: string) => {
    const tokens = await tokensFor(t, persona);
    return sns(t.app, '/sns/userinfo', { access_token: tokens.access_token, openid: tokens.openid, lang });
  };

  it('answers as WeChat has since 2021-10: sex 0, empty region, escaped headimgurl, no phone', async () => {
    const tokens = await tokensFor(t, 'lina');
    const response = await sns(t.app, '/sns/userinfo', { access_token: tokens.access_token, openid: tokens.openid });
    expect(Object.keys(response.json)).toEqual([
      'openid',
      'nickname',
      'sex',
      'language',
      'city',
      'province',
      'country',
      'headimgurl',
      'privilege',
      'unionid',
    ]);
    expect(response.json).toMatchObject({
      openid: tokens.openid,
      unionid: tokens.unionid,
      nickname: '李娜',
      sex: 0,
      language: '',
      city: '',
      province: '',
      country: '',
      privilege: [],
      headimgurl: 'http://emulator.test/mmopen/vi_32/seed-lina/132',
    });
    expect(response.raw).toContain('"headimgurl":"http:\\/\\/emulator.test\\/mmopen\\/vi_32\\/seed-lina\\/132"');
  });

  it('legacy mode returns sex and region in the requested language', async () => {
    t.emulator.updateSettings({ profileMode: 'legacy' });
    expect((await userinfo('zhangwei')).json).toMatchObject({ sex: 1, province: '广东', city: '深圳', country: '中国', language: 'zh_CN' });
    expect((await userinfo('zhangwei', 'en')).json).toMatchObject({ province: 'Guangdong', city: 'Shenzhen', country: 'CN', language: 'en' });
    expect((await userinfo('zhangwei', 'zh_TW')).json).toMatchObject({ province: '廣東', country: '中國' });
  });

  it('placeholder mode answers 微信用户 with the grey avatar', async () => {
    t.emulator.updateSettings({ profileMode: 'placeholder' });
    const json = (await userinfo('alice')).json;
    expect(json.nickname).toBe('微信用户');
    expect(json.headimgurl).toBe('http://emulator.test/mmopen/vi_32/placeholder-grey/132');
    expect((await t.app.inject('/mmopen/vi_32/placeholder-grey/132')).statusCode).toBe(200);
  });

  it('gives an empty headimgurl to a person without avatar', async () => {
    expect((await userinfo('xiaoming')).json.headimgurl).toBe('');
  });

  it('serves the avatar in WeChat’s sizes, and the old URL dies when the avatar changes', async () => {
    const url = new URL(String((await userinfo('zhangwei')).json.headimgurl));
    for (const size of [0, 46, 64, 96, 132]) {
      const response = await t.app.inject(url.pathname.replace(/\/132$/, `/${size}`));
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('image/png');
      expect(response.rawPayload.readUInt32BE(16)).toBe(size === 0 ? 640 : size); // PNG width
    }
    expect((await t.app.inject(url.pathname.replace(/\/132$/, '/50'))).statusCode).toBe(404);
    t.emulator.changeAvatar('zhangwei');
    expect((await t.app.inject(url.pathname)).statusCode).toBe(404);
    expect((await userinfo('zhangwei')).json.headimgurl).not.toBe(url.href);
  });

  it('can send another content type when configured', async () => {
    t.emulator.updateSettings({ snsContentType: 'application/json; charset=utf-8' });
    expect((await userinfo()).contentType).toBe('application/json; charset=utf-8');
  });
});
