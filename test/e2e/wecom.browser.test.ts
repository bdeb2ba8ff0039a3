/**
 * WeCom (企业微信) sign-in end to end in Chromium, against the WeCom emulator: from a computer, the login page's
 * embedded WeCom login panel → confirmed on an emulated phone → the demo app, signed in as the account whose 工号 is
 * the member's userid; on a phone's width the link to WeCom's full page instead; inside the WeCom app (its real user agent), the button and the silent
 * authorization with no page between; a member outside the app's visible range gets a page saying so. Screenshots
 * in zh-CN and en go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATED_WECOM } from '../../dev/emulated-wecom.js';
import { DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { USER_AGENTS } from '../support/user-agents.js';
import { startWeComTestServer, type WeComTestServer } from '../wecom/harness.js';

let server: WeComTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startWeComTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.close();
});

async function newContext(options: { locale: string; userAgent?: string; phone?: boolean }): Promise<BrowserContext> {
  const context = await browser.newContext({
    locale: options.locale,
    viewport: options.phone ? PHONE_VIEWPORT : DESKTOP_VIEWPORT,
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
  });
  contexts.push(context);
  return context;
}

const screenshot = (page: Page, name: string) => screenshotPage(page, name);

/** The demo app, signed out; its sign-in link leads to wecas's login page. */
async function loginPageFromApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.service);
  await page.locator('#sign-in').click();
  await page.waitForURL(`${server.casUrl}/login?**`);
  return page;
}

/** Plays the phone: opens what the QR encodes, picks the member, confirms. */
async function confirmOnPhone(phoneUrl: string, userid: string, lang: 'zh' | 'en') {
  const phone = await (await newContext({ locale: lang === 'en' ? 'en' : 'zh-CN', userAgent: USER_AGENTS.wecom, phone: true })).newPage();
  await phone.goto(phoneUrl);
  await phone.locator(`input[value="member:${userid}"]`).check();
  await screenshot(phone, `wecom-phone-confirm-${lang}.png`);
  await phone.locator('#wecom-confirm-button').click();
  await phone.locator('#wecom-phone-confirmed').waitFor();
}

/** The login page's WeCom panel: WeCom's embeddable login panel in a frame, once its QR is drawn. */
async function wecomPanel(page: Page) {
  const frame = page.frameLocator('iframe.wecom-qr');
  await frame.locator('#wecom-qr-image').waitFor();
  return frame;
}

describe('WeCom sign-in in Chromium', () => {
  for (const [locale, lang, link] of [
    ['zh-CN', 'zh', '二维码未显示？打开企业微信登录页面'],
    ['en', 'en', 'QR not showing? Open WeCom’s sign-in page'],
  ] as const) {
    it(`a scan of the login page's WeCom panel lands in the app as the account whose 工号 is the userid (${locale})`, async () => {
      const context = await newContext({ locale });
      const page = await loginPageFromApp(context);
      // On a computer the WeChat QR stays, and WeCom's panel is embedded beside it, as WeCom's SDK embeds it.
      expect(await page.locator('iframe.wechat-qr').count()).toBe(1);
      const iframe = page.locator('iframe.wecom-qr');
      expect(await iframe.getAttribute('allow')).toBe('local-network-access');
      expect(await iframe.getAttribute('sandbox')).toBe('allow-scripts allow-same-origin allow-top-navigation');
      const panel = await wecomPanel(page);
      // The full page stays within reach, for when the panel does not show; the phone-width button is hidden here.
      expect(await page.locator('#wecom-page-link').innerText()).toBe(link);
      expect(await page.locator('#wecom-sign-in').isVisible()).toBe(false);
      await screenshot(page, `wecom-panel-login-page-desktop-${locale}.png`);
      const phoneUrl = String(await panel.locator('#wecom-open-phone').getAttribute('href'));
      await confirmOnPhone(phoneUrl, 'demo', lang);
      // The panel looks again every second; confirmed, WeCom's frame sends the whole window to wecas, then the app.
      await page.waitForURL(server.service, { timeout: 10_000 });
      expect(await page.locator('#user').innerText()).toBe('demo');
      expect(server.wecom.calls.get('GET /cgi-bin/gettoken')).toBe(1);
    });
  }

  it('without a second device: the panel’s phone button takes the tab, and the confirmation signs in there', async () => {
    const context = await newContext({ locale: 'en' });
    const page = await loginPageFromApp(context);
    const panel = await wecomPanel(page);
    // The frame's sandbox opens no new tab: the emulated phone takes the whole tab instead.
    await panel.locator('#wecom-open-phone').click();
    await page.waitForURL(/\/__wecom\/wwlogin\/sso\/confirm\?.*tab=same/);
    await page.locator('input[value="member:demo"]').check();
    await page.locator('#wecom-confirm-button').click();
    await page.waitForURL(server.service, { timeout: 10_000 });
    expect(await page.locator('#user').innerText()).toBe('demo');
  });

  for (const [locale, lang, button] of [
    ['zh-CN', 'zh', '企业微信登录'],
    ['en', 'en', 'Sign in with WeCom'],
  ] as const) {
    it(`on a phone's width the panel gives way to the link to WeCom's page, which signs in too (${locale})`, async () => {
      const context = await newContext({ locale, phone: true });
      const page = await loginPageFromApp(context);
      const start = page.locator('#wecom-sign-in');
      expect(await start.innerText()).toBe(button);
      expect(await start.isVisible()).toBe(true);
      expect(await page.locator('iframe.wecom-qr').isVisible()).toBe(false);
      await screenshot(page, `wecom-panel-login-page-phone-${locale}.png`);
      await start.click();
      await page.waitForURL(/\/__wecom\/wwlogin\/sso\/qr\?/);
      await screenshot(page, `wecom-web-login-qr-${lang}.png`);
      const phoneUrl = String(await page.locator('#wecom-open-phone').getAttribute('href'));
      await confirmOnPhone(phoneUrl, 'demo', lang);
      // The full page looks again every second and follows WeCom's redirect to wecas, then to the app.
      await page.waitForURL(server.service, { timeout: 10_000 });
      expect(await page.locator('#user').innerText()).toBe('demo');
    });
  }

  for (const [locale, heading] of [
    ['zh-CN', '企业微信'],
    ['en', 'WeCom'],
  ] as const) {
    it(`inside WeCom: the button, then silent sign-in with no page between (${locale})`, async () => {
      const context = await newContext({ locale, userAgent: USER_AGENTS.wecom, phone: true });
      // The WeCom app knows who is signed in; the emulator keeps it in a cookie, set here as the picker would.
      await context.addCookies([{ name: 'wwemu_member', value: 'member%3Ademo', url: `${new URL(server.casUrl).origin}/__wecom/` }]);
      const page = await loginPageFromApp(context);
      expect(await page.locator('#wecom-heading').innerText()).toBe(heading);
      // A QR cannot be scanned from the screen it is on: none is shown inside WeCom.
      expect(await page.locator('iframe.wechat-qr').count()).toBe(0);
      await screenshot(page, `wecom-in-app-login-page-${locale}.png`);
      const pages: string[] = [];
      page.on('framenavigated', (frame) => {
        if (frame === page.mainFrame()) pages.push(new URL(frame.url()).pathname);
      });
      await page.locator('#wecom-sign-in').click();
      // The browser keeps the authorization URL's `#wechat_redirect` through the redirects (a fragment survives a
      // redirect that names none): the app's page, whatever the fragment.
      await page.waitForURL((url) => `${url.origin}${url.pathname}` === server.service);
      expect(await page.locator('#user').innerText()).toBe('demo');
      // Only the app itself was drawn: wecas and WeCom answered with redirects.
      expect(pages).toEqual([new URL(server.service).pathname]);
    });
  }

  for (const [locale, title] of [
    ['zh-CN', '您无权使用该企业微信应用'],
    ['en', 'You cannot use this app in WeCom'],
  ] as const) {
    it(`a member outside the app's visible range gets a page saying so and what to do (${locale})`, async () => {
      const context = await newContext({ locale, userAgent: USER_AGENTS.wecom, phone: true });
      await context.addCookies([{ name: 'wwemu_member', value: 'member%3Alisi', url: `${new URL(server.casUrl).origin}/__wecom/` }]);
      const page = await loginPageFromApp(context);
      await page.locator('#wecom-sign-in').click();
      await page.waitForURL(/\/login\/wecom\/callback\?/);
      expect(await page.locator('h1').innerText()).toBe(title);
      expect(await page.locator('main').innerText()).toContain(locale === 'en' ? 'visible range' : '可见范围');
      await screenshot(page, `wecom-not-visible-${locale}.png`);
      // The way out: the other sign-in methods, on the same login request.
      await page.getByRole('link', { name: locale === 'en' ? 'Sign in another way' : '使用其他方式登录' }).click();
      await page.waitForURL(`${server.casUrl}/login?**`);
      expect(await page.locator('#password-form').count()).toBe(1);
    });
  }

  for (const [locale, lang, title, member, login, digits] of [
    ['zh-CN', 'zh', '关联企业微信账号', { userid: 'zhangwei', name: '张伟' }, 'zw2024', '13700137000'],
    ['en', 'en', 'Link your WeCom account', { userid: 'chenjing', name: '陈静' }, 'cj2024', '13700137001'],
  ] as const) {
    it(`a member whose userid is nobody's login binds the phone of their account, then lands in the app (${locale})`, async () => {
      // Each language its own member: once linked, a member signs in directly.
      if (!server.wecom.corp(EMULATED_WECOM.corpId)!.members.has(member.userid))
        server.wecom.addMember(EMULATED_WECOM.corpId, { ...member, department: [2] });
      await server.ctx.users.create({ username: login, password: `pw-${login}`, phone: `+86${digits}` });
      const context = await newContext({ locale });
      const page = await loginPageFromApp(context);
      // The full page, the way when the panel does not show.
      await page.locator('#wecom-page-link').click();
      await page.waitForURL(/\/__wecom\/wwlogin\/sso\/qr\?/);
      await confirmOnPhone(String(await page.locator('#wecom-open-phone').getAttribute('href')), member.userid, lang);
      await page.waitForURL(`${server.casUrl}/login/wecom/bind`, { timeout: 10_000 });
      expect(await page.locator('h1').innerText()).toBe(title);
      expect(await page.locator('#wecom-member').innerText()).toBe(`${member.name} (${member.userid})`);
      await screenshot(page, `wecom-bind-${locale}.png`);
      await page.fill('#phone', digits);
      await page.locator('#send-code').click();
      await page.locator('#bind-notice').waitFor();
      await page.fill('#code', server.sms.lastCodeFor(`+86${digits}`)!);
      await page.locator('#bind-submit').click();
      await page.waitForURL(server.service);
      expect(await page.locator('#user').innerText()).toBe(login);
    });
  }
});
