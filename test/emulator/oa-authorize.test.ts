// Official Account (服务号) web authorization against the emulator, over HTTP as a browser inside WeChat and a
// server would call it: connect/oauth2/authorize, the phone's WeChat user, consent, snapshot mode, the token answer.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WECHAT_IPHONE_UA } from '../../emulator/oa-pages.js';
import { OA_CODE_LIFETIME_MS } from '../../emulator/oauth.js';
import {
  APP,
  attributeValues,
  CALLBACK,
  codeFor,
  exchange,
  OA_APP,
  OA_CALLBACK,
  RID,
  sns,
  startEmulator,
  type TestEmulator,
  tokensFor,
} from './helpers.js';

const DESKTOP_CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36';
const WECOM_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh ColorScheme/Light';
const WECHAT_EN_UA = WECHAT_IPHONE_UA.replace('Language/zh_CN', 'Language/en');

let t: TestEmulator;
beforeEach(async () => {
  t = await startEmulator();
});
afterEach(async () => {
  await t.app.close();
});

function authorizePath(params: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = {
    appid: OA_APP.appId,
    redirect_uri: OA_CALLBACK,
    response_type: 'code',
    scope: 'snsapi_base',
    state: 'oaSt4te',
    ...params,
  };
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(all)) if (v !== undefined) query.set(k, v);
  return `/connect/oauth2/authorize?${query}`;
}

interface Browse {
  ua?: string;
  persona?: string | null;
  cookie?: string;
}

/** A GET as WeChat's browser on a phone whose WeChat user is `persona` (default zhangwei; null: no cookie). */
async function open(url: string, { ua = WECHAT_IPHONE_UA, persona = 'zhangwei', cookie }: Browse = {}) {
  const cookies = [persona === null ? undefined : `wxemu_user=${persona}`, cookie].filter(Boolean).join('; ');
  return t.app.inject({ method: 'GET', url, headers: { 'user-agent': ua, ...(cookies ? { cookie: cookies } : {}) } });
}

async function post(url: string, form: Record<string, string>, { ua = WECHAT_IPHONE_UA, persona = 'zhangwei' }: Browse = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(form).toString(),
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': ua,
      ...(persona === null ? {} : { cookie: `wxemu_user=${persona}` }),
    },
  });
}

/** The hidden fields of the consent page's first form (Allow), as the browser would post them. */
function consentFields(body: string): Record<string, string> {
  const form = /<form method="post" action="[^"]*\/allow">([\s\S]*?)<\/form>/.exec(body)?.[1] ?? '';
  const names = attributeValues(form, 'name').filter((n) => n !== '');
  const values = attributeValues(form, 'value');
  return Object.fromEntries(names.map((n, i) => [n, values[i] ?? '']));
}

/** snsapi_base inside WeChat: the code from the 302. */
async function baseCode(persona = 'zhangwei'): Promise<string> {
  const response = await open(authorizePath(), { persona });
  const code = new URL(String(response.headers.location)).searchParams.get('code');
  if (!code) throw new Error(`no code in ${response.statusCode} ${response.headers.location}`);
  return code;
}

/** snsapi_userinfo inside WeChat: consent page, 允许, the code from the 303. */
async function userinfoCode(persona = 'zhangwei'): Promise<string> {
  const consent = await open(authorizePath({ scope: 'snsapi_userinfo' }), { persona });
  const allowed = await post('/connect/oauth2/authorize/allow', consentFields(consent.body), { persona });
  const code = new URL(String(allowed.headers.location)).searchParams.get('code');
  if (!code) throw new Error(`no code in ${allowed.statusCode} ${allowed.headers.location}`);
  return code;
}

const exchangeOa = (code: string) => exchange(t, code, OA_APP);

function expectError(response: { status: number; json: Record<string, unknown> }, errcode: number, errmsg: string): void {
  expect(response.status).toBe(200);
  expect(response.json.errcode).toBe(errcode);
  expect(String(response.json.errmsg)).toMatch(RID);
  expect(String(response.json.errmsg).startsWith(`${errmsg}, rid: `)).toBe(true);
}

const visibleText = (body: string): string => body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('connect/oauth2/authorize outside WeChat', () => {
  it.each([
    ['desktop Chrome', DESKTOP_CHROME],
    ['WeCom (wxwork)', WECOM_UA],
  ])('%s gets WeChat’s “请在微信客户端打开链接” page and no code', async (_name, ua) => {
    const response = await open(authorizePath(), { ua });
    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(visibleText(response.body)).toContain('请在微信客户端打开链接');
    // …and, being the emulator, says how to pretend, coming back to this very link.
    const help = attributeValues(response.body, 'href').find((h) => h.includes('/__emulator/inside-wechat'));
    expect(help && new URL(help, 'http://x').searchParams.get('next')).toBe(authorizePath());
  });

  it('a desktop browser with the emulator’s ua=wechat cookie counts as WeChat', async () => {
    const response = await open(authorizePath(), { ua: DESKTOP_CHROME, cookie: 'wxemu_ua=wechat' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toMatch(/code=[0-9A-Za-z]{32}&state=oaSt4te$/);
  });
});

describe('connect/oauth2/authorize: WeChat’s checks', () => {
  it.each([
    [{ appid: undefined }, 'appid 不能为空'],
    [{ appid: 'wx0000000000000000' }, 'appid 参数错误'],
    [{ appid: APP.appId, redirect_uri: CALLBACK }, '不支持微信开放平台的 Appid，请使用公众号 Appid'],
    [{ redirect_uri: undefined }, 'redirect_uri 不能为空'],
    [{ redirect_uri: 'https://evil.example/cb' }, 'redirect_uri 参数错误'],
    [{ redirect_uri: 'https://www.sso.example.edu/cb' }, 'redirect_uri 参数错误'],
    [{ redirect_uri: 'javascript:alert(1)//sso.example.edu' }, 'redirect_uri 参数错误'],
    [{ scope: undefined }, 'scope 不能为空'],
    [{ scope: 'snsapi_login' }, 'Scope 参数错误或没有 Scope 权限'],
    [{ scope: 'snsapi_base,snsapi_userinfo' }, 'Scope 参数错误或没有 Scope 权限'],
    [{ state: 'a'.repeat(129) }, 'state 参数过长'],
    [{ state: '学'.repeat(43) }, 'state 参数过长'], // 129 bytes in UTF-8
  ])('%o → “%s”, HTTP 200, no redirect', async (change, text) => {
    const response = await open(authorizePath(change));
    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(visibleText(response.body)).toContain(text);
  });

  it('accepts a state of exactly 128 bytes and echoes it', async () => {
    const state = 'b'.repeat(128);
    const response = await open(authorizePath({ state }));
    expect(response.statusCode).toBe(302);
    expect(new URL(String(response.headers.location)).searchParams.get('state')).toBe(state);
  });

  it('speaks the phone’s language: Language/en in the User-Agent gives English pages', async () => {
    expect(visibleText((await open(authorizePath({ redirect_uri: 'https://evil.example/' }), { ua: WECHAT_EN_UA })).body)).toContain(
      'redirect_uri parameter error',
    );
    expect(visibleText((await open(authorizePath(), { ua: DESKTOP_CHROME.concat(' Language/en') })).body)).toContain(
      'Open this link in the WeChat app',
    );
  });

  it('the QR page refuses an Official Account AppID (it has no snsapi_login)', async () => {
    const response = await t.app.inject(
      `/connect/qrconnect?${new URLSearchParams({ appid: OA_APP.appId, redirect_uri: OA_CALLBACK, response_type: 'code', scope: 'snsapi_login', state: 's' })}`,
    );
    expect(visibleText(response.body)).toContain('Scope 参数错误或没有 Scope 权限');
    expect(t.emulator.qr.list()).toEqual([]);
  });
});

describe('the phone’s WeChat user', () => {
  it('the first time, asks who is signed in; the choice is a cookie, and the link goes on', async () => {
    const first = await open(authorizePath(), { persona: null });
    expect(first.statusCode).toBe(200);
    expect(first.headers.location).toBeUndefined();
    expect(visibleText(first.body)).toContain('这部“手机”上登录的是哪个微信帐号？');
    expect(visibleText(first.body)).toContain('李娜');
    expect(attributeValues(first.body, 'action')[0]).toBe('/__emulator/wechat-user');
    expect(attributeValues(first.body, 'value')).toContain(authorizePath()); // next

    const chosen = await post('/__emulator/wechat-user', { persona: 'lina', next: authorizePath() }, { persona: null });
    expect(chosen.statusCode).toBe(303);
    expect(chosen.headers.location).toBe(authorizePath());
    expect(String(chosen.headers['set-cookie'])).toMatch(/^wxemu_user=lina; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Lax$/);

    const code = new URL(String((await open(authorizePath(), { persona: 'lina' })).headers.location)).searchParams.get('code');
    const tokens = (await exchangeOa(String(code))).json;
    const state = JSON.parse((await t.app.inject('/__control/state')).body) as { personas: Array<{ id: string; openids: Record<string, string> }> };
    expect(tokens.openid).toBe(state.personas.find((p) => p.id === 'lina')?.openids[OA_APP.appId]);
  });

  it('a new person can be created there; an unknown persona cookie asks again; next never leaves the emulator', async () => {
    const created = await post('/__emulator/wechat-user', { nickname: '新同学', next: authorizePath() }, { persona: null });
    const id = /^wxemu_user=([^;]+);/.exec(String(created.headers['set-cookie']))?.[1];
    expect(t.emulator.persona(String(id)).nickname).toBe('新同学');

    expect(visibleText((await open(authorizePath(), { persona: 'ghost' })).body)).toContain('这部“手机”上登录的是哪个微信帐号？');
    const outside = await post('/__emulator/wechat-user', { persona: 'lina', next: 'https://evil.example/' }, { persona: null });
    expect(outside.headers.location).toBe('/__emulator/inside-wechat?lang=cn');
    const protocolRelative = await post('/__emulator/wechat-user', { persona: 'lina', next: '//evil.example/' }, { persona: null });
    expect(protocolRelative.headers.location).toBe('/__emulator/inside-wechat?lang=cn');
    expect((await post('/__emulator/wechat-user', { persona: 'ghost' }, { persona: null })).statusCode).toBe(400);
  });
});

describe('snsapi_base: silent', () => {
  it('redirects at once with a code (& after an existing query) and the token answer has no unionid', async () => {
    const response = await open(authorizePath());
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toMatch(
      /^https:\/\/sso\.example\.edu\/cas\/login\/wechat-oa\/callback\?service=x&code=[0-9A-Za-z]{32}&state=oaSt4te$/,
    );
    const token = await exchangeOa(String(new URL(String(response.headers.location)).searchParams.get('code')));
    expect(token.contentType).toBe('text/plain');
    expect(Object.keys(token.json)).toEqual(['access_token', 'expires_in', 'refresh_token', 'openid', 'scope']);
    expect(token.json).toMatchObject({ expires_in: 7200, scope: 'snsapi_base' });
  });

  it('the OA openid is not the website openid of the same person', async () => {
    const oa = (await exchangeOa(await baseCode('alice'))).json;
    const website = await tokensFor(t, 'alice', APP);
    expect(oa.openid).toMatch(/^o[\w-]{27}$/);
    expect(oa.openid).not.toBe(website.openid);
    expect((await exchangeOa(await baseCode('alice'))).json.openid).toBe(oa.openid); // stable
  });

  it('the token passes sns/auth but sns/userinfo answers 48001 api unauthorized', async () => {
    const { access_token, openid } = (await exchangeOa(await baseCode())).json as Record<string, string>;
    expect((await sns(t.app, '/sns/auth', { access_token, openid })).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expectError(await sns(t.app, '/sns/userinfo', { access_token, openid }), 48001, 'api unauthorized');
  });
});

describe('snsapi_userinfo: consent', () => {
  it('shows the app’s name and icon, who is asked, 允许 and 拒绝; no code before a decision', async () => {
    const response = await open(authorizePath({ scope: 'snsapi_userinfo', forcePopup: 'true' }), { persona: 'lina' });
    expect(response.statusCode).toBe(200);
    expect(response.headers.location).toBeUndefined();
    const text = visibleText(response.body);
    for (const wanted of ['测试服务号', '申请获取以下权限', '获得你的公开信息', '李娜', '允许', '拒绝']) expect(text).toContain(wanted);
    expect(attributeValues(response.body, 'src')).toContain(`/__emulator/app-icon/${OA_APP.appId}`);
    expect(consentFields(response.body)).toEqual({
      appid: OA_APP.appId,
      redirect_uri: OA_CALLBACK,
      response_type: 'code',
      scope: 'snsapi_userinfo',
      state: 'oaSt4te',
    });
    expect(t.emulator.callCounts()).toEqual({ 'GET /connect/oauth2/authorize': 1 });
  });

  it('允许 → redirect with a code → token with unionid (the website’s) → the profile', async () => {
    const code = await userinfoCode('lina');
    const token = (await exchangeOa(code)).json as Record<string, string>;
    expect(Object.keys(token)).toEqual(['access_token', 'expires_in', 'refresh_token', 'openid', 'scope', 'unionid']);
    expect(token.scope).toBe('snsapi_userinfo');
    const website = await tokensFor(t, 'lina', APP);
    expect(token.unionid).toBe(website.unionid);
    expect(token.openid).not.toBe(website.openid);
    const profile = (await sns(t.app, '/sns/userinfo', { access_token: token.access_token, openid: token.openid })).json;
    expect(profile).toMatchObject({ openid: token.openid, nickname: '李娜', unionid: website.unionid });
  });

  it('拒绝 → redirect_uri?state=STATE without a code', async () => {
    const consent = await open(authorizePath({ scope: 'snsapi_userinfo' }));
    const denied = await post('/connect/oauth2/authorize/deny', consentFields(consent.body));
    expect(denied.statusCode).toBe(303);
    expect(denied.headers.location).toBe(`${OA_CALLBACK}&state=oaSt4te`);
  });

  it('the consent forms are checked again: a tampered redirect_uri gets the error page', async () => {
    const consent = await open(authorizePath({ scope: 'snsapi_userinfo' }));
    const tampered = await post('/connect/oauth2/authorize/allow', { ...consentFields(consent.body), redirect_uri: 'https://evil.example/' });
    expect(tampered.headers.location).toBeUndefined();
    expect(visibleText(tampered.body)).toContain('redirect_uri 参数错误');
  });

  it('refresh keeps the scope; the refreshed token still reads the profile', async () => {
    const token = (await exchangeOa(await userinfoCode())).json as Record<string, string>;
    const refreshed = (
      await sns(t.app, '/sns/oauth2/refresh_token', { appid: OA_APP.appId, grant_type: 'refresh_token', refresh_token: token.refresh_token })
    ).json;
    expect(refreshed).toMatchObject({ openid: token.openid, scope: 'snsapi_userinfo' });
    expect(refreshed).not.toHaveProperty('unionid');
  });
});

describe('Official Account codes and credentials', () => {
  it('a code lives 5 minutes (42003 at 5:00, fine at 4:59.999)', async () => {
    const old = await baseCode();
    t.emulator.advanceClock(OA_CODE_LIFETIME_MS - 1);
    const young = await baseCode();
    t.emulator.advanceClock(1);
    expectError(await exchangeOa(old), 42003, 'code expired');
    expect((await exchangeOa(young)).json.access_token).toBeTypeOf('string');
  });

  it('works once (40163), only for its own app (40029 both ways)', async () => {
    const code = await baseCode();
    expect((await exchangeOa(code)).json.openid).toBeTypeOf('string');
    expectError(await exchangeOa(code), 40163, 'code been used');
    const fresh = await baseCode();
    expectError(await exchange(t, fresh, APP), 40029, 'invalid code');
    expect((await exchangeOa(fresh)).json.openid).toBeTypeOf('string');
    const websiteCode = await codeFor(t, 'zhangwei', APP.appId);
    expectError(await exchangeOa(websiteCode), 40029, 'invalid code');
    expect((await exchange(t, websiteCode, APP)).json.access_token).toBeTypeOf('string');
  });

  it.each([
    [{ secret: APP.appSecret }, 40125, 'invalid appsecret'],
    [{ appid: 'wx0000000000000000' }, 40013, 'invalid appid'],
  ] as const)('%o → %i, and the code is not used up', async (change, errcode, errmsg) => {
    const code = await baseCode();
    const query = { appid: OA_APP.appId, secret: OA_APP.appSecret, code, grant_type: 'authorization_code', ...change };
    expectError(await sns(t.app, '/sns/oauth2/access_token', query), errcode, errmsg);
    expect((await exchangeOa(code)).json.access_token).toBeTypeOf('string');
  });
});

describe('snapshot-page mode (朋友圈快照页)', () => {
  const control = async (path: string, body: object) => {
    const response = await t.app.inject({ method: 'POST', url: `/__control${path}`, payload: body });
    return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
  };

  it('snsapi_base gives is_snapshotuser 1, a virtual openid (a new one each time), no unionid; userinfo is refused', async () => {
    const real = (await exchangeOa(await baseCode('lina'))).json.openid;
    expect((await control('/oa/snapshot', { on: true })).json).toEqual({ all: true, personas: [] });
    const first = (await exchangeOa(await baseCode('lina'))).json as Record<string, string | number>;
    expect(Object.keys(first)).toEqual(['access_token', 'expires_in', 'refresh_token', 'openid', 'scope', 'is_snapshotuser']);
    expect(first).toMatchObject({ is_snapshotuser: 1, scope: 'snsapi_base' });
    expect(first.openid).toMatch(/^o[\w-]{27}$/);
    expect(first.openid).not.toBe(real);
    const second = (await exchangeOa(await baseCode('lina'))).json;
    expect(second.openid).not.toBe(first.openid);
    expectError(
      await sns(t.app, '/sns/userinfo', { access_token: String(first.access_token), openid: String(first.openid) }),
      48001,
      'api unauthorized',
    );
  });

  it('snsapi_userinfo shows no consent: the page loads at once as a snapshot, with a virtual account’s code', async () => {
    await control('/oa/snapshot', { on: true });
    const response = await open(authorizePath({ scope: 'snsapi_userinfo' }));
    expect(response.statusCode).toBe(302);
    const token = (await exchangeOa(String(new URL(String(response.headers.location)).searchParams.get('code')))).json;
    expect(token).toMatchObject({ is_snapshotuser: 1, scope: 'snsapi_base' });
    expect(token).not.toHaveProperty('unionid');
  });

  it('per persona: only that person’s WeChat is in snapshot mode; off again is the real openid', async () => {
    expect((await control('/oa/snapshot', { on: true, persona: 'lina' })).json).toEqual({ all: false, personas: ['lina'] });
    expect((await exchangeOa(await baseCode('lina'))).json.is_snapshotuser).toBe(1);
    expect((await exchangeOa(await baseCode('zhangwei'))).json).not.toHaveProperty('is_snapshotuser');
    await control('/oa/snapshot', { on: false, persona: 'lina' });
    expect((await exchangeOa(await baseCode('lina'))).json).not.toHaveProperty('is_snapshotuser');
    expect((await control('/oa/snapshot', { on: true, persona: 'ghost' })).status).toBe(404);
    expect((await control('/oa/snapshot', { enabled: true })).status).toBe(400);
  });

  it('reset turns it off', async () => {
    await control('/oa/snapshot', { on: true });
    t.emulator.reset();
    expect((await exchangeOa(await baseCode())).json).not.toHaveProperty('is_snapshotuser');
  });
});

describe('test control for Official Accounts', () => {
  const controlPost = async (path: string, body?: object) => {
    const response = await t.app.inject(
      body ? { method: 'POST', url: `/__control${path}`, payload: body } : { method: 'POST', url: `/__control${path}` },
    );
    return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
  };

  it('phone-user answers the cookie to send, and a URL that sets it in a browser and goes on', async () => {
    const { json } = await controlPost('/oa/phone-user', { persona: 'alice' });
    expect(json).toMatchObject({ persona: 'alice', cookieName: 'wxemu_user', cookieValue: 'alice', cookiePath: '/', cookie: 'wxemu_user=alice' });
    const viaHeader = await t.app.inject({ url: authorizePath(), headers: { 'user-agent': WECHAT_IPHONE_UA, cookie: String(json.cookie) } });
    expect(viaHeader.statusCode).toBe(302);

    const url = new URL(String(json.url));
    expect(url.origin).toBe('http://emulator.test');
    const viaUrl = await t.app.inject(`${url.pathname}${url.search}&next=${encodeURIComponent(authorizePath())}`);
    expect(viaUrl.statusCode).toBe(303);
    expect(viaUrl.headers.location).toBe(authorizePath());
    expect(String(viaUrl.headers['set-cookie'])).toMatch(/^wxemu_user=alice; Path=\//);
    expect((await controlPost('/oa/phone-user', { persona: 'ghost' })).status).toBe(404);
  });

  it('authorize runs WeChat’s checks and answers the redirect: allow, deny, silent', async () => {
    const allowed = await controlPost('/oa/authorize', {
      appid: OA_APP.appId,
      redirect_uri: OA_CALLBACK,
      scope: 'snsapi_userinfo',
      state: 'x',
      persona: 'lina',
    });
    expect(allowed.json).toMatchObject({
      persona: 'lina',
      consentShown: true,
      snapshot: false,
      redirectUrl: `${OA_CALLBACK}&code=${String(allowed.json.code)}&state=x`,
    });
    expect((await exchangeOa(String(allowed.json.code))).json.unionid).toBeTypeOf('string');
    const denied = await controlPost('/oa/authorize', {
      appid: OA_APP.appId,
      redirect_uri: OA_CALLBACK,
      scope: 'snsapi_userinfo',
      state: 'x',
      decision: 'deny',
    });
    expect(denied.json).toEqual({
      persona: 'zhangwei',
      scope: 'snsapi_userinfo',
      consentShown: true,
      snapshot: false,
      redirectUrl: `${OA_CALLBACK}&state=x`,
    });
    const refused = await controlPost('/oa/authorize', { appid: OA_APP.appId, redirect_uri: 'https://evil.example/', scope: 'snsapi_base' });
    expect(refused).toEqual({ status: 400, json: { error: 'redirect_uri' } });
  });

  it('counts calls per endpoint; reset of the counts and of the emulator clears them', async () => {
    await exchangeOa(await baseCode());
    await exchangeOa(await userinfoCode());
    const calls = JSON.parse((await t.app.inject('/__control/calls')).body) as Record<string, number>;
    expect(calls).toEqual({
      'GET /connect/oauth2/authorize': 2,
      'GET /sns/oauth2/access_token': 2,
      'POST /connect/oauth2/authorize/allow': 1,
    });
    const state = JSON.parse((await t.app.inject('/__control/state')).body) as Record<string, unknown>;
    expect(state.calls).toEqual(calls);
    expect(state.snapshot).toEqual({ all: false, personas: [] });
    expect(state.apps).toContainEqual(expect.objectContaining({ appId: OA_APP.appId, kind: 'official-account' }));
    expect(state.apps).toContainEqual(expect.objectContaining({ appId: APP.appId, kind: 'website' }));
    expect(JSON.stringify(state)).not.toContain(OA_APP.appSecret);
    await controlPost('/calls/reset');
    expect(JSON.parse((await t.app.inject('/__control/calls')).body)).toEqual({});
  });
});

describe('the “inside WeChat” page for a desktop browser', () => {
  it('says which user agent it sees and what the emulator makes of it; ua=wechat sets the cookie and comes back', async () => {
    const plain = await open('/__emulator/inside-wechat?next=%2Fconnect%2Foauth2%2Fauthorize%3Fappid%3Dx', { ua: DESKTOP_CHROME, persona: null });
    const text = visibleText(plain.body);
    expect(text).toContain(DESKTOP_CHROME);
    expect(text).toContain('模拟器视为：普通浏览器（不在微信内）');
    expect(text).toContain(WECHAT_IPHONE_UA);
    expect(text).toContain('DevTools');
    const toggle = attributeValues(plain.body, 'href').find((h) => h.includes('ua=wechat'));
    const on = await open(String(toggle), { ua: DESKTOP_CHROME, persona: null });
    expect(on.statusCode).toBe(303);
    expect(on.headers.location).toBe('/connect/oauth2/authorize?appid=x');
    expect(String(on.headers['set-cookie'])).toMatch(/^wxemu_ua=wechat; Path=\//);

    const withCookie = await open('/__emulator/inside-wechat', { ua: DESKTOP_CHROME, cookie: 'wxemu_ua=wechat' });
    expect(visibleText(withCookie.body)).toContain('模拟器视为：微信内置浏览器');
    expect(visibleText(withCookie.body)).toContain('张伟');
    const off = await open('/__emulator/inside-wechat?ua=off', { ua: DESKTOP_CHROME });
    expect(String(off.headers['set-cookie'])).toMatch(/^wxemu_ua=; Path=\/; Max-Age=0/);
  });

  it('in English, and its snapshot switch changes the phone user’s mode', async () => {
    const page = await open('/__emulator/inside-wechat?lang=en', { ua: WECHAT_IPHONE_UA, persona: 'lina' });
    expect(visibleText(page.body)).toContain('The emulator treats it as: WeChat’s built-in browser');
    const switched = await post('/__emulator/inside-wechat/snapshot', { on: '1', back: '/__emulator/inside-wechat?lang=en' }, { persona: 'lina' });
    expect(switched.headers.location).toBe('/__emulator/inside-wechat?lang=en');
    expect(t.emulator.snapshotState()).toEqual({ all: false, personas: ['lina'] });
    expect(visibleText((await open('/__emulator/inside-wechat?lang=en', { persona: 'lina' })).body)).toContain(
      'On: silent authorization gives a virtual account',
    );
  });
});
