// The "Scan with the emulated phone" button under the QR, in Chromium, as wecas's login page embeds
// the QR: the emulator mounted at /__wechat of the site, a 300×340 iframe with wecas's sandbox
// (which has no allow-popups), and the same page with popups allowed. Screenshots go to test-artifacts/.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmulator, type EmulatorAppConfig, type EmulatorOptions, emulatorPlugin } from '../../emulator/app.js';
import type { Emulator } from '../../emulator/emulator.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { freePort } from './helpers.js';

const WECAS_CSP = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'";
/** wecas's login page (src/web/views/login.eta) at the time of writing. */
const WECAS_SANDBOX = 'allow-scripts allow-same-origin allow-top-navigation';
/** What a page needs for the button's new tab (and for the phone's forms to work in it). */
const POPUP_SANDBOX = `${WECAS_SANDBOX} allow-popups allow-popups-to-escape-sandbox`;

let browser: Browser;
let server: FastifyInstance;
let emulator: Emulator;
let origin: string;
let context: BrowserContext;
const cspViolations: string[] = [];

/** A site like wecas: the emulator under /__wechat (behind wecas's CSP), a login page embedding it, a callback. */
async function buildSite(app: EmulatorAppConfig, options: EmulatorOptions): Promise<FastifyInstance> {
  const site = Fastify();
  site.addHook('onSend', async (request, reply) => {
    if (request.url.startsWith('/__wechat/')) reply.header('content-security-policy', WECAS_CSP);
  });
  await site.register(emulatorPlugin, { prefix: '/__wechat', ...options, emulator });
  site.get<{ Querystring: { lang?: string; sandbox?: string } }>('/login', async (request, reply) => {
    const query = new URLSearchParams({
      appid: app.appId,
      scope: 'snsapi_login',
      redirect_uri: `${origin}/callback`,
      state: 'st',
      login_type: 'jssdk',
      self_redirect: 'false',
      stylelite: '1',
      ...(request.query.lang === 'en' ? { lang: 'en' } : {}),
    });
    const sandbox = request.query.sandbox === 'popups' ? POPUP_SANDBOX : WECAS_SANDBOX;
    // wecas's .wechat-qr rule: 300×340, narrower when the page is.
    return reply.type('text/html; charset=utf-8').send(`<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>login</title>
<style>body { margin: 0; padding: 16px; } .wechat-qr { width: 300px; height: 340px; max-width: 100%; border: 0; overflow: hidden; }</style></head>
<body><h1>Sign in</h1><iframe class="wechat-qr" src="/__wechat/connect/qrconnect?${query}" sandbox="${sandbox}" scrolling="no"></iframe></body></html>`);
  });
  site.get<{ Querystring: Record<string, string> }>('/callback', async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(`<p id="code">${request.query.code ?? ''}</p><p id="state">${request.query.state ?? ''}</p>`),
  );
  return site;
}

beforeAll(async () => {
  const port = await freePort();
  origin = `http://127.0.0.1:${port}`;
  const app: EmulatorAppConfig = { appId: 'wx3c5e7a9b1d2f4068', appSecret: 'c'.repeat(32), name: 'wecas', callbackDomain: `127.0.0.1:${port}` };
  const options: EmulatorOptions = { apps: [app], publicBaseUrl: `${origin}/__wechat`, testControl: true };
  emulator = createEmulator(options, { longPollHoldMs: 500 });
  server = await buildSite(app, options);
  await server.listen({ port, host: '127.0.0.1' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.close();
});

beforeEach(async () => {
  cspViolations.length = 0;
  await context?.close();
  context = await browser.newContext({ viewport: DESKTOP_VIEWPORT });
  context.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  emulator.reset();
});

async function loginPage(query: string, viewport = DESKTOP_VIEWPORT): Promise<{ page: Page; frame: Frame }> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  await page.goto(`${origin}/login?${query}`);
  const frame = page.frame({ url: /\/__wechat\/connect\/qrconnect\?/ });
  if (!frame) throw new Error('no QR frame');
  await frame.locator('img.qrcode').waitFor();
  return { page, frame };
}

/** Everything in the QR frame is inside its 300×340 box (or the narrower one a phone gives it). */
async function expectButtonInsideFrame(page: Page, frame: Frame): Promise<void> {
  const box = await page.locator('iframe.wechat-qr').boundingBox();
  const button = await frame.locator('.emu-phone-button').boundingBox();
  if (!box || !button) throw new Error('iframe or button not laid out');
  expect(button.height).toBeGreaterThanOrEqual(28); // a button, not 10 px text
  expect(button.x).toBeGreaterThanOrEqual(box.x);
  expect(button.x + button.width).toBeLessThanOrEqual(box.x + box.width);
  // Some room to spare: other systems' fonts are a little larger or smaller than Chromium's here.
  expect(button.y + button.height).toBeLessThanOrEqual(box.y + box.height - 8);
  const overflow = await frame.evaluate(() => ({
    x: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    y: document.documentElement.scrollHeight - document.documentElement.clientHeight,
  }));
  expect(overflow).toEqual({ x: 0, y: 0 });
}

async function uuidOf(frame: Frame): Promise<string> {
  return String(await frame.locator('#wx_emulator_login').getAttribute('data-uuid'));
}

describe('the phone button under the embedded QR', () => {
  it.each([
    ['zh', '', '用模拟手机扫码', 'cn'],
    ['en', 'lang=en', 'Scan with the emulated phone', 'en'],
  ])('(%s) is a visible button, in the page’s language, that fits the frame on desktop and phone widths', async (name, query, text, lang) => {
    const { page, frame } = await loginPage(query);
    const button = frame.locator('.emu-phone-button');
    expect(await button.innerText()).toBe(text);
    expect(await button.isVisible()).toBe(true);
    expect(await button.getAttribute('target')).toBe('_blank');
    expect(await button.getAttribute('href')).toBe(`${origin}/__wechat/connect/confirm?uuid=${await uuidOf(frame)}&lang=${lang}`);
    await expectButtonInsideFrame(page, frame);
    await page.screenshot({ path: artifactPath(`emulator-phone-button-${name}-desktop.png`) });
    for (const [width, viewport] of [
      ['phone', PHONE_VIEWPORT],
      ['narrow-phone', { width: 320, height: 640 }],
    ] as const) {
      await page.setViewportSize(viewport);
      await expectButtonInsideFrame(page, frame);
      await page.screenshot({ path: artifactPath(`emulator-phone-button-${name}-${width}.png`) });
    }
    expect(cspViolations).toEqual([]);
  });

  it('with popups allowed: opens the phone in a new tab, in the page’s language; the frame stays; Allow signs the page in', async () => {
    const { page, frame } = await loginPage('sandbox=popups&lang=en');
    const [phone] = await Promise.all([context.waitForEvent('page'), frame.locator('.emu-phone-button').click()]);
    await phone.waitForLoadState();
    expect(phone.url()).toBe(`${origin}/__wechat/connect/confirm?uuid=${await uuidOf(frame)}&lang=en`);
    expect(await phone.getAttribute('html', 'lang')).toBe('en');
    expect(await phone.evaluate(() => window.opener)).toBeNull();
    expect(page.url()).toBe(`${origin}/login?sandbox=popups&lang=en`);
    expect(frame.url()).toMatch(/\/__wechat\/connect\/qrconnect\?/);

    await phone.setViewportSize(PHONE_VIEWPORT);
    await phone.getByRole('button', { name: /Alice/ }).click();
    await phone.getByRole('button', { name: 'Allow' }).click();
    await phone.getByText('Login confirmed').waitFor();
    await page.waitForURL(/\/callback\?code=/);
    expect(await page.locator('#state').innerText()).toBe('st');
    expect(cspViolations).toEqual([]);
  });

  it('inside wecas’s sandbox (no popups): the phone takes the tab, not the frame, and after Allow the tab goes on to the callback', async () => {
    const { page, frame } = await loginPage('');
    const uuid = await uuidOf(frame);
    await frame.locator('.emu-phone-button').click();
    await page.waitForURL(/\/__wechat\/connect\/confirm\?/);
    expect(page.url()).toBe(`${origin}/__wechat/connect/confirm?uuid=${uuid}&lang=cn&same_tab=1`);
    expect(context.pages()).toHaveLength(1);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.getByRole('button', { name: /李娜/ }).click();
    await page.getByRole('button', { name: '允许' }).click();
    await page.waitForURL(/\/callback\?code=/);
    expect(await page.locator('#state').innerText()).toBe('st');
    expect(emulator.qr.get(uuid)).toMatchObject({ status: 'confirmed', personaId: 'lina' });
    expect(cspViolations).toEqual([]);
  });

  it('inside wecas’s sandbox: Deny on the same-tab phone offers the way back to the site, as WeChat’s older page did', async () => {
    const { page, frame } = await loginPage('lang=en');
    await frame.locator('.emu-phone-button').click();
    await page.waitForURL(/same_tab=1/);
    await page.getByRole('button', { name: /张伟/ }).click();
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('Login denied').waitFor();
    await page.screenshot({ path: artifactPath('emulator-phone-same-tab-denied-en.png') });
    await page.getByRole('link', { name: 'Back to the website' }).click();
    await page.waitForURL(`${origin}/callback?state=st`);
  });
});
