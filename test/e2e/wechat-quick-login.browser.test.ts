/**
 * Desktop quick login (快速登录) end to end in Chromium: "this PC" has a desktop WeChat signed in (the emulator's
 * switch stands in for the client), so the QR frame on wecas's login page offers that account instead of the QR;
 * confirming there signs the person in as a scan and Allow on the phone would. The frame wecas builds must let
 * WeChat's page reach the local network (`allow="local-network-access"`) and keep its sandbox. Screenshots of the
 * login page with the quick-login frame, in zh-CN and en, go to test-artifacts/.
 */
import type { Browser, BrowserContext, FrameLocator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_VIEWPORT, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { bindPhoneOnPage, closeServerAndBrowser, PHONE_USER, startServerAndBrowser, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

afterEach(() => {
  server.emulator.setDesktopClient(null);
});

afterAll(async () => closeServerAndBrowser({ server, browser, contexts }));

async function newBrowser(locale = 'zh-CN'): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  return context;
}

/** The demo app, signed out; its sign-in link leads to wecas's login page. */
async function loginPageFromApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.service);
  await page.locator('#sign-in').click();
  await page.waitForURL(`${server.casUrl}/login?**`);
  return page;
}

/** The QR frame, once its script has asked for a desktop client and has had the answer. */
async function qrFrameAfterProbe(page: Page, load: () => Promise<unknown>): Promise<FrameLocator> {
  const probed = page.waitForResponse((response) => response.url().includes('/__emulator/desktop-client/check-login'));
  await load();
  await probed;
  return page.frameLocator('iframe.wechat-qr');
}

const screenshot = (page: Page, name: string, viewport = DESKTOP_VIEWPORT) => screenshotPage(page, name, viewport);

/** Nothing of the frame's content is cut off by the frame (wecas's frame is smaller than WeChat's 300×400). */
async function fitsInFrame(page: Page, name: string) {
  const frame = page.frames().find((f) => f.url().includes('/connect/qrconnect'));
  expect(frame, 'the QR frame').toBeDefined();
  const spare = await frame!.evaluate(() => document.documentElement.clientHeight - document.documentElement.scrollHeight);
  expect(spare, `${name}: the frame's content fits`).toBeGreaterThanOrEqual(0);
}

async function hasTgc(context: BrowserContext): Promise<boolean> {
  return (await context.cookies(`${server.casUrl}/login`)).some((c) => c.name === 'TGC');
}

describe('desktop quick login (快速登录) in the QR frame of wecas’s login page', { timeout: 90_000 }, () => {
  it('the frame may reach the local network and keeps its sandbox; with no desktop client it shows only the QR', async () => {
    const context = await newBrowser();
    const page = await context.newPage();
    const qr = await qrFrameAfterProbe(page, async () => {
      await page.goto(server.service);
      await page.locator('#sign-in').click();
    });
    const iframe = page.locator('iframe.wechat-qr');
    expect(await iframe.getAttribute('allow')).toBe('local-network-access');
    expect((await iframe.getAttribute('sandbox'))?.split(/\s+/).sort()).toEqual(['allow-same-origin', 'allow-scripts', 'allow-top-navigation']);
    // What the frame's document is granted. Here the emulator shares wecas's origin, so 'self' would grant it too (it
    // would not without allow-same-origin); a cross-origin frame without `allow` is test/emulator/quick-login.browser.test.ts.
    const frame = page.frames().find((f) => f.url().includes('/connect/qrconnect'))!;
    expect(
      await frame.evaluate(() =>
        (document as unknown as { featurePolicy: { allowsFeature(f: string): boolean } }).featurePolicy.allowsFeature('local-network-access'),
      ),
    ).toBe(true);

    await qr.locator('img.qrcode').waitFor();
    expect(await qr.locator('#wx_quick_login').isHidden()).toBe(true);
    expect(await qr.locator('#wx_quick_back').isHidden()).toBe(true);
  });

  it('a person new to wecas confirms on the PC, binds the phone of a password user, and lands in the app as that user', async () => {
    server.emulator.setDesktopClient('lina');
    const before = await server.counts();
    const context = await newBrowser();
    const page = await context.newPage();
    const qr = await qrFrameAfterProbe(page, async () => {
      await page.goto(server.service);
      await page.locator('#sign-in').click();
    });
    await page.waitForURL(`${server.casUrl}/login?**`);

    // The desktop account instead of the QR: avatar, nickname, 快速登录, and the way back to the QR.
    await qr.locator('#wx_quick_login').waitFor({ state: 'visible' });
    expect(await qr.locator('#wx_qrcode_panel').isHidden()).toBe(true);
    expect(await qr.locator('#wx_quick_nickname').innerText()).toBe('李娜');
    await expect.poll(() => qr.locator('#wx_quick_avatar').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    expect(await qr.locator('#wx_quick_login_button').innerText()).toBe('快速登录');
    await screenshot(page, 'wechat-quick-login-zh-CN-desktop.png');
    await fitsInFrame(page, 'quick login, zh-CN desktop');
    await screenshot(page, 'wechat-quick-login-zh-CN-phone.png', PHONE_VIEWPORT);
    await fitsInFrame(page, 'quick login, zh-CN phone');

    // 使用其他帐号: the QR (and a link back to quick login); then back.
    await qr.getByRole('link', { name: '使用其他帐号' }).click();
    await qr.locator('img.qrcode').waitFor({ state: 'visible' });
    expect(await qr.locator('#wx_quick_login').isHidden()).toBe(true);
    await screenshot(page, 'wechat-quick-login-qr-zh-CN-phone.png', PHONE_VIEWPORT);
    await fitsInFrame(page, 'QR with the quick-login link, zh-CN phone');
    await page.setViewportSize(DESKTOP_VIEWPORT);
    await qr.getByRole('link', { name: '使用电脑微信快速登录' }).click();
    await qr.locator('#wx_quick_login').waitFor({ state: 'visible' });

    await qr.getByRole('button', { name: '快速登录' }).click();
    // self_redirect=false: the whole window goes to wecas's callback, as after a scan; lina is new, so: bind.
    await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
    expect(await page.locator('#wechat-nickname').innerText()).toBe('李娜');
    const session = server.emulator.qr.list()[0]!;
    expect(session).toMatchObject({ status: 'confirmed', personaId: 'lina', via: 'desktop' });

    await bindPhoneOnPage(server, page, PHONE_USER.phone.slice(3));
    await page.waitForURL(server.service);
    expect(await page.locator('#user').innerText()).toBe(PHONE_USER.username);
    expect(await hasTgc(context)).toBe(true);
    expect(await server.counts()).toEqual({ users: before.users, identities: before.identities + 1 });
  });

  it('in English, the same person, known now, clicks Log in and is in the app at once; the code was exchanged once', async () => {
    server.emulator.setDesktopClient('lina');
    const sent = server.sms.sent.length;
    const before = await server.counts();
    const exchanges = server.emulator.callCounts()['GET /sns/oauth2/access_token'] ?? 0;
    const context = await newBrowser('en');
    const page = await context.newPage();
    const qr = await qrFrameAfterProbe(page, async () => {
      await page.goto(server.service);
      await page.locator('#sign-in').click();
    });
    await page.waitForURL(`${server.casUrl}/login?**`);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await qr.locator('#wx_quick_login').waitFor({ state: 'visible' });
    expect(await qr.locator('html').getAttribute('lang')).toBe('en');
    expect(await qr.locator('#wx_quick_use_qr').innerText()).toBe('Use another account');
    await screenshot(page, 'wechat-quick-login-en-desktop.png');
    await fitsInFrame(page, 'quick login, en desktop');
    await screenshot(page, 'wechat-quick-login-en-phone.png', PHONE_VIEWPORT);
    await fitsInFrame(page, 'quick login, en phone');
    await page.setViewportSize(DESKTOP_VIEWPORT);

    await qr.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL(server.service);
    expect(await page.locator('#user').innerText()).toBe(PHONE_USER.username);
    expect(server.sms.sent.length).toBe(sent);
    expect(await server.counts()).toEqual(before);
    expect(server.emulator.callCounts()['GET /sns/oauth2/access_token']).toBe(exchanges + 1);
  });

  it('on WeChat’s full QR page (wecas’s link under the frame) quick login works the same', async () => {
    server.emulator.setDesktopClient('lina');
    const context = await newBrowser();
    const page = await loginPageFromApp(context);
    const probed = page.waitForResponse((response) => response.url().includes('/__emulator/desktop-client/check-login'));
    await page.locator('#wechat-page-link').click();
    await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
    await probed;
    await page.locator('#wx_quick_login').waitFor({ state: 'visible' });
    await screenshot(page, 'wechat-quick-login-full-page-zh-CN-desktop.png');
    await page.getByRole('button', { name: '快速登录' }).click();
    await page.waitForURL(server.service);
    expect(await page.locator('#user').innerText()).toBe(PHONE_USER.username);
  });
});
