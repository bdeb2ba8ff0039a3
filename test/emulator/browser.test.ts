// The emulator in a real browser: a bare site shows the emulated QR (full page and embedded
// wxLogin iframe), a second page plays the phone, and the site lands on its callback with a code.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorAppConfig, EmulatorOptions } from '../../emulator/app.js';
import type { Emulator } from '../../emulator/emulator.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { freePort, serveEmulatorUnderCsp } from './helpers.js';

let browser: Browser;
let emulatorServer: FastifyInstance;
let site: FastifyInstance;
let emulator: Emulator;
let emulatorBase: string;
let siteBase: string;
let app: EmulatorAppConfig;
let context: BrowserContext;
const cspViolations: string[] = [];

/** A bare site (wecas's own WeChat sign-in is not built yet): links to qrconnect, embeds wxLogin, shows its callback. */
function buildSite(): FastifyInstance {
  const server = Fastify();
  const callback = `${siteBase}/callback`;
  const send = (html: string) => `<!doctype html><html><head><meta charset="utf-8"><title>site</title></head><body>${html}</body></html>`;
  server.get('/', async (_request, reply) => {
    const query = new URLSearchParams({ appid: app.appId, redirect_uri: callback, response_type: 'code', scope: 'snsapi_login', state: 'abc123' });
    return reply.type('text/html').send(send(`<a id="login" href="${emulatorBase}/connect/qrconnect?${query}#wechat_redirect">微信登录</a>`));
  });
  server.get<{ Querystring: { self_redirect: string } }>('/embedded', async (request, reply) => {
    const selfRedirect = request.query.self_redirect === 'true';
    return reply.type('text/html').send(
      send(`<h1>embedded</h1><div id="qr"></div>
<script src="${emulatorBase}/connect/zh_CN/htmledition/js/wxLogin.js"></script>
<script>new WxLogin({ self_redirect: ${selfRedirect}, id: 'qr', appid: '${app.appId}', scope: 'snsapi_login', redirect_uri: encodeURIComponent('${callback}'), state: 'emb', style: 'black' });</script>`),
    );
  });
  server.get<{ Querystring: Record<string, string> }>('/callback', async (request, reply) =>
    reply
      .type('text/html')
      .send(
        send(
          `<p id="code">${request.query.code ?? ''}</p><p id="state">${request.query.state ?? ''}</p><p id="has-code">${'code' in request.query}</p>`,
        ),
      ),
  );
  return server;
}

beforeAll(async () => {
  const [emulatorPort, sitePort] = [await freePort(), await freePort()];
  emulatorBase = `http://127.0.0.1:${emulatorPort}`;
  siteBase = `http://localhost:${sitePort}`; // another origin than the emulator, as with WeChat
  app = { appId: 'wx5b1c0f3e2d4a6987', appSecret: 'b'.repeat(32), name: '浏览器测试站', callbackDomain: `localhost:${sitePort}` };
  const options: EmulatorOptions = { apps: [app], publicBaseUrl: emulatorBase, testControl: true };
  ({ emulator, server: emulatorServer } = await serveEmulatorUnderCsp(options, emulatorPort));
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
  context = await browser.newContext();
  emulator.reset();
});

function watch(page: Page): Page {
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return page;
}

async function openPhone(phoneUrl: string, persona: string): Promise<Page> {
  const phone = watch(await context.newPage());
  await phone.setViewportSize(PHONE_VIEWPORT);
  await phone.goto(phoneUrl);
  await phone.getByRole('button', { name: new RegExp(persona) }).click();
  await phone.getByRole('button', { name: '允许' }).waitFor();
  return phone;
}

async function tokenCall(code: string): Promise<Record<string, unknown>> {
  const query = new URLSearchParams({ appid: app.appId, secret: app.appSecret, code, grant_type: 'authorization_code' });
  return (await (await fetch(`${emulatorBase}/sns/oauth2/access_token?${query}`)).json()) as Record<string, unknown>;
}

describe('full-page qrconnect in a browser', () => {
  it('QR page → phone allows → callback with a code the token API accepts once', async () => {
    const pc = watch(await context.newPage());
    await pc.setViewportSize(DESKTOP_VIEWPORT);
    await pc.goto(`${siteBase}/`);
    await pc.click('#login');
    await pc.locator('img.qrcode').waitFor();
    // The element is there before its image has loaded: wait for the pixels, not the tag.
    await expect.poll(() => pc.locator('img.qrcode').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await expect.poll(() => pc.locator('body').innerText()).toContain('这不是微信');
    await pc.screenshot({ path: artifactPath('emulator-qrconnect.png') });

    const phoneUrl = await pc.locator('.emu-phone-link a').getAttribute('href');
    const phone = await openPhone(String(phoneUrl), '李娜');
    await pc.locator('#wx_after_scan').waitFor({ state: 'visible' });
    await phone.screenshot({ path: artifactPath('emulator-phone-authorize.png') });
    await phone.getByRole('button', { name: '允许' }).click();
    await phone.getByText('已确认登录').waitFor();

    await pc.waitForURL(/\/callback\?/);
    expect(pc.url()).toMatch(/\/callback\?code=[0-9A-Za-z]{32}&state=abc123$/);
    const code = await pc.locator('#code').innerText();
    const first = await tokenCall(code);
    expect(first).toMatchObject({ expires_in: 7200, scope: 'snsapi_login' });
    const second = await tokenCall(code);
    expect(second.errcode).toBe(40163);
    expect(cspViolations).toEqual([]);
  });

  it('Deny: the page says the login was cancelled and stays; a new scan can still allow', async () => {
    const pc = watch(await context.newPage());
    await pc.goto(`${siteBase}/`);
    await pc.click('#login');
    const phoneUrl = String(await pc.locator('.emu-phone-link a').getAttribute('href'));
    const phone = await openPhone(phoneUrl, '张伟');
    await phone.getByRole('button', { name: '拒绝' }).click();
    await phone.getByText('已拒绝登录').waitFor();
    await pc.locator('#wx_after_cancel').waitFor({ state: 'visible' });
    expect(await pc.locator('#wx_after_cancel').innerText()).toContain('您已取消此次登录');
    expect(pc.url()).toContain('/connect/qrconnect');
    await pc.screenshot({ path: artifactPath('emulator-qrconnect-cancelled.png') });

    const again = await openPhone(phoneUrl, '张伟');
    await again.getByRole('button', { name: '允许' }).click();
    await pc.waitForURL(/\/callback\?code=/);
    expect(cspViolations).toEqual([]);
  });

  it('Deny with the legacy switch: the page goes to redirect_uri?state= without a code', async () => {
    emulator.setLegacyDenyRedirect(app.appId, true);
    const pc = watch(await context.newPage());
    await pc.goto(`${siteBase}/`);
    await pc.click('#login');
    const phone = await openPhone(String(await pc.locator('.emu-phone-link a').getAttribute('href')), '张伟');
    await phone.getByRole('button', { name: '拒绝' }).click();
    await pc.waitForURL(/\/callback\?/);
    expect(new URL(pc.url()).search).toBe('?state=abc123');
    expect(await pc.locator('#has-code').innerText()).toBe('false');
  });
});

describe('embedded wxLogin iframe in a browser', () => {
  it.each([
    [false, 'the top window'],
    [true, 'the iframe'],
  ])('self_redirect=%s: after Allow, %s lands on the callback', async (selfRedirect) => {
    const pc = watch(await context.newPage());
    await pc.setViewportSize(DESKTOP_VIEWPORT);
    await pc.goto(`${siteBase}/embedded?self_redirect=${selfRedirect}`);
    const frame = pc.frameLocator('#qr iframe');
    await frame.locator('img.qrcode').waitFor();
    await pc.screenshot({ path: artifactPath(`emulator-wxlogin-self_redirect-${selfRedirect}.png`) });
    // WeChat's 300×400 frame holds the QR and the phone button without scrolling.
    const box = await pc.locator('#qr iframe').boundingBox();
    const button = await frame.locator('.emu-phone-button').boundingBox();
    expect(button && box && button.y + button.height <= box.y + box.height - 8).toBe(true);
    const session = emulator.qr.list()[0];
    if (!session) throw new Error('no QR session');
    expect(session.selfRedirect).toBe(String(selfRedirect));

    const phone = await openPhone(emulator.phoneUrl(session.uuid), 'Alice');
    await phone.getByRole('button', { name: '允许' }).click();

    let code: string;
    if (selfRedirect) {
      await frame.locator('#code').waitFor();
      code = await frame.locator('#code').innerText();
      expect(pc.url()).toBe(`${siteBase}/embedded?self_redirect=true`); // the top window stayed
      expect(await frame.locator('#state').innerText()).toBe('emb');
    } else {
      await pc.waitForURL(/\/callback\?/);
      code = await pc.locator('#code').innerText();
    }
    expect(code).toMatch(/^[0-9A-Za-z]{32}$/);
    expect((await tokenCall(code)).access_token).toBeTypeOf('string');
    expect((await tokenCall(code)).errcode).toBe(40163);
    expect(cspViolations).toEqual([]);
  });
});
