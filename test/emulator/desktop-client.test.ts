// Desktop quick login (快速登录) over HTTP: the switch that says a desktop WeChat is signed in on "this PC", what the
// QR page offers then, and the confirmation, which must end exactly like a scan and Allow on the phone.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openidFor, unionidFor } from '../../emulator/ids.js';
import { APP, attributeValues, CALLBACK, exchange, OTHER_APP, qrconnectPath, RID, startEmulator, startQr, type TestEmulator } from './helpers.js';

let t: TestEmulator;
beforeEach(async () => {
  t = await startEmulator({}, { longPollHoldMs: 50 });
});
afterEach(async () => {
  await t.app.close();
});

const post = async (url: string, payload?: object) => {
  const response = await t.app.inject(payload === undefined ? { method: 'POST', url } : { method: 'POST', url, payload });
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
};
const get = async (url: string) => JSON.parse((await t.app.inject(url)).body) as Record<string, unknown>;
const checkLogin = () => get('/__emulator/desktop-client/check-login');
/** What the page's 快速登录 button sends. */
const quickConfirm = async (uuid: string) => {
  const response = await t.app.inject({
    method: 'POST',
    url: '/__emulator/desktop-client/confirm',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: `uuid=${encodeURIComponent(uuid)}`,
  });
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
};
const poll = async (uuid: string, last?: number) => (await t.app.inject(`/connect/l/qrconnect?uuid=${uuid}${last ? `&last=${last}` : ''}`)).body;
const codeIn = (pollBody: string) => /window\.wx_code='([^']*)'/.exec(pollBody)?.[1] ?? '';

describe('the desktop-client switch', () => {
  it('is off at start; on, it names the persona and the probe answers with their nickname and avatar; off again, the probe says so', async () => {
    expect(await get('/__control/desktop-client')).toEqual({ persona: null });
    expect(await checkLogin()).toEqual({ signedIn: false });

    const on = await post('/__control/desktop-client', { persona: 'lina' });
    expect(on.status).toBe(200);
    expect(on.json).toMatchObject({ persona: 'lina', nickname: '李娜' });
    expect(on.json.headimgurl).toMatch(/^http:\/\/emulator\.test\/mmopen\/vi_32\/[^/]+\/132$/);
    expect((await get('/__control/state')).desktopClient).toMatchObject({ persona: 'lina' });

    const probe = await checkLogin();
    expect(probe).toMatchObject({ signedIn: true, nickname: '李娜' });
    // The avatar is a same-origin path the page can load under `img-src 'self'`, and it is a picture.
    const avatar = await t.app.inject(String(probe.avatar));
    expect(String(probe.avatar)).toMatch(/^\/mmopen\/vi_32\//);
    expect(avatar.statusCode).toBe(200);
    expect(avatar.headers['content-type']).toBe('image/png');

    // 小明 has no avatar: the probe gives none.
    await post('/__control/desktop-client', { persona: 'xiaoming' });
    expect(await checkLogin()).toEqual({ signedIn: true, nickname: '小明', avatar: '' });

    expect((await post('/__control/desktop-client', { persona: null })).json).toEqual({ persona: null });
    expect(await checkLogin()).toEqual({ signedIn: false });
  });

  it('refuses an unknown persona (404) and a body without persona (400); reset signs the desktop client out', async () => {
    expect(await post('/__control/desktop-client', { persona: 'nobody' })).toEqual({
      status: 404,
      json: { error: 'unknown_persona', persona: 'nobody' },
    });
    expect((await post('/__control/desktop-client', {})).status).toBe(400);
    expect((await post('/__control/desktop-client', { persona: 'lina', on: true })).status).toBe(400);
    expect(await get('/__control/desktop-client')).toEqual({ persona: null });

    await post('/__control/desktop-client', { persona: 'alice' });
    await post('/__control/reset');
    expect(await checkLogin()).toEqual({ signedIn: false });
  });

  it('is on the development page (inside-WeChat) with test control, and its form switches it', async () => {
    const page = (await t.app.inject('/__emulator/inside-wechat')).body;
    expect(page).toContain('这台电脑上的桌面微信（快速登录）');
    expect(page).toContain('未登录（二维码页面只显示二维码）');

    const on = await t.app.inject({
      method: 'POST',
      url: '/__emulator/inside-wechat/desktop-client',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'persona=alice&back=%2F__emulator%2Finside-wechat%3Flang%3Den',
    });
    expect(on.statusCode).toBe(303);
    expect(on.headers.location).toBe('/__emulator/inside-wechat?lang=en');
    expect(await checkLogin()).toMatchObject({ signedIn: true, nickname: 'Alice 王🌸' });
    const en = (await t.app.inject('/__emulator/inside-wechat?lang=en')).body;
    expect(en).toMatch(/id="emu-desktop-user">Alice 王🌸</);
    expect(en).toContain('Sign out of WeChat for desktop');

    const off = await t.app.inject({
      method: 'POST',
      url: '/__emulator/inside-wechat/desktop-client',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'persona=&back=%2F__emulator%2Finside-wechat',
    });
    expect(off.statusCode).toBe(303);
    expect(await checkLogin()).toEqual({ signedIn: false });
  });

  it('without test control there is no switch: no card, no form route, no control API', async () => {
    const closed = await startEmulator({ testControl: false });
    try {
      expect((await closed.app.inject('/__emulator/inside-wechat')).body).not.toContain('emu-desktop-client');
      expect((await closed.app.inject({ method: 'POST', url: '/__emulator/inside-wechat/desktop-client', payload: {} })).statusCode).toBe(404);
      expect((await closed.app.inject({ method: 'POST', url: '/__control/desktop-client', payload: { persona: 'lina' } })).statusCode).toBe(404);
      expect(JSON.parse((await closed.app.inject('/__emulator/desktop-client/check-login')).body)).toEqual({ signedIn: false });
    } finally {
      await closed.app.close();
    }
  });
});

describe('the QR page offers quick login', () => {
  it('carries the quick-login panel (hidden until the script finds a client) on the full page and in the wxLogin frame, in both languages', async () => {
    for (const [params, texts] of [
      [{}, ['快速登录', '使用其他帐号', '使用电脑微信快速登录']],
      [{ login_type: 'jssdk', self_redirect: 'false' }, ['快速登录', '使用其他帐号']],
      [{ lang: 'en', login_type: 'jssdk' }, ['>Log in<', 'Use another account', 'Log in with WeChat for desktop']],
    ] as const) {
      const body = (await t.app.inject(qrconnectPath(params))).body;
      expect(attributeValues(body, 'data-quick-check-url')).toEqual(['/__emulator/desktop-client/check-login']);
      expect(attributeValues(body, 'data-quick-confirm-url')).toEqual(['/__emulator/desktop-client/confirm']);
      expect(body).toMatch(/id="wx_quick_login" hidden/);
      for (const text of texts) expect(body).toContain(text);
    }
  });

  it('with wxLogin’s fast_login=0 offers no quick login at all', async () => {
    await post('/__control/desktop-client', { persona: 'lina' });
    const body = (await t.app.inject(qrconnectPath({ login_type: 'jssdk', fast_login: '0' }))).body;
    expect(body).not.toContain('data-quick-check-url');
    expect(body).not.toContain('wx_quick_login');
    expect(body).toContain('class="qrcode');
  });
});

describe('confirming quick login', () => {
  it('ends as a scan and Allow would: the long-poll reports 405 with a code that works once, for its app, with the desktop persona’s ids', async () => {
    await post('/__control/desktop-client', { persona: 'lina' });
    const uuid = await startQr(t.app);
    expect(await poll(uuid)).toBe("window.wx_errcode=408;window.wx_code='';");

    expect(await quickConfirm(uuid)).toEqual({ status: 200, json: { ok: true } });
    const confirmed = await poll(uuid);
    expect(confirmed).toMatch(/^window\.wx_errcode=405;window\.wx_code='[A-Za-z0-9_-]{32}';$/);
    const code = codeIn(confirmed);
    const listed = (await get('/__control/state')).qr as Array<Record<string, unknown>>;
    expect(listed[0]).toMatchObject({ uuid, status: 'confirmed', persona: 'lina', code, via: 'desktop' });

    // Not the other app's code.
    expect((await exchange(t, code, OTHER_APP)).json.errcode).toBe(40029);
    const tokens = await exchange(t, code);
    expect(tokens.json).toMatchObject({ openid: openidFor(APP.appId, 'lina'), unionid: unionidFor('lina'), scope: 'snsapi_login' });
    const again = await exchange(t, code);
    expect(again.json.errcode).toBe(40163);
    expect(String(again.json.errmsg)).toMatch(RID);

    // The QR is used up: neither the desktop client nor a phone can confirm it again.
    expect(await quickConfirm(uuid)).toEqual({ status: 409, json: { ok: false, error: 'qr_used' } });
    expect((await t.app.inject(`/connect/confirm?uuid=${uuid}`)).statusCode).toBe(409);
  });

  it('gives the same redirect the phone would (redirect_uri with & when it has a query, state encoded)', async () => {
    await post('/__control/desktop-client', { persona: 'zhangwei' });
    const redirect = `${CALLBACK}?service=a%20b`;
    const uuid = await startQr(t.app, { redirect_uri: redirect, state: 'a b' });
    await quickConfirm(uuid);
    const code = codeIn(await poll(uuid));
    expect(t.emulator.redirectAfterConfirm(t.emulator.qr.get(uuid)!)).toBe(`${redirect}&code=${code}&state=a%20b`);
  });

  it('codes from quick login expire like the QR’s (42003 after 10 minutes)', async () => {
    await post('/__control/desktop-client', { persona: 'lina' });
    const uuid = await startQr(t.app);
    await quickConfirm(uuid);
    const code = codeIn(await poll(uuid));
    await post('/__control/clock', { advanceSeconds: 10 * 60 + 1 });
    expect((await exchange(t, code)).json.errcode).toBe(42003);
  });

  it('after a phone has scanned (or refused), the desktop client can still confirm, as itself', async () => {
    await post('/__control/desktop-client', { persona: 'alice' });
    const uuid = await startQr(t.app);
    await post(`/__control/qr/${uuid}/deny`, { persona: 'zhangwei' });
    expect(await poll(uuid)).toContain('wx_errcode=403');
    expect((await quickConfirm(uuid)).status).toBe(200);
    const code = codeIn(await poll(uuid, 403));
    expect((await exchange(t, code)).json.openid).toBe(openidFor(APP.appId, 'alice'));
  });

  it('is refused without a desktop client (409, the QR keeps waiting), for an unknown QR (404) and an expired one (409)', async () => {
    const uuid = await startQr(t.app);
    expect(await quickConfirm(uuid)).toEqual({ status: 409, json: { ok: false, error: 'no_desktop_client' } });
    expect(await poll(uuid)).toBe("window.wx_errcode=408;window.wx_code='';");

    await post('/__control/desktop-client', { persona: 'lina' });
    expect(await quickConfirm('nope')).toEqual({ status: 404, json: { ok: false, error: 'unknown_qr' } });
    await post(`/__control/qr/${uuid}/expire`);
    expect(await quickConfirm(uuid)).toEqual({ status: 409, json: { ok: false, error: 'qr_expired' } });
    expect(await poll(uuid)).toContain('wx_errcode=402');
  });
});
