/**
 * Signing in inside WeChat's own browser, end to end in Chromium with WeChat's iPhone user agent: the demo app
 * sends the browser to wecas, whose page offers the 服务号's authorization (no QR); the emulator plays WeChat (the
 * phone's WeChat user is a persona named by its cookie). A new person is asked for consent once and binds a phone;
 * a known one goes straight to the app; a person who scanned the QR on a computer is the same account inside
 * WeChat; a snapshot page signs nobody in. Screenshots go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATOR_PATH } from '../../dev/emulated-wechat.js';
import { WECHAT_USER_COOKIE } from '../../emulator/oa-pages.js';
import { DESKTOP_VIEWPORT, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { USER_AGENTS } from '../support/user-agents.js';
import { bindPhoneOnPage, closeServerAndBrowser, startServerAndBrowser, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

afterAll(async () => closeServerAndBrowser({ server, browser, contexts }));

/** A phone inside WeChat, whose WeChat user is `personaId`. */
async function insideWeChat(personaId: string, locale = 'zh-CN'): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport: PHONE_VIEWPORT, userAgent: USER_AGENTS.wechatIphone, isMobile: true });
  contexts.push(context);
  await context.addCookies([{ name: WECHAT_USER_COOKIE, value: personaId, url: `${server.origin}${EMULATOR_PATH}/` }]);
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

/** Every top-level address the page asked for from now on, redirects included. */
function addressesOf(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) seen.push(request.url());
  });
  return seen;
}

const screenshot = (page: Page, name: string, viewport = PHONE_VIEWPORT) => screenshotPage(page, name, viewport);

const bindPhone = (page: Page, digits: string) => bindPhoneOnPage(server, page, digits);

/**
 * The app's page, reached from WeChat's authorization by redirects only: the browser keeps the `#wechat_redirect`
 * of the URL it started from (a Location without a fragment inherits it), as it does in WeChat.
 */
async function reachesTheApp(page: Page): Promise<void> {
  await page.waitForURL((url) => `${url.origin}${url.pathname}` === server.service);
}

const oaAppId = () => server.ctx.config.wechatOfficialAccount!.appId;

describe('inside WeChat', { timeout: 90_000 }, () => {
  it('a new person: the button, WeChat asks consent once, a phone is bound, and the app is reached; next time no page at all', async () => {
    const persona = server.emulator.createPersona({ nickname: '林小雨 Lin', hasAvatar: false });
    const before = await server.counts();
    const context = await insideWeChat(persona.id);
    const page = await loginPageFromApp(context);
    expect(await page.locator('iframe').count()).toBe(0);
    await expect.poll(() => page.locator('#wechat-in-app').isVisible()).toBe(true);
    await screenshot(page, 'wechat-in-app-login-zh-CN-phone.png');
    await page.locator('a.lang').click();
    await page.waitForURL(/[?&]lang=en/);
    expect(await page.locator('#wechat-in-app').innerText()).toBe('Sign in with WeChat');
    await screenshot(page, 'wechat-in-app-login-en-phone.png');
    await page.goto(page.url().replace(/lang=en/, 'lang=zh-CN'));

    await page.locator('#wechat-in-app').click();
    // Silent authorization found nobody: WeChat's consent page (snsapi_userinfo) asks for the profile.
    await page.getByRole('button', { name: '允许' }).waitFor();
    expect(page.url()).toContain('scope=snsapi_userinfo');
    await page.getByRole('button', { name: '允许' }).click();
    await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
    expect(await page.locator('#wechat-nickname').innerText()).toBe('林小雨 Lin');
    await screenshot(page, 'wechat-in-app-bind-zh-CN-phone.png');
    await bindPhone(page, '13700137001');
    await page.waitForURL(server.service);
    const userId = await page.locator('#user').innerText();
    const identities = await server.ctx.identities.listForUser(userId);
    expect(identities.map((i) => i.appId)).toEqual([oaAppId()]);
    expect(identities[0]!.unionid).toMatch(/^o/);
    expect(await server.counts()).toEqual({ users: before.users + 1, identities: before.identities + 1 });

    // Another visit (no wecas session): the silent authorization knows the openid, and no page comes between.
    const again = await insideWeChat(persona.id);
    const second = await loginPageFromApp(again);
    const addresses = addressesOf(second);
    server.emulator.calls.clear();
    await second.locator('#wechat-in-app').click();
    await reachesTheApp(second);
    // One code, traded once; a silent token is never used to read the profile (WeChat would answer 48001).
    expect(server.emulator.callCounts()).toMatchObject({ 'GET /sns/oauth2/access_token': 1 });
    expect(server.emulator.callCounts()['GET /sns/userinfo']).toBeUndefined();
    expect(await second.locator('#user').innerText()).toBe(userId);
    expect(addresses.filter((a) => a.includes('scope=snsapi_userinfo') || a.includes('/login/wechat/bind'))).toEqual([]);
    expect(addresses.some((a) => a.includes('scope=snsapi_base'))).toBe(true);
  });

  it('a person who scanned the QR on a computer is the same account inside WeChat: consent once (for the unionid), then silent', async () => {
    // On a computer: the full-page QR, 李娜 scans and binds a phone.
    const persona = server.emulator.createPersona({ nickname: '电脑先扫 PC first', hasAvatar: false });
    const desktop = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP_VIEWPORT });
    contexts.push(desktop);
    const pcPage = await loginPageFromApp(desktop);
    await pcPage.locator('#wechat-page-link').click();
    await pcPage.waitForURL(/\/connect\/qrconnect\?/);
    server.emulator.confirm(String(await pcPage.locator('#wx_emulator_login').getAttribute('data-uuid')), persona.id);
    await pcPage.waitForURL(`${server.casUrl}/login/wechat/bind`);
    await bindPhone(pcPage, '13700137002');
    await pcPage.waitForURL(server.service);
    const userId = await pcPage.locator('#user').innerText();
    const before = await server.counts();

    // Inside WeChat: the 服务号's openid is new, so WeChat asks consent; the unionid names the account: no bind page.
    const phone = await insideWeChat(persona.id);
    const page = await loginPageFromApp(phone);
    await page.locator('#wechat-in-app').click();
    await page.getByRole('button', { name: '允许' }).click();
    await reachesTheApp(page);
    expect(await page.locator('#user').innerText()).toBe(userId);
    expect(await server.counts()).toEqual({ users: before.users, identities: before.identities + 1 });
    const apps = (await server.ctx.identities.listForUser(userId)).map((i) => i.appId);
    expect(apps.sort()).toEqual([oaAppId(), server.ctx.config.wechat!.appId].sort());

    // From now on silent.
    const later = await loginPageFromApp(await insideWeChat(persona.id));
    const addresses = addressesOf(later);
    await later.locator('#wechat-in-app').click();
    await reachesTheApp(later);
    expect(await later.locator('#user').innerText()).toBe(userId);
    expect(addresses.filter((a) => a.includes('snsapi_userinfo'))).toEqual([]);
  });

  it("a snapshot page (朋友圈's preview) signs nobody in and says to open the full page", async () => {
    const persona = server.emulator.createPersona({ nickname: '快照 Snapshot', hasAvatar: false });
    server.emulator.setSnapshot(true, persona.id);
    try {
      const before = await server.counts();
      const page = await loginPageFromApp(await insideWeChat(persona.id));
      await page.locator('#wechat-in-app').click();
      await page.waitForURL(`${server.casUrl}/login/wechat/callback?**`);
      expect(await page.locator('h1').innerText()).toBe('请打开完整页面登录');
      expect(await page.locator('body').innerText()).toContain('使用完整服务');
      await screenshot(page, 'wechat-in-app-snapshot-zh-CN-phone.png');
      expect(await server.counts()).toEqual(before);
      expect((await page.context().cookies(`${server.casUrl}/login`)).some((c) => c.name === 'TGC')).toBe(false);

      const english = await loginPageFromApp(await insideWeChat(persona.id, 'en'));
      await english.locator('#wechat-in-app').click();
      await english.waitForURL(`${server.casUrl}/login/wechat/callback?**`);
      expect(await english.locator('h1').innerText()).toBe('Open the full page to sign in');
      await screenshot(english, 'wechat-in-app-snapshot-en-phone.png');
    } finally {
      server.emulator.setSnapshot(false, persona.id);
    }
  });
});
