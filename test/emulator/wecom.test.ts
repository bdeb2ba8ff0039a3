// The WeCom emulator over HTTP, as a WeCom client and a browser meet it: gettoken's errcodes and its same-token
// answer, the web login (QR page, phone confirmation, cancel, expiry, an untrusted redirect), the in-app
// authorization (outside WeCom, the member picker, silent afterwards), and the control API with its call counts.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMULATED_WECOM } from '../../dev/emulated-wecom.js';
import { WECOM_IPHONE_UA } from '../../emulator/wecom/plugin.js';
import { USER_AGENTS } from '../support/user-agents.js';
import { type RunningWeComEmulator, startWeComEmulator } from '../wecom/emulated.js';

let wecom: RunningWeComEmulator;
const CALLBACK = 'http://localhost:8080/cas/login/wecom/callback';

beforeAll(async () => {
  wecom = await startWeComEmulator('localhost');
});
afterAll(async () => {
  await wecom?.close();
});
beforeEach(() => wecom.emulator.reset());

const api = async (path: string) => (await fetch(`${wecom.url}${path}`)).json() as Promise<Record<string, unknown>>;
const control = async (path: string, body?: object) => {
  const res = await fetch(`${wecom.url}/__control/wecom${path}`, {
    method: body ? 'POST' : 'GET',
    ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const token = async () =>
  (await api(`/cgi-bin/gettoken?corpid=${EMULATED_WECOM.corpId}&corpsecret=${EMULATED_WECOM.agentSecret}`)).access_token as string;
const get = (path: string, headers: Record<string, string> = {}) => fetch(`${wecom.url}${path}`, { redirect: 'manual', headers });
const ref = { corpid: EMULATED_WECOM.corpId, agentid: EMULATED_WECOM.agentId };

describe('WeCom emulator: gettoken', () => {
  it('answers a 7200 s token, the same one while it lives, a new one after', async () => {
    const first = await api(`/cgi-bin/gettoken?corpid=${EMULATED_WECOM.corpId}&corpsecret=${EMULATED_WECOM.agentSecret}`);
    expect(first).toMatchObject({ errcode: 0, errmsg: 'ok', expires_in: 7200 });
    expect(await token()).toBe(first.access_token);
    await control('/clock', { advanceSeconds: 7200 });
    expect(await token()).not.toBe(first.access_token);
  });

  it.each([
    ['', 'x', 41002],
    ['ww0000000000000000', 'x', 40013],
    [EMULATED_WECOM.corpId, '', 41004],
    [EMULATED_WECOM.corpId, 'wrong-secret', 40001],
  ])('corpid %j secret %j: errcode %i, with WeCom’s hint and the caller’s address', async (corpid, secret, errcode) => {
    const body = await api(`/cgi-bin/gettoken?corpid=${corpid}&corpsecret=${secret}`);
    expect(body.errcode).toBe(errcode);
    expect(body.errmsg).toMatch(
      /, hint: \[[^\]]+\], from ip: 127\.0\.0\.1, more info at https:\/\/open\.work\.weixin\.qq\.com\/devtool\/query\?e=\d+$/,
    );
    expect(body).not.toHaveProperty('access_token');
  });
});

describe('WeCom emulator: web login', () => {
  const loginUrl = (redirect = CALLBACK, agentid = EMULATED_WECOM.agentId) =>
    `/wwlogin/sso/login?login_type=CorpApp&appid=${EMULATED_WECOM.corpId}&agentid=${agentid}&redirect_uri=${encodeURIComponent(redirect)}&state=S123`;

  it('QR page → confirmed on the phone → redirect_uri with a code that names the member once', async () => {
    const start = await get(loginUrl());
    expect(start.status).toBe(302);
    const qrPath = start.headers.get('location')!;
    const qr = await (await get(qrPath)).text();
    expect(qr).toContain('<meta http-equiv="refresh" content="1;url=');
    expect(qr).toContain('请使用企业微信扫描二维码登录');
    const phoneUrl = /id="wecom-open-phone" href="([^"]+)"/.exec(qr)![1]!.replaceAll('&#38;', '&');
    const phone = await (await fetch(phoneUrl)).text();
    expect(phone).toContain('演示用户');
    const key = new URL(phoneUrl).searchParams.get('key')!;
    const confirmed = await fetch(`${wecom.url}/wwlogin/sso/confirm`, {
      method: 'POST',
      body: new URLSearchParams({ key, who: 'member:demo', decision: 'confirm' }),
    });
    expect(await confirmed.text()).toContain('已确认登录');
    const after = await get(qrPath);
    expect(after.status).toBe(302);
    const back = new URL(after.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(back.searchParams.get('state')).toBe('S123');
    expect(back.searchParams.get('appid')).toBe(EMULATED_WECOM.corpId);
    const code = back.searchParams.get('code')!;
    const t = await token();
    expect(await api(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${code}`)).toMatchObject({ errcode: 0, userid: 'demo' });
    expect((await api(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${code}`)).errcode).toBe(40029);
  });

  it('cancelled on the phone, or not confirmed in 5 minutes: the QR page says so', async () => {
    const cancelled = (await get(loginUrl())).headers.get('location')!;
    const key = new URL(cancelled, wecom.url).searchParams.get('key')!;
    expect((await control(`/logins/${key}/cancel`, {})).status).toBe(200);
    expect(await (await get(cancelled)).text()).toContain('您已取消此次登录');
    const expired = (await get(`${loginUrl()}&lang=en`)).headers.get('location')!;
    await control('/clock', { advanceSeconds: 301 });
    expect(await (await get(expired)).text()).toContain('The QR code has expired');
  });

  it('refuses a redirect outside the app’s 可信域名 and an unknown app, with a page', async () => {
    expect(await (await get(loginUrl('https://evil.example.com/cb'))).text()).toContain('redirect_uri 需使用应用可信域名');
    expect(await (await get(loginUrl(CALLBACK, '999'))).text()).toContain('参数错误');
  });
});

describe('WeCom emulator: the embeddable login panel', () => {
  const panelUrl = (params: string) =>
    `/wwlogin/sso/login?login_type=CorpApp&appid=${EMULATED_WECOM.corpId}&agentid=${EMULATED_WECOM.agentId}&redirect_uri=${encodeURIComponent(CALLBACK)}&state=S456&lang=en&${params}`;
  const confirm = (key: string, extra: Record<string, string> = {}) =>
    fetch(`${wecom.url}/wwlogin/sso/confirm`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ key, who: 'member:demo', decision: 'confirm', ...extra }),
    });

  it('redirect_type=top: the compact QR with its script; confirmed, a page whose script sends the top window on', async () => {
    const qrPath = (await get(panelUrl('redirect_type=top&panel_size=small&version=2.4.4'))).headers.get('location')!;
    const qr = await (await get(qrPath)).text();
    expect(qr).toContain('class="emu-wecom emu-wecom-panel"');
    expect(qr).toContain('/__emulator/assets/wwpanel.js');
    expect(qr).toContain('Scan the QR code with WeCom to log in');
    const image = await get(/id="wecom-qr-image" src="([^"]+)"/.exec(qr)![1]!.replaceAll('&#38;', '&'));
    expect(image.headers.get('content-type')).toBe('image/png');
    const key = new URL(qrPath, wecom.url).searchParams.get('key')!;
    expect(await (await confirm(key)).text()).toContain('id="wecom-phone-confirmed"');
    const after = await get(qrPath);
    // The frame is not redirected (wecas's page may not be framed): its page sends the top window.
    expect(after.status).toBe(200);
    const page = await after.text();
    expect(page).toContain('/__emulator/assets/wwpanel.js');
    const back = new URL(/id="wecom-panel-continue" href="([^"]+)" target="_top"/.exec(page)![1]!.replaceAll('&#38;', '&'));
    expect(`${back.origin}${back.pathname}`).toBe(CALLBACK);
    expect(back.searchParams.get('state')).toBe('S456');
    const t = await token();
    expect(await api(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${back.searchParams.get('code')}`)).toMatchObject({ userid: 'demo' });
    expect((await get('/__emulator/assets/wwpanel.js')).headers.get('content-type')).toContain('javascript');
  });

  it('the SDK’s version alone means top; self redirects the frame; callback is refused as not emulated', async () => {
    const top = (await get(panelUrl('version=2.4.4'))).headers.get('location')!;
    await confirm(new URL(top, wecom.url).searchParams.get('key')!);
    expect((await get(top)).status).toBe(200);
    const self = (await get(panelUrl('redirect_type=self'))).headers.get('location')!;
    await confirm(new URL(self, wecom.url).searchParams.get('key')!);
    const selfAfter = await get(self);
    expect(selfAfter.status).toBe(302);
    expect(selfAfter.headers.get('location')).toMatch(/^http:\/\/localhost:8080\/cas\/login\/wecom\/callback\?code=/);
    expect(await (await get(panelUrl('redirect_type=callback'))).text()).toContain('does not emulate redirect_type=callback');
  });

  it('the phone page in the panel’s own tab (no popup allowed) carries the code on itself after confirming', async () => {
    const qrPath = (await get(panelUrl('redirect_type=top'))).headers.get('location')!;
    const qr = await (await get(qrPath)).text();
    const sameTab = /data-same-tab-href="([^"]+)"/.exec(qr)![1]!.replaceAll('&#38;', '&');
    expect(new URL(sameTab).searchParams.get('tab')).toBe('same');
    const phone = await (await fetch(sameTab)).text();
    expect(phone).toContain('name="tab" value="same"');
    const key = new URL(sameTab).searchParams.get('key')!;
    const done = await confirm(key, { tab: 'same' });
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toMatch(/^http:\/\/localhost:8080\/cas\/login\/wecom\/callback\?code=[^&]+&state=S456/);
  });
});

describe('WeCom emulator: inside the WeCom app', () => {
  const authorize = `/connect/oauth2/authorize?appid=${EMULATED_WECOM.corpId}&redirect_uri=${encodeURIComponent(CALLBACK)}&response_type=code&scope=snsapi_base&state=S9&agentid=${EMULATED_WECOM.agentId}`;

  it('outside WeCom (WeChat, a desktop) it only says to open the link in WeCom', async () => {
    for (const ua of [USER_AGENTS.desktopChrome, USER_AGENTS.wechatIphone]) {
      const res = await get(authorize, { 'user-agent': ua });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('请在企业微信客户端打开链接');
    }
  });

  it('a desktop browser finds the help page that says which User-Agent to pretend, and the emulator’s own switch', async () => {
    const outside = await (await get(authorize, { 'user-agent': USER_AGENTS.desktopChrome, 'accept-language': 'en' })).text();
    const help = /href="([^"]+)" id="emu-inside-wecom-help"/.exec(outside)![1]!.replaceAll('&#38;', '&');
    const page = await (await get(help, { 'user-agent': USER_AGENTS.desktopChrome })).text();
    expect(page).toContain('Trying “inside WeCom” from a desktop browser');
    expect(page).toContain(WECOM_IPHONE_UA);
    expect(page).toContain('The emulator does not take it for WeCom’s built-in browser.');
    const on = await get(`${help}&ua=wxwork`, { 'user-agent': USER_AGENTS.desktopChrome });
    const cookie = on.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toBe('wwemu_ua=wxwork');
    expect(await on.text()).toContain('The emulator takes it for WeCom’s built-in browser.');
    // With the switch on, the emulator's authorization treats the desktop browser as WeCom: the member picker.
    expect(await (await get(authorize, { 'user-agent': USER_AGENTS.desktopChrome, cookie })).text()).toContain('这台“手机”上登录的企业微信账号是？');
  });

  it('asks once which member is on the “phone”, then redirects at once with a code', async () => {
    expect(WECOM_IPHONE_UA).toBe(USER_AGENTS.wecom);
    const picker = await get(authorize, { 'user-agent': WECOM_IPHONE_UA });
    expect(await picker.text()).toContain('这台“手机”上登录的企业微信账号是？');
    const chosen = await fetch(`${wecom.url}/__emulator/wecom-member`, {
      method: 'POST',
      redirect: 'manual',
      body: new URLSearchParams({ who: 'member:wangfang', next: authorize }),
    });
    expect(chosen.status).toBe(303);
    const cookie = chosen.headers.get('set-cookie')!.split(';')[0]!;
    const silent = await get(authorize, { 'user-agent': WECOM_IPHONE_UA, cookie });
    expect(silent.status).toBe(302);
    const back = new URL(silent.headers.get('location')!);
    expect(back.searchParams.get('state')).toBe('S9');
    const t = await token();
    expect(await api(`/cgi-bin/auth/getuserinfo?access_token=${t}&code=${back.searchParams.get('code')}`)).toMatchObject({ userid: 'wangfang' });
  });
});

describe('WeCom emulator: control API and call counts', () => {
  it('switches visibility and the trusted IP list, injects faults, revokes tokens, and counts calls', async () => {
    const t = await token();
    expect((await api(`/cgi-bin/user/get?access_token=${t}&userid=zhangwei`)).name).toBe('张伟');
    await control('/visibility', { ...ref, userid: 'zhangwei', visible: false });
    expect((await api(`/cgi-bin/user/get?access_token=${t}&userid=zhangwei`)).errcode).toBe(60011);
    await control('/trusted-ips', { ...ref, ips: ['203.0.113.9'] });
    expect((await api(`/cgi-bin/user/get?access_token=${t}&userid=demo`)).errcode).toBe(60020);
    await control('/trusted-ips', { ...ref, ips: null });
    await control('/faults', { api: 'user/get', errcode: 45009 });
    expect((await api(`/cgi-bin/user/get?access_token=${t}&userid=demo`)).errcode).toBe(45009);
    await control('/contact-fields', { ...ref, on: true });
    expect(await api(`/cgi-bin/user/get?access_token=${t}&userid=DEMO`)).toMatchObject({ userid: 'demo', mobile: '13800138000' });
    expect((await control('/tokens/revoke', {})).body.revoked).toBe(1);
    expect((await api(`/cgi-bin/user/get?access_token=${t}&userid=demo`)).errcode).toBe(40014);
    expect((await api('/cgi-bin/user/get?userid=demo')).errcode).toBe(41001);
    const authorized = await control('/authorize', { ...ref, redirect_uri: CALLBACK, state: 's', userid: 'demo' });
    expect(authorized.body.redirectUrl).toMatch(/^http:\/\/localhost:8080\/cas\/login\/wecom\/callback\?code=[\w-]+&state=s$/);
    expect((await control('/calls')).body).toEqual({ 'GET /cgi-bin/gettoken': 1, 'GET /cgi-bin/user/get': 7 });
    const state = (await control('')).body as { corps: Array<{ agents: Array<{ invisible: string[]; contactFields: boolean }> }> };
    expect(state.corps[0]!.agents[0]).toMatchObject({ invisible: ['lisi', 'zhangwei'], contactFields: true });
    expect(JSON.stringify(state)).not.toContain(EMULATED_WECOM.agentSecret);
    await control('/reset', {});
    expect((await control('/calls')).body).toEqual({});
    expect((await control('/authorize', { ...ref, redirect_uri: CALLBACK, userid: 'nobody' })).status).toBe(404);
  });
});
