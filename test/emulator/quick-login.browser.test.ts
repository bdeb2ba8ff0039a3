// Desktop quick login (快速登录) in Chromium, with the QR frame on another origin than the page that embeds it, as
// with WeChat: the frame may look for a desktop client only when its embedder allowed local network access
// (Chrome 142+), as WeChat's page can reach the client on this PC only then. A hand-built frame with and without
// `allow="local-network-access"`, and the emulator's wxLogin.js (with fast_login=0 too). Screenshots go to test-artifacts/.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorAppConfig, EmulatorOptions } from '../../emulator/app.js';
import type { Emulator } from '../../emulator/emulator.js';
import { openidFor } from '../../emulator/ids.js';
import { artifactPath, launchBrowser } from '../support/browser.js';
import { freePort, serveEmulatorUnderCsp } from './helpers.js';

const WECAS_SANDBOX = 'allow-scripts allow-same-origin allow-top-navigation';

let browser: Browser;
let emulatorServer: FastifyInstance;
let site: FastifyInstance;
let emulator: Emulator;
let emulatorBase: string;
let siteBase: string;
let app: EmulatorAppConfig;
let context: BrowserContext;
const cspViolations: string[] = [];

/** A site on another origin than the emulator: a hand-built QR frame (with or without `allow`), wxLogin.js, a callback. */
function buildSite(): FastifyInstance {
  const server = Fastify();
  const callback = `${siteBase}/callback`;
  const send = (html: string) => `<!doctype html><html><head><meta charset="utf-8"><title>site</title></head><body>${html}</body></html>`;
  server.get<{ Querystring: { allow?: string; self_redirect?: string; lang?: string } }>('/frame', async (request, reply) => {
    const query = new URLSearchParams({
      appid: app.appId,
      scope: 'snsapi_login',
      redirect_uri: callback,
      state: 'frame',
      login_type: 'jssdk',
      self_redirect: request.query.self_redirect ?? 'false',
      stylelite: '1',
      ...(request.query.lang === 'en' ? { lang: 'en' } : {}),
    });
    const allow = request.query.allow === '1' ? ' allow="local-network-access"' : '';
    return reply
      .type('text/html')
      .send(
        send(
          `<h1>frame</h1><iframe id="qr" src="${emulatorBase}/connect/qrconnect?${query}" sandbox="${WECAS_SANDBOX}"${allow} width="300" height="340" scrolling="no"></iframe>`,
        ),
      );
  });
  server.get<{ Querystring: { fast_login?: string } }>('/wxlogin', async (request, reply) => {
    const fastLogin = request.query.fast_login === '0' ? ', fast_login: 0' : '';
    return reply.type('text/html').send(
      send(`<h1>wxlogin</h1><div id="qr"></div>
<script src="${emulatorBase}/connect/zh_CN/htmledition/js/wxLogin.js"></script>
<script>new WxLogin({ id: 'qr', appid: '${app.appId}', scope: 'snsapi_login', redirect_uri: encodeURIComponent('${callback}'), state: 'wx'${fastLogin} });</script>`),
    );
  });
  server.get<{ Querystring: Record<string, string> }>('/callback', async (request, reply) =>
    reply.type('text/html').send(send(`<p id="code">${request.query.code ?? ''}</p><p id="state">${request.query.state ?? ''}</p>`)),
  );
  return server;
}

beforeAll(async () => {
  const [emulatorPort, sitePort] = [await freePort(), await freePort()];
  emulatorBase = `http://127.0.0.1:${emulatorPort}`;
  siteBase = `http://localhost:${sitePort}`; // another origin than the emulator, as with WeChat
  app = { appId: 'wx7d2e4f6a8b0c1e35', appSecret: 'd'.repeat(32), name: '快速登录测试站', callbackDomain: `localhost:${sitePort}` };
  const options: EmulatorOptions = { apps: [app], publicBaseUrl: emulatorBase, testControl: true };
  ({ emulator, server: emulatorServer } = await serveEmulatorUnderCsp(options, emulatorPort, { longPollHoldMs: 500 }));
  site = buildSite();
  await site.listen({ port: sitePort, host: '127.0.0.1' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await emulatorServer?.close();
});

beforeEach(async () => {
  cspViolations.length = 0;
  await context?.close();
  context = await browser.newContext({ locale: 'zh-CN' });
  emulator.reset();
  emulator.setDesktopClient('lina');
});

/** Opens a site page and records what its QR frame asked for; resolves once the frame's long-poll has started. */
async function open(path: string): Promise<{ page: Page; frame: Frame; requested: string[] }> {
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  const requested: string[] = [];
  page.on('request', (request) => {
    requested.push(request.url());
  });
  const polling = page.waitForRequest((request) => request.url().includes('/connect/l/qrconnect'));
  await page.goto(`${siteBase}${path}`);
  await polling;
  const frame = page.frames().find((f) => f.url().includes('/connect/qrconnect'));
  if (!frame) throw new Error('no QR frame');
  return { page, frame, requested };
}

const probes = (requested: string[]) => requested.filter((url) => url.includes('/__emulator/desktop-client/check-login'));
const allowsLocalNetwork = (frame: Frame) =>
  frame.evaluate(() =>
    (document as unknown as { featurePolicy: { allowsFeature(f: string): boolean } }).featurePolicy.allowsFeature('local-network-access'),
  );

async function tokenCall(code: string): Promise<Record<string, unknown>> {
  const query = new URLSearchParams({ appid: app.appId, secret: app.appSecret, code, grant_type: 'authorization_code' });
  return (await (await fetch(`${emulatorBase}/sns/oauth2/access_token?${query}`)).json()) as Record<string, unknown>;
}

describe('quick login needs local network access for the frame', () => {
  it('a hand-built frame without allow="local-network-access": the browser would block the probe, so only the QR', async () => {
    const { page, frame, requested } = await open('/frame');
    expect(await allowsLocalNetwork(frame)).toBe(false);
    await frame.locator('img.qrcode').waitFor({ state: 'visible' });
    // The probe would have been sent before the long-poll; give a late one a moment anyway.
    await page.waitForTimeout(300);
    expect(probes(requested)).toEqual([]);
    expect(await frame.locator('#wx_quick_login').isHidden()).toBe(true);
    expect(cspViolations).toEqual([]);
  });

  it('with it: the desktop account, 快速登录, and with self_redirect=true the frame itself goes to the callback with a code that works once', async () => {
    const { page, frame, requested } = await open('/frame?allow=1&self_redirect=true');
    expect(await allowsLocalNetwork(frame)).toBe(true);
    await frame.locator('#wx_quick_login').waitFor({ state: 'visible' });
    expect(probes(requested)).toHaveLength(1);
    expect(await frame.locator('#wx_quick_nickname').innerText()).toBe('李娜');
    await page.screenshot({ path: artifactPath('emulator-quick-login-frame-zh.png') });

    await frame.getByRole('button', { name: '快速登录' }).click();
    await frame.waitForURL(/\/callback\?/);
    expect(page.url()).toBe(`${siteBase}/frame?allow=1&self_redirect=true`);
    expect(frame.url()).toMatch(/\/callback\?code=[0-9A-Za-z_-]{32}&state=frame$/);
    const code = await frame.locator('#code').innerText();
    expect(await tokenCall(code)).toMatchObject({ openid: openidFor(app.appId, 'lina'), scope: 'snsapi_login' });
    expect((await tokenCall(code)).errcode).toBe(40163);
    expect(cspViolations).toEqual([]);
  });

  it('in English, 使用其他帐号 / Use another account shows the QR, and a phone can still scan it', async () => {
    const { page, frame } = await open('/frame?allow=1&lang=en');
    await frame.locator('#wx_quick_login').waitFor({ state: 'visible' });
    await page.screenshot({ path: artifactPath('emulator-quick-login-frame-en.png') });
    await frame.getByRole('link', { name: 'Use another account' }).click();
    await frame.locator('img.qrcode').waitFor({ state: 'visible' });
    await page.screenshot({ path: artifactPath('emulator-quick-login-frame-qr-en.png') });
    const uuid = String(await frame.locator('#wx_emulator_login').getAttribute('data-uuid'));
    emulator.confirm(uuid, 'zhangwei');
    // self_redirect=false: the top window goes to the callback.
    await page.waitForURL(/\/callback\?code=/);
    expect(await page.locator('#state').innerText()).toBe('frame');
  });

  it('the emulator’s wxLogin.js lets its frame reach the local network: quick login moves the top window; fast_login: 0 turns it off', async () => {
    const { page, frame, requested } = await open('/wxlogin');
    expect(await page.locator('#qr iframe').getAttribute('allow')).toBe('local-network-access');
    await frame.locator('#wx_quick_login').waitFor({ state: 'visible' });
    expect(probes(requested)).toHaveLength(1);
    await frame.getByRole('button', { name: '快速登录' }).click();
    await page.waitForURL(/\/callback\?code=/);
    expect(await page.locator('#state').innerText()).toBe('wx');

    const off = await open('/wxlogin?fast_login=0');
    await off.frame.locator('img.qrcode').waitFor({ state: 'visible' });
    await off.page.waitForTimeout(300);
    expect(probes(off.requested)).toEqual([]);
    expect(await off.frame.locator('#wx_quick_login').count()).toBe(0);
    expect(cspViolations).toEqual([]);
  });

  it('a person turns the desktop client on and off on the development page (inside-WeChat), in both languages', async () => {
    emulator.setDesktopClient(null);
    const dev = await context.newPage();
    await dev.goto(`${emulatorBase}/__emulator/inside-wechat`);
    const card = dev.locator('#emu-desktop-client');
    expect(await card.locator('#emu-desktop-user').innerText()).toBe('未登录（二维码页面只显示二维码）');
    await dev.locator('#emu-desktop-persona').selectOption({ label: 'Alice 王🌸' });
    await card.getByRole('button', { name: '登录桌面微信' }).click();
    await dev.waitForURL(/\/__emulator\/inside-wechat/);
    expect(await card.locator('#emu-desktop-user').innerText()).toBe('Alice 王🌸');
    await card.screenshot({ path: artifactPath('emulator-desktop-client-switch-zh.png') });

    const { frame } = await open('/frame?allow=1');
    await frame.locator('#wx_quick_login').waitFor({ state: 'visible' });
    expect(await frame.locator('#wx_quick_nickname').innerText()).toBe('Alice 王🌸');

    await dev.getByRole('link', { name: 'English' }).click();
    await dev.waitForURL(/lang=en/);
    await card.screenshot({ path: artifactPath('emulator-desktop-client-switch-en.png') });
    await card.getByRole('button', { name: 'Sign out of WeChat for desktop' }).click();
    await dev.waitForURL(/lang=en/);
    expect(await card.locator('#emu-desktop-user').innerText()).toBe('Not signed in (QR pages show only the QR code)');

    const after = await open('/frame?allow=1');
    await after.frame.locator('img.qrcode').waitFor({ state: 'visible' });
    await expect.poll(() => probes(after.requested).length).toBe(1);
    await after.page.waitForTimeout(300);
    expect(await after.frame.locator('#wx_quick_login').isHidden()).toBe(true);
  });

  it('a QR that expires while quick login is shown: the expired QR with its refresh, and no quick login for it', async () => {
    const { frame } = await open('/frame?allow=1');
    await frame.locator('#wx_quick_login').waitFor({ state: 'visible' });
    emulator.expireQr(String(await frame.locator('#wx_emulator_login').getAttribute('data-uuid')));
    await frame.locator('#wx_expired').waitFor({ state: 'visible' });
    expect(await frame.locator('#wx_expired').innerText()).toContain('二维码已失效');
    expect(await frame.locator('#wx_quick_login').isHidden()).toBe(true);
    expect(await frame.locator('#wx_quick_back').isHidden()).toBe(true);
  });
});
