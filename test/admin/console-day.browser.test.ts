/**
 * An administrator's and a helpdesk operator's day in the console, in Chromium: sign-in through wecas with renew and
 * the second factor (an SMS code), registering a service and testing a URL against it, finding a person by phone and
 * unlinking their WeChat (their next scan asks to bind again), ending their session (the demo application's session
 * ends through single logout), reading the audit log; a helpdesk operator refused on services; a POST without the
 * form token refused. Screenshots of every page in both languages at phone and desktop widths go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, DESKTOP_VIEWPORT, PHONE_VIEWPORT } from '../support/browser.js';
import { bindPhoneOnPage, closeServerAndBrowser, PHONE_USER, startServerAndBrowser, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];
const ROOT = { username: 'root', password: 'pw-console-root-1', phone: '+8613700000001' };
const DESK = { username: 'desk', password: 'pw-console-desk-1', phone: '+8613700000002' };
/** A second administrator: each sign-in sends an SMS code, and a phone waits a while between codes. */
const ROOT2 = { username: 'root2', password: 'pw-console-root-2', phone: '+8613700000003' };

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
  for (const [person, role] of [
    [ROOT, 'admin'],
    [DESK, 'helpdesk'],
    [ROOT2, 'admin'],
  ] as const) {
    const user = await server.ctx.users.create({ ...person, displayName: `${person.username} 管理` });
    await server.ctx.admin.roles.grant(user.id, role, 'test');
  }
}, 60_000);

afterAll(async () => closeServerAndBrowser({ server, browser, contexts }));

async function newPage(locale = 'zh-CN'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  return context.newPage();
}

/** The console's sign-in: wecas's login (renew), the password, then the SMS code the built-in service requires. */
async function consoleSignIn(page: Page, who: typeof ROOT): Promise<void> {
  await page.goto(`${server.origin}/admin/`);
  await page.waitForURL(`${server.casUrl}/login?**`);
  expect(new URL(page.url()).searchParams.get('renew')).toBe('true');
  await page.fill('#username', who.username);
  await page.fill('#password', who.password);
  await page.click('#password-form button[type=submit]');
  await page.waitForSelector('#mfa-sms-send-form');
  await page.click('#mfa-sms-send');
  await page.waitForSelector('#mfa-sms-form');
  await page.fill('#mfa-sms-code', server.sms.lastCodeFor(who.phone)!);
  await page.click('#mfa-sms-submit');
  await page.waitForURL(`${server.origin}/admin/`);
  await page.waitForSelector('#console-admin');
  expect(await page.textContent('#console-admin')).toBe(who.username);
}

/** The page at both widths in both languages (then back to Chinese); no page scrolls sideways on a phone. */
async function screenshots(page: Page, name: string): Promise<void> {
  const url = new URL(page.url());
  for (const lang of ['zh-CN', 'en']) {
    url.searchParams.set('lang', lang);
    await page.goto(url.toString());
    expect(await page.getAttribute('html', 'lang')).toBe(lang);
    for (const [size, viewport] of [
      ['desktop', DESKTOP_VIEWPORT],
      ['phone', PHONE_VIEWPORT],
    ] as const) {
      await page.setViewportSize(viewport);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `${name} ${lang} ${size} scrolls sideways`).toBeLessThanOrEqual(0);
      await page.screenshot({ path: artifactPath(`console-${name}-${lang}-${size}.png`), fullPage: true });
    }
  }
  url.searchParams.set('lang', 'zh-CN');
  await page.goto(url.toString());
  await page.setViewportSize(DESKTOP_VIEWPORT);
}

/** 李娜 scans with WeChat on the demo app's way in; answers the page, at the bind step or in the app. */
async function linaScans(): Promise<Page> {
  const page = await newPage();
  await page.goto(server.service);
  await page.locator('#sign-in').click();
  await page.waitForURL(`${server.casUrl}/login?**`);
  await page.locator('#wechat-page-link').click();
  await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
  await page.locator('img.qrcode').waitFor();
  server.emulator.confirm(String(await page.locator('#wx_emulator_login').getAttribute('data-uuid')), 'lina');
  return page;
}

describe("an administrator's day", { timeout: 180_000 }, () => {
  it('signs in with a second factor, registers a service, unlinks a WeChat, ends a session, reads the audit log', async () => {
    // 李娜 links her WeChat to Wang Fang's account by its phone, and is in the demo app.
    const person = await linaScans();
    await person.waitForURL(`${server.casUrl}/login/wechat/bind`);
    await bindPhoneOnPage(server, person, PHONE_USER.phone.slice(3));
    await person.waitForURL(server.service);
    expect(await person.locator('#user').innerText()).toBe(PHONE_USER.username);

    const page = await newPage();
    await consoleSignIn(page, ROOT);
    expect(await page.textContent('#live-sessions')).not.toBe('0');
    await screenshots(page, 'dashboard');

    // Register a service, then ask which service a URL is.
    await page.click('#nav-services');
    await page.click('#service-new');
    await page.fill('#s-name', '客户系统 CRM');
    await page.fill('#s-pattern', 'https://crm.example.org/');
    await page.selectOption('#s-match', 'prefix');
    await screenshots(page, 'service-new');
    await page.fill('#s-name', '客户系统 CRM');
    await page.fill('#s-pattern', 'https://crm.example.org/');
    await page.click('#service-save');
    await page.waitForSelector('#console-notice');
    expect(await page.locator('#services').innerText()).toContain('客户系统 CRM');
    expect((await server.ctx.services.list()).some((s) => s.name === '客户系统 CRM' && s.pattern === 'https://crm.example.org/')).toBe(true);
    await screenshots(page, 'services');
    await page.click('#service-tester');
    await page.fill('#test-url', 'https://crm.example.org/login?from=mail');
    await page.click('#test-submit');
    await page.waitForSelector('#test-verdict');
    expect(await page.textContent('#test-verdict')).toContain('客户系统 CRM');
    expect(await page.locator('#test-steps li').last().innerText()).toContain('匹配');
    await screenshots(page, 'service-test');

    // Find Wang Fang by phone, and unlink her WeChat.
    await page.click('#nav-accounts');
    await page.fill('#account-q', PHONE_USER.phone.slice(3));
    await page.click('#account-search');
    await page.waitForSelector('#accounts');
    await screenshots(page, 'accounts');
    await page.locator('.account-link', { hasText: PHONE_USER.username }).click();
    await page.waitForSelector('#wechat-links .wechat-unlink');
    expect(await page.locator('#wechat-links').innerText()).toContain('李娜');
    await screenshots(page, 'account');
    await page.click('#wechat-links .wechat-unlink');
    await page.waitForSelector('#console-notice');
    await page.waitForSelector('#no-wechat');
    const owner = (await server.ctx.users.findByUsername(PHONE_USER.username))!;
    expect(await server.ctx.identities.listForUser(owner.id)).toHaveLength(0);

    // Her next scan asks to bind an account again.
    const again = await linaScans();
    await again.waitForURL(`${server.casUrl}/login/wechat/bind`);

    // End her session: the demo application is told (back-channel single logout) and signs her out.
    await page.reload();
    expect(await page.locator('#account-sessions .session').count()).toBe(1);
    await page.click('#account-sessions .end-session');
    await page.waitForSelector('#no-sessions');
    await expect
      .poll(
        async () => {
          await person.goto(server.service);
          return person.locator('#user').count();
        },
        { timeout: 15_000 },
      )
      .toBe(0);
    expect(await server.ctx.sessions.sessionsOf(owner.id)).toHaveLength(0);

    // The audit log names the administrator for each of it.
    await page.click('#nav-audit');
    await page.fill('#audit-type', 'admin.action');
    await page.click('#audit-submit');
    await page.waitForSelector('#audit-events');
    const log = await page.locator('#audit-events').innerText();
    for (const action of ['service.added', 'wechat.unbound', 'session.ended']) expect(log).toContain(`action=${action}`);
    expect(log).toContain(ROOT.username);
    await screenshots(page, 'audit');
    const csvHref = await page.getAttribute('#audit-csv', 'href');
    const csv = await page.evaluate(async (href) => (await fetch(href!)).text(), csvHref);
    expect(csv).toContain('admin.action');
    await page.click('#nav-appeals');
    await page.waitForSelector('#no-appeals');
    await screenshots(page, 'appeals');

    // A personal API token: its secret shown once, then only its name in the list.
    await page.click('#nav-tokens');
    await page.fill('#token-name', '人事同步 HR sync');
    await page.fill('#token-days', '30');
    await page.click('#token-create');
    await page.waitForSelector('#token-secret');
    const secret = (await page.textContent('#token-secret'))!;
    expect((await server.ctx.admin.tokens.verify(secret)).ok).toBe(true);
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.screenshot({ path: artifactPath('console-token-created-zh-CN-phone.png'), fullPage: true });
    await page.setViewportSize(DESKTOP_VIEWPORT);
    await page.click('#nav-tokens');
    expect(await page.content()).not.toContain(secret);
    await screenshots(page, 'tokens');
  });

  it('a POST without the form token is refused (403), and changes nothing', async () => {
    const page = await newPage('en');
    await consoleSignIn(page, ROOT2);
    const desk = (await server.ctx.users.findByUsername(DESK.username))!;
    await page.goto(`${server.origin}/admin/accounts/${desk.id}`);
    const status = await page.evaluate(
      async (url) =>
        (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'status=disabled' })).status,
      `${server.origin}/admin/accounts/${desk.id}/status`,
    );
    expect(status).toBe(403);
    // And as a form in the page: the refusal is a page that says what to do.
    await page.evaluate((url) => {
      const form = document.createElement('form');
      form.method = 'post';
      form.action = url;
      const input = document.createElement('input');
      input.name = 'status';
      input.value = 'disabled';
      form.append(input);
      document.body.append(form);
      form.submit();
    }, `${server.origin}/admin/accounts/${desk.id}/status`);
    await page.waitForSelector('#console-message');
    expect(await page.textContent('h1')).toBe('This form was not accepted');
    expect((await server.ctx.users.findById(desk.id))!.status).toBe('active');
  });
});

describe("a helpdesk operator's day", { timeout: 120_000 }, () => {
  it('signs in, finds accounts, and is refused on services with a page that says why', async () => {
    const page = await newPage();
    await consoleSignIn(page, DESK);
    expect(await page.locator('#nav-services').count()).toBe(0);
    const response = await page.goto(`${server.origin}/admin/services`);
    expect(response?.status()).toBe(403);
    expect(await page.textContent('h1')).toBe('仅限管理员');
    await screenshots(page, 'helpdesk-refused');
    await page.goto(`${server.origin}/admin/accounts?q=${ROOT.username}`);
    expect(await page.locator('#accounts').innerText()).toContain(ROOT.username);
  });
});
