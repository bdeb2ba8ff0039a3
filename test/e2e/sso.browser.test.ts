/**
 * Single sign-on in a real browser (Debian's Chromium): two demo applications on two ports and one wecas.
 * Screenshots of the login page (zh-CN and en, desktop and phone) and of a signed-in app go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { loopbackService, startWecas, TEST_USER, type WecasServer } from '../support/server.js';

let wecas: WecasServer;
let appA: DemoApp;
let appB: DemoApp;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  wecas = await startWecas({ host: 'localhost' });
  [appA, appB, browser] = await Promise.all([
    startDemoApp({ port: 0, casUrl: wecas.casUrl, name: 'App A' }),
    startDemoApp({ port: 0, casUrl: wecas.casUrl, name: 'App B' }),
    launchBrowser(),
  ]);
  for (const [name, app] of [
    ['App A', appA],
    ['App B', appB],
  ] as const)
    await wecas.ctx.services.add(loopbackService(name, app.url));
  context = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP_VIEWPORT });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await Promise.all([appA?.close(), appB?.close()]);
  await wecas?.close();
});

/** Every page the main frame showed (redirects in between are not shown, so they are not listed). */
function shownUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return urls;
}

const screenshot = (page: Page, name: string, viewport = DESKTOP_VIEWPORT) => screenshotPage(page, name, viewport);

describe('SSO across two demo applications in Chromium', () => {
  it('signs in at app A with the form, then app B signs in without one, then signing out of B ends A too', async () => {
    const page = await context.newPage();

    // App A: the silent SSO check finds no session, so A says "not signed in yet"; its sign-in link leads to wecas.
    await page.goto(`${appA.url}/`);
    await expect.poll(() => page.getAttribute('#status', 'data-state')).toBe('not-signed-in');
    await page.click('#sign-in');
    await page.waitForURL(`${wecas.casUrl}/login?**`);

    // The login page, as a Chinese browser sees it, then in English through the page's own language switch.
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    expect(await page.textContent('h1')).toMatch(/登录/);
    await screenshot(page, 'sso-login-zh-CN-desktop.png');
    await screenshot(page, 'sso-login-zh-CN-phone.png', PHONE_VIEWPORT);
    await page.click('a.lang');
    await page.waitForURL(/[?&]lang=en/);
    expect(await page.getAttribute('html', 'lang')).toBe('en');
    await screenshot(page, 'sso-login-en-phone.png', PHONE_VIEWPORT);
    await screenshot(page, 'sso-login-en-desktop.png');

    await page.fill('#username', TEST_USER.username);
    await page.fill('#password', TEST_USER.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForURL(`${appA.url}/`);
    expect(await page.textContent('#user')).toBe(TEST_USER.username);
    expect(await page.textContent('#attributes')).toContain('faculty');
    await screenshot(page, 'sso-app-a-signed-in-desktop.png');
    await screenshot(page, 'sso-app-a-signed-in-phone.png', PHONE_VIEWPORT);

    // App B: signed in through the SSO session; wecas's form never shows.
    const shown = shownUrls(page);
    await page.goto(`${appB.url}/`);
    expect(await page.textContent('#user')).toBe(TEST_USER.username);
    expect(shown).toEqual([`${appB.url}/`]);

    // Signing out of B ends the SSO session; wecas's back-channel request ends A's session.
    await page.click('#sign-out');
    await page.waitForURL(`${appB.url}/?sso=checked`);
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
    await wecas.ctx.singleLogout.settled();
    await page.goto(`${appA.url}/`);
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-out');
    await page.close();
  });
});
