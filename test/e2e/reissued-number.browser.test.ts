/**
 * The re-issued number (二次放号) in Chromium: Dr Who's account has a password and a number an administrator put on it,
 * which he never signed in with; the carrier has since given the number to a stranger. The stranger, holding the
 * number's SMS codes, cannot take the account: linking a new WeChat by the number asks for the account's password,
 * and signing in by SMS code is refused (SMS_LOGIN_PASSWORD_ACCOUNTS=proven, the default). With the password the
 * owner links; a number proved to be his (a reset or phone change by its code) needs no password afterwards.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, DESKTOP_VIEWPORT, PHONE_VIEWPORT } from '../support/browser.js';
import { closeServerAndBrowser, startServerAndBrowser, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const NUMBER = '+8613900000777';
let ownerId: string;

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
  const owner = await server.ctx.users.create({ username: 'dwho', password: 'Tardis-1963', phone: NUMBER, displayName: 'Dr Who' });
  ownerId = owner.id;
});

afterAll(async () => closeServerAndBrowser({ server, browser, contexts }));

async function loginPage(locale: string): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(server.service);
  await page.locator('#sign-in').click();
  await page.waitForURL(`${server.casUrl}/login?**`);
  return page;
}

/** A WeChat person scans (through the emulator's control API) and lands on the bind page. */
async function scanAsNewPerson(page: Page, persona: string): Promise<void> {
  await page.locator('#wechat-page-link').click();
  await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
  await page.locator('img.qrcode').waitFor();
  server.emulator.confirm(String(await page.locator('#wx_emulator_login').getAttribute('data-uuid')), persona);
  await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
}

async function codeTo(page: Page, sendButton: string, field: string, waitFor: string): Promise<string> {
  await page.fill(field, NUMBER.slice(3));
  await page.locator(sendButton).click();
  await page.locator(waitFor).waitFor();
  const code = server.sms.lastCodeFor(NUMBER);
  expect(code).toMatch(/^\d{6}$/);
  return code!;
}

describe('a re-issued number does not hand over an account with a password', () => {
  it('linking WeChat by the number asks for the password; nothing is linked', async () => {
    const page = await loginPage('en');
    await scanAsNewPerson(page, 'lina');
    const code = await codeTo(page, '#send-code', '#phone', '#verify-code-form');
    await page.fill('#code', code);
    await page.locator('#verify-code-form button[type=submit]').click();
    await page.locator('#bind-error').waitFor();
    expect(await page.locator('#bind-error').innerText()).toContain('this number has never signed in to it');
    await page.screenshot({ path: artifactPath('reissued-bind-refused-en-desktop.png'), fullPage: true });
    expect(await server.ctx.identities.listForUser(ownerId)).toHaveLength(0);
    expect(page.url()).toBe(`${server.casUrl}/login/wechat/bind`);
  });

  it('signing in by SMS code with the number is refused in Chinese too; nobody is signed in', async () => {
    const page = await loginPage('zh-CN');
    await page.locator('a[data-method=sms]').click();
    await page.waitForSelector('#sms-send-form');
    // Wait out the number's resend lock from the test before.
    server.clock.advance(61_000);
    const code = await codeTo(page, '#sms-send', '#sms-phone', '#sms-verify-form');
    await page.fill('#sms-code', code);
    await page.locator('#sms-submit').click();
    await page.locator('#login-error').waitFor();
    expect(await page.locator('#login-error').innerText()).toContain('请使用密码登录');
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.screenshot({ path: artifactPath('reissued-sms-refused-zh-phone.png'), fullPage: true });
    expect(await server.ctx.sessions.sessionsOf(ownerId)).toHaveLength(0);
  });

  it('the owner links his WeChat with his password; once the number is proved (a reset, a phone change), the code alone is enough', async () => {
    const page = await loginPage('en');
    await scanAsNewPerson(page, 'lina');
    await page.fill('#bind-username', 'dwho');
    await page.fill('#bind-password', 'Tardis-1963');
    await page.locator('#bind-account-submit').click();
    await page.waitForURL(server.service);
    expect(await page.locator('#user').innerText()).toBe('dwho');
    expect(await server.ctx.identities.listForUser(ownerId)).toHaveLength(1);
    // He has not proved the number yet: still not by code alone.
    expect((await server.ctx.users.findById(ownerId))!.provedPhone).toBeNull();
    await server.ctx.users.markPhoneProved(ownerId, NUMBER);
    const again = await loginPage('en');
    await again.locator('a[data-method=sms]').click();
    server.clock.advance(61_000);
    const code = await codeTo(again, '#sms-send', '#sms-phone', '#sms-verify-form');
    await again.fill('#sms-code', code);
    await again.locator('#sms-submit').click();
    await again.waitForURL(server.service);
    expect(await again.locator('#user').innerText()).toBe('dwho');
  });
});
