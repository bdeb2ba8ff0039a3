import QRCode from 'qrcode';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP, attributeValues, BASE_URL, CALLBACK, hrefs, OTHER_APP, qrconnectPath, startEmulator, startQr, type TestEmulator } from './helpers.js';

let t: TestEmulator;
beforeEach(async () => {
  // Time stands still unless a test moves it. A short hold so "nothing happened" polls return
  // quickly; changes still wake them at once.
  const frozen = Date.UTC(2025, 0, 1);
  t = await startEmulator({ clock: { now: () => frozen } }, { longPollHoldMs: 50 });
});
afterEach(async () => {
  await t.app.close();
});

const poll = async (uuid: string, last?: number): Promise<string> =>
  (await t.app.inject(`/connect/l/qrconnect?uuid=${uuid}${last ? `&last=${last}` : ''}&_=1`)).body;

describe('connect/qrconnect validation', () => {
  it.each([
    ['an unknown appid', { appid: 'wx0000000000000000' }, 'appid 参数错误'],
    ['no appid', { appid: undefined }, 'appid 参数错误'],
    ['a redirect_uri on another host', { redirect_uri: 'http://evil.example/cb' }, 'redirect_uri 参数错误'],
    ['a redirect_uri on another port', { redirect_uri: 'http://localhost:9999/cb' }, 'redirect_uri 参数错误'],
    ['a redirect_uri on a sub-domain', { appid: OTHER_APP.appId, redirect_uri: 'https://www.other.example/cb' }, 'redirect_uri 参数错误'],
    ['a non-http redirect_uri', { redirect_uri: 'javascript:alert(1)//localhost:8080' }, 'redirect_uri 参数错误'],
    ['no redirect_uri', { redirect_uri: undefined }, 'redirect_uri 参数错误'],
    ['scope snsapi_userinfo', { scope: 'snsapi_userinfo' }, 'Scope 参数错误或没有 Scope 权限'],
    ['scope list with another scope', { scope: 'snsapi_login,snsapi_userinfo' }, 'Scope 参数错误或没有 Scope 权限'],
    ['no scope', { scope: undefined }, 'Scope 参数错误或没有 Scope 权限'],
  ])('shows WeChat’s error page for %s, with no QR and no redirect', async (_name, params, text) => {
    const response = await t.app.inject(qrconnectPath(params));
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain(text);
    expect(response.body).not.toContain('class="qrcode');
    expect(t.emulator.qr.list()).toHaveLength(0);
  });

  it('writes the error page in English with lang=en', async () => {
    const response = await t.app.inject(qrconnectPath({ scope: 'x', lang: 'en' }));
    expect(response.body).toContain('Scope parameter error');
    expect(response.body).toContain('this is not WeChat');
  });

  it('accepts any port when the callback domain has none, and a redirect_uri with its own query', async () => {
    expect((await t.app.inject(qrconnectPath({ appid: OTHER_APP.appId, redirect_uri: 'https://other.example:8443/cb?next=%2Fa' }))).body).toContain(
      'class="qrcode',
    );
  });

  it('accepts an unencoded redirect_uri and one without response_type (as wxLogin sends)', async () => {
    const raw = `/connect/qrconnect?appid=${APP.appId}&redirect_uri=${CALLBACK}&scope=snsapi_login&state=s`;
    expect((await t.app.inject(raw)).body).toContain(`data-redirect-uri="${CALLBACK}"`);
  });
});

describe('connect/qrconnect page', () => {
  it('shows the app name, a QR image, the emulator notice and no inline script or style', async () => {
    const response = await t.app.inject(qrconnectPath());
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    const body = response.body;
    expect(body).toContain('微信登录');
    expect(body).toContain('使用微信扫一扫登录');
    expect(body).toContain(`“${APP.name}”`);
    expect(body).toContain('这不是微信');
    expect(body).toMatch(/<img class="qrcode lightBorder" src="\/connect\/qrcode\/\w{16}"/);
    expect(body).not.toMatch(/<script>|<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
    expect(body).toContain('data-navigate="self"');
  });

  it('is in English with lang=en', async () => {
    const body = (await t.app.inject(qrconnectPath({ lang: 'en' }))).body;
    expect(body).toContain('Scan with WeChat to log in');
    expect(body).toContain('<html lang="en">');
  });

  it.each([
    ['cn', undefined, 'zh-CN', '用模拟手机扫码'],
    ['cn', 'cn', 'zh-CN', '用模拟手机扫码'],
    ['en', 'en', 'en', 'Scan with the emulated phone'],
  ])('has a phone button in the page’s language that opens the phone page with lang=%s (page lang=%s)', async (phoneLang, lang, htmlLang, text) => {
    for (const embedded of [{}, { login_type: 'jssdk', self_redirect: 'false', stylelite: '1' }]) {
      const body = (await t.app.inject(qrconnectPath({ lang, ...embedded }))).body;
      const uuid = t.emulator.qr.list()[0]?.uuid ?? '';
      const phoneUrl = `${BASE_URL}/connect/confirm?uuid=${uuid}&lang=${phoneLang}`;
      expect(body).toContain(`<html lang="${htmlLang}">`);
      const button = /<a class="emu-phone-button"[^>]*>([^<]*)<\/a>/.exec(body);
      expect(button?.[1]).toBe(text);
      expect(button?.[0]).toContain('target="_blank" rel="noopener"');
      expect(hrefs(button?.[0] ?? '')).toEqual([phoneUrl]);
      // Where a sandboxed frame may not open a tab, the script sends the whole tab there instead.
      expect(attributeValues(button?.[0] ?? '', 'data-same-tab-href')).toEqual([`${phoneUrl}&same_tab=1`]);
    }
  });

  it('keeps the short emulator notice in the embedded QR, the long one on the full page', async () => {
    const embedded = (await t.app.inject(qrconnectPath({ login_type: 'jssdk', lang: 'en' }))).body;
    expect(embedded).toContain('>Emulator — this is not WeChat, for development and tests only<');
    const full = (await t.app.inject(qrconnectPath({ lang: 'en' }))).body;
    expect(full).toContain('This page comes from wecas’s WeChat Open Platform emulator');
  });

  it('serves a QR PNG that encodes the phone page of its uuid', async () => {
    const uuid = await startQr(t.app);
    const response = await t.app.inject(`/connect/qrcode/${uuid}`);
    expect(response.headers['content-type']).toBe('image/png');
    const expected = await QRCode.toBuffer(`${BASE_URL}/connect/confirm?uuid=${uuid}`, { type: 'png', margin: 1, width: 300 });
    expect(response.rawPayload.equals(expected)).toBe(true);
    expect((await t.app.inject('/connect/qrcode/nope')).statusCode).toBe(404);
  });

  it('answers f=xml with the uuid, a new one each time', async () => {
    const first = await startQr(t.app);
    const second = await startQr(t.app);
    expect(first).not.toBe(second);
    expect(t.emulator.qr.get(first)?.state).toBe('st4te');
  });

  it.each([
    ['true', 'self'],
    ['false', 'top'],
    [undefined, 'top'], // wxLogin sends "default" when self_redirect is omitted
    ['default', 'top'],
  ])('embedded (login_type=jssdk) with self_redirect=%s navigates %s', async (selfRedirect, navigate) => {
    const body = (await t.app.inject(qrconnectPath({ login_type: 'jssdk', self_redirect: selfRedirect ?? 'default' }))).body;
    expect(body).toContain(`data-navigate="${navigate}"`);
    expect(body).toContain('emu-embedded');
  });

  it('honours wxLogin’s style, href and stylelite', async () => {
    const custom = (await t.app.inject(qrconnectPath({ login_type: 'jssdk', style: 'white', href: '/my.css' }))).body;
    expect(custom).toContain('emu-text-white');
    expect(custom).toContain('<link rel="stylesheet" href="/my.css">');
    const lite = (await t.app.inject(qrconnectPath({ login_type: 'jssdk', href: '/my.css', stylelite: '1' }))).body;
    expect(lite).toContain('emu-stylelite');
    expect(lite).not.toContain('/my.css');
  });

  it('marks the deny behaviour of the app: today’s (stay) or the legacy redirect', async () => {
    expect((await t.app.inject(qrconnectPath())).body).toContain('data-legacy-deny="0"');
    const legacy = await t.app.inject(qrconnectPath({ appid: OTHER_APP.appId, redirect_uri: 'https://other.example/cb' }));
    expect(legacy.body).toContain('data-legacy-deny="1"');
    t.emulator.setLegacyDenyRedirect(APP.appId, true);
    expect((await t.app.inject(qrconnectPath())).body).toContain('data-legacy-deny="1"');
  });

  it('escapes what it echoes', async () => {
    const body = (await t.app.inject(qrconnectPath({ state: '"><script>x</script>' }))).body;
    expect(body).not.toContain('<script>x');
    expect(body).toContain('data-state="&#34;&#62;&#60;script&#62;x&#60;/script&#62;"');
  });
});

describe('status long-poll (connect/l/qrconnect)', () => {
  it('reports 408 when nothing happens during the hold', async () => {
    expect(await poll(await startQr(t.app))).toBe("window.wx_errcode=408;window.wx_code='';");
  });

  it('walks 404 (scanned) → 403 (refused) → 404 (scanned again) → 405 with the code', async () => {
    const uuid = await startQr(t.app);
    t.emulator.scan(uuid, 'lina');
    expect(await poll(uuid)).toBe("window.wx_errcode=404;window.wx_code='';");
    expect(await poll(uuid, 404)).toBe("window.wx_errcode=408;window.wx_code='';");
    t.emulator.denyScanned(uuid);
    expect(await poll(uuid, 404)).toBe("window.wx_errcode=403;window.wx_code='';");
    t.emulator.scan(uuid, 'lina');
    expect(await poll(uuid, 403)).toBe("window.wx_errcode=404;window.wx_code='';");
    const { code } = t.emulator.allowScanned(uuid);
    expect(code).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(await poll(uuid, 404)).toBe(`window.wx_errcode=405;window.wx_code='${code}';`);
  });

  it('is answered as soon as the phone acts, while held open', async () => {
    const { app, emulator } = t;
    emulator.updateSettings({ longPollHoldMs: 120_000 });
    const uuid = await startQr(app);
    const pending = poll(uuid);
    await new Promise((resolve) => setImmediate(resolve));
    emulator.scan(uuid);
    // Would time the test out (and fail) if the change did not wake the poll.
    expect(await pending).toBe("window.wx_errcode=404;window.wx_code='';");
  });

  it('reports 402 once the QR has expired on the emulator clock, and for unknown uuids', async () => {
    const uuid = await startQr(t.app);
    t.emulator.advanceClock(t.emulator.settings.qrLifetimeMs - 1);
    expect(await poll(uuid)).toContain('wx_errcode=408');
    t.emulator.advanceClock(1);
    expect(await poll(uuid)).toContain('wx_errcode=402');
    expect(await poll('unknownuuid00000')).toContain('wx_errcode=402');
    expect(() => t.emulator.scan(uuid)).toThrow('qr_expired');
  });

  it('expires a QR on demand, and a QR lifetime of 0 expires at once', async () => {
    const uuid = await startQr(t.app);
    t.emulator.expireQr(uuid);
    expect(await poll(uuid)).toContain('wx_errcode=402');
    t.emulator.updateSettings({ qrLifetimeMs: 0 });
    expect(await poll(await startQr(t.app))).toContain('wx_errcode=402');
  });

  it('auto-approves new QRs for headless tests', async () => {
    t.emulator.updateSettings({ autoApprovePersonaId: 'alice' });
    const uuid = await startQr(t.app);
    const session = t.emulator.qr.get(uuid);
    expect(session?.personaId).toBe('alice');
    expect(await poll(uuid)).toBe(`window.wx_errcode=405;window.wx_code='${session?.code}';`);
  });
});

describe('wxLogin.js', () => {
  it('builds WeChat’s iframe URL against the emulator', async () => {
    const response = await t.app.inject('/connect/zh_CN/htmledition/js/wxLogin.js');
    expect(response.headers['content-type']).toBe('application/javascript; charset=utf-8');
    const iframes: Array<Record<string, string>> = [];
    const container = { innerHTML: 'x', appendChild: (el: Record<string, string>) => iframes.push(el) };
    const fakeWindow: { WxLogin?: new (o: object) => unknown } = {};
    const fakeDocument = { createElement: () => ({}), getElementById: () => container };
    new Function('window', 'document', response.body)(fakeWindow, fakeDocument);
    const WxLogin = fakeWindow.WxLogin;
    if (!WxLogin) throw new Error('no WxLogin');
    new WxLogin({
      id: 'c',
      appid: APP.appId,
      scope: 'snsapi_login',
      redirect_uri: encodeURIComponent(CALLBACK),
      state: 's',
      self_redirect: true,
      lang: 'en',
      stylelite: 1,
    });
    new WxLogin({ id: 'c', appid: APP.appId, scope: 'snsapi_login', redirect_uri: encodeURIComponent(CALLBACK), state: 's' });
    expect(iframes[0]?.src).toBe(
      `${BASE_URL}/connect/qrconnect?appid=${APP.appId}&scope=snsapi_login&redirect_uri=${encodeURIComponent(CALLBACK)}&state=s&login_type=jssdk&self_redirect=true&styletype=&sizetype=&bgcolor=&rst=&lang=en&stylelite=1`,
    );
    expect(iframes[1]?.src).toContain('&self_redirect=default&');
    expect(iframes[0]).toMatchObject({ width: '300px', height: '400px', frameBorder: '0', scrolling: 'no', allow: 'local-network-access' });
    expect(container.innerHTML).toBe('');
  });
});
