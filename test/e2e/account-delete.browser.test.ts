/**
 * Deleting an account from the account page, in Chromium (issue 15): a person with a linked WeChat is signed in to
 * the demo app (a CAS application receiving back-channel single logout), deletes the account with the password, and
 * then: the app's session has ended through single logout, the password no longer signs in (the generic message),
 * the same WeChat scanning again is someone new (asked to bind a phone), and the audit log names nobody.
 * Screenshots of the confirmation in zh-CN and en, desktop and phone, go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_VIEWPORT, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { bindPhoneOnPage, closeServerAndBrowser, startServerAndBrowser, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

const CHEN = { username: 'chenjing', password: 'Chen-pass-2024', phone: '+8613700137000', displayName: '陈静 Chen Jing' };

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
  // Her number was proved by an earlier sign-in: a scan binds to her account by its code alone.
  const chen = await server.ctx.users.create(CHEN);
  await server.ctx.users.markPhoneProved(chen.id, CHEN.phone);
});

afterAll(async () => closeServerAndBrowser({ server, browser, contexts }));

async function newContext(locale: string): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  return context;
}

const screenshot = (page: Page, name: string, viewport = DESKTOP_VIEWPORT) => screenshotPage(page, name, viewport);

/** From the demo app to the full-page WeChat QR; the emulator's user `who` scans and allows (its control API). */
async function scanAs(who: string, context: BrowserContext, timeout = 15_000): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  await page.goto(server.service);
  await page.locator('#sign-in').click();
  await page.waitForURL(`${server.casUrl}/login?**`);
  await page.locator('#wechat-page-link').click();
  await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
  await page.locator('img.qrcode').waitFor();
  server.emulator.confirm(String(await page.locator('#wx_emulator_login').getAttribute('data-uuid')), who);
  await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
  return page;
}

async function passwordSignIn(context: BrowserContext, username: string, password: string): Promise<string> {
  const page = await context.newPage();
  await page.goto(server.service);
  await page.locator('#sign-in').click();
  await page.waitForURL(`${server.casUrl}/login?**`);
  if ((await page.locator('#password-form').count()) === 0) await page.locator('a[data-method=password]').click();
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#password-form button[type=submit]');
  await page.locator('#login-error').waitFor();
  return page.locator('#login-error').innerText();
}

describe('deleting an account from the account page', { timeout: 120_000 }, () => {
  it('ends the app session by single logout, stops the password, makes the WeChat new, and leaves nobody in the audit log', async () => {
    const chen = (await server.ctx.users.findByUsername(CHEN.username))!;
    const context = await newContext('zh-CN');

    // WeChat linked by her number's code; she lands in the demo app.
    const app = await scanAs('zhangwei', context);
    await bindPhoneOnPage(server, app, CHEN.phone.slice(3));
    await app.waitForURL(server.service);
    expect(await app.locator('#user').innerText()).toBe(CHEN.username);
    expect(await server.ctx.identities.listForUser(chen.id)).toHaveLength(1);

    // The account page offers the deletion; its page says what goes and what stays.
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    await page.goto(`${server.casUrl}/account`);
    await page.locator('#delete-account-link').click();
    await page.waitForURL(`${server.casUrl}/account/delete`);
    expect(await page.locator('h1').innerText()).toBe('注销账号');
    await screenshot(page, 'account-delete-zh-CN-desktop.png');
    await screenshot(page, 'account-delete-zh-CN-phone.png', PHONE_VIEWPORT);
    await page.locator('a.lang').click();
    await page.waitForURL(/[?&]lang=en/);
    expect(await page.locator('#delete-kept').innerText()).toContain('under a random number that no longer leads to you');
    await screenshot(page, 'account-delete-en-phone.png', PHONE_VIEWPORT);
    await screenshot(page, 'account-delete-en-desktop.png');

    // A wrong password is refused; the account stays.
    await page.fill('#delete-password', 'not-her-password');
    await page.click('#delete-submit');
    await page.locator('#delete-error').waitFor();
    expect(await page.locator('#delete-error').innerText()).toBe('The password is not correct.');
    await screenshot(page, 'account-delete-wrong-en-desktop.png');
    expect(await server.ctx.users.findById(chen.id)).not.toBeNull();

    await page.fill('#delete-password', CHEN.password);
    await page.click('#delete-submit');
    await page.locator('h1', { hasText: 'Your account has been deleted' }).waitFor();
    await screenshot(page, 'account-deleted-en-desktop.png');
    expect(await server.ctx.users.findById(chen.id)).toBeNull();

    // The demo app was told (back-channel single logout): its session is over.
    await server.ctx.singleLogout.settled();
    await app.reload();
    expect(await app.locator('#status').getAttribute('data-state')).toBe('signed-out');

    // The password signs in no more, and says exactly what it says for a name that never existed.
    const fresh = await newContext('en');
    const refused = await passwordSignIn(fresh, CHEN.username, CHEN.password);
    expect(refused).toBe(await passwordSignIn(fresh, 'nobody-ever', 'Whatever-2024'));

    // The same WeChat scanning again is someone new: asked to bind a phone, not signed in.
    const again = await scanAs('zhangwei', await newContext('zh-CN'));
    expect(again.url()).toBe(`${server.casUrl}/login/wechat/bind`);
    expect(await again.locator('#phone').isVisible()).toBe(true);

    // The audit log keeps the events, under a pseudonym, without her id, number, login name or name.
    const rows = await server.ctx.db.selectFrom('audit_events').selectAll().orderBy('id').execute();
    expect(rows.filter((r) => r.user_id === chen.id)).toEqual([]);
    const deleted = rows.find((r) => r.type === 'user.deleted')!;
    expect(deleted.user_id).toMatch(/^deleted-/);
    const hers = rows.filter((r) => r.user_id === deleted.user_id).map((r) => r.type);
    expect(hers).toEqual(expect.arrayContaining(['wechat.bound', 'login.success', 'slo.sent', 'user.deleted']));
    const untilDeleted = JSON.stringify([...rows.slice(0, rows.indexOf(deleted) + 1), ...rows.filter((r) => r.type.startsWith('slo.'))]);
    for (const personal of [chen.id, '13700137000', '137****7000', CHEN.username, '陈静', 'Chen Jing']) expect(untilDeleted).not.toContain(personal);
  });

  it('a WeChat-made account without a password confirms by a code to its number (the repeated send paid by the page’s proof of work)', async () => {
    const context = await newContext('zh-CN');
    // 李娜 scans for the first time and binds a new number: a new account, without a password.
    const page = await scanAs('lina', context, 20_000);
    await bindPhoneOnPage(server, page, '13700137001');
    await page.waitForURL(server.service);
    const user = (await server.ctx.users.findByPhone('+8613700137001'))!;
    expect(user.hasPassword).toBe(false);

    await page.goto(`${server.casUrl}/account/delete`);
    expect(await page.locator('#delete-password').count()).toBe(0);
    expect(await page.locator('altcha-widget#delete-challenge').count()).toBe(1);
    await screenshot(page, 'account-delete-code-zh-CN-desktop.png');
    // The bind's code went to this number from this browser a moment ago: the resend wait, then a proof of work.
    server.clock.advance(61_000);
    await page.locator('#delete-send').click();
    await page.locator('#delete-code').waitFor();
    expect(await page.locator('#delete-notice').innerText()).toContain('+86137****7001');
    expect(server.sms.sent.at(-1)).toMatchObject({ phone: '+8613700137001', purpose: 'delete' });
    await screenshot(page, 'account-delete-code-sent-zh-CN-desktop.png');
    await screenshot(page, 'account-delete-code-sent-zh-CN-phone.png', PHONE_VIEWPORT);
    await page.setViewportSize(DESKTOP_VIEWPORT);
    await page.fill('#delete-code', server.sms.lastCodeFor('+8613700137001')!);
    await page.click('#delete-submit');
    await page.locator('h1', { hasText: '账号已注销' }).waitFor();
    expect(await server.ctx.users.findById(user.id)).toBeNull();
    expect(await server.ctx.identities.listForUser(user.id)).toEqual([]);
  });
});
