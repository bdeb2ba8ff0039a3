/**
 * The account's life in Chromium (issue 15), from a CAS-protected demo app: "forgot password" and "activate your
 * account" from the login page (each in both languages), changing the phone from the account page (the old number
 * proved by its code or, lost, by the current password; or an appeal), and the limits a person meets on these pages (the proof of work of a repeated send, too many
 * wrong codes, a weak password; a resend too soon and the hourly cap are in test/account/recovery.test.ts). Codes come from the development outbox. Screenshots in both
 * languages, on a desktop and a phone, go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { loopbackService, startWecas, type WecasServer } from '../support/server.js';

let wecas: WecasServer;
let app: DemoApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // A 1-second resend wait, so a test can ask for a second code without sitting out the minute; 3 tries per code.
  wecas = await startWecas({ host: 'localhost', env: { SMS_RESEND_SECONDS: '1', SMS_MAX_ATTEMPTS: '3' } });
  [app, browser] = await Promise.all([startDemoApp({ port: 0, casUrl: wecas.casUrl, name: 'Life App' }), launchBrowser()]);
  await wecas.ctx.services.add(loopbackService('Life App', app.url));
  await wecas.ctx.users.create({ username: 'mei', password: 'Mei-old-2024', phone: '+8613811112222', displayName: '王美 Mei' });
  await wecas.ctx.users.create({ username: '20250001', phone: '+8613811113333', displayName: '张三' });
  await wecas.ctx.users.create({ username: 'lin', password: 'Lin-pass-2024', phone: '+8613811114444', displayName: 'Lin' });
  await wecas.ctx.users.create({ username: 'zhao', password: 'Zhao-pass-2024', phone: '+8613811115555', displayName: 'Zhao' });
  await wecas.ctx.users.create({ username: 'qian', password: 'Qian-pass-2024', phone: '+8613811116666', displayName: 'Qian' });
  await wecas.ctx.users.create({ username: 'sun', password: 'Sun-pass-2024', phone: '+8613811117777', displayName: '孙丽' });
  await wecas.ctx.users.create({ username: '20250002', phone: '+8613811118888', displayName: 'Li Si' });
});

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close();
  await app?.close();
  await wecas?.close();
});

async function newPage(locale: 'en' | 'zh-CN', viewport = DESKTOP_VIEWPORT): Promise<Page> {
  const context = await browser.newContext({ locale, viewport });
  contexts.push(context);
  const page = await context.newPage();
  // A step that never comes fails here, naming the step, well before the test's own timeout.
  page.setDefaultTimeout(10_000);
  return page;
}

async function latestCode(phone: string): Promise<string> {
  const res = await fetch(`${wecas.origin}/__outbox.json`);
  const messages = (await res.json()) as Array<{ phone: string; code: string }>;
  const code = messages.find((m) => m.phone === phone && m.code)?.code;
  if (!code) throw new Error(`no code for ${phone} in the outbox`);
  return code;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Submits with a click and waits for the page that answers (not the message still on the page before it). */
async function submit(page: Page, button: string): Promise<void> {
  await page.evaluate(() => {
    document.querySelectorAll('[role=alert], [role=status]').forEach((el) => {
      el.remove();
    });
  });
  await page.click(button);
}

async function shots(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: artifactPath(`${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE_VIEWPORT);
  await page.screenshot({ path: artifactPath(`${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP_VIEWPORT);
}

/** From the demo app to wecas's login page. */
async function loginPage(page: Page): Promise<void> {
  await page.goto(`${app.url}/`);
  await page.click('#sign-in');
  await page.waitForURL(`${wecas.casUrl}/login?**`);
}

async function signIn(page: Page, username: string, password: string): Promise<void> {
  await loginPage(page);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#password-form button[type=submit]');
  await page.waitForURL(`${app.url}/`);
}

describe('forgot password and activation, from the login page', () => {
  it('resets a password by SMS code and lands in the app (English); the old password stops working', async () => {
    const page = await newPage('en');
    await loginPage(page);
    await page.click('#forgot-link');
    await page.waitForURL(`${wecas.casUrl}/login/forgot?**`);
    await shots(page, 'reset-start-en');
    await page.fill('#recovery-login', 'mei');
    await page.fill('#recovery-phone', '138 1111 2222');
    await page.click('#recovery-send');
    await page.locator('#recovery-complete-form').waitFor();
    expect(await page.locator('#recovery-notice').innerText()).toContain('If mei has this number, a code is on its way to +86138****2222.');
    await shots(page, 'reset-code-sent-en');
    await page.fill('#recovery-code', await latestCode('+8613811112222'));
    await page.fill('#recovery-password', 'Plum-blossom-25');
    await page.fill('#recovery-again', 'Plum-blossom-25');
    await page.click('#recovery-submit');
    await page.waitForURL(`${app.url}/`);
    expect(await page.locator('#user').innerText()).toBe('mei');
    const other = await newPage('en');
    await loginPage(other);
    await other.fill('#username', 'mei');
    await other.fill('#password', 'Mei-old-2024');
    await other.click('#password-form button[type=submit]');
    await other.locator('#login-error').waitFor();
  });

  it('activates an imported account with a first password (Chinese), then signs in with it', async () => {
    const page = await newPage('zh-CN');
    await loginPage(page);
    await page.click('#activate-link');
    await page.waitForURL(`${wecas.casUrl}/login/activate?**`);
    await page.fill('#recovery-login', '20250001');
    await page.fill('#recovery-phone', '13811113333');
    await page.click('#recovery-send');
    await page.locator('#recovery-complete-form').waitFor();
    expect(await page.locator('#recovery-notice').innerText()).toContain('如果账号 20250001 可以用以上信息激活');
    await shots(page, 'activate-code-sent-zh');
    await page.fill('#recovery-code', await latestCode('+8613811113333'));
    await page.fill('#recovery-password', 'Zhang-san-2025');
    await page.fill('#recovery-again', 'Zhang-san-2025');
    await page.click('#recovery-submit');
    await page.waitForURL(`${app.url}/`);
    expect(await page.locator('#user').innerText()).toBe('20250001');
    await signIn(await newPage('zh-CN'), '20250001', 'Zhang-san-2025');
  });

  it('resets a password in Chinese and activates an account in English: both flows, in both languages', async () => {
    const reset = await newPage('zh-CN');
    await loginPage(reset);
    await reset.click('#forgot-link');
    await reset.waitForURL(`${wecas.casUrl}/login/forgot?**`);
    await shots(reset, 'reset-start-zh');
    await reset.fill('#recovery-login', 'sun');
    await reset.fill('#recovery-phone', '13811117777');
    await reset.click('#recovery-send');
    await reset.locator('#recovery-complete-form').waitFor();
    expect(await reset.locator('#recovery-notice').innerText()).toContain('+86138****7777');
    await shots(reset, 'reset-code-sent-zh');
    await reset.fill('#recovery-code', await latestCode('+8613811117777'));
    await reset.fill('#recovery-password', 'Osmanthus-2025');
    await reset.fill('#recovery-again', 'Osmanthus-2025');
    await reset.click('#recovery-submit');
    await reset.waitForURL(`${app.url}/`);
    expect(await reset.locator('#user').innerText()).toBe('sun');

    const activate = await newPage('en');
    await loginPage(activate);
    await activate.click('#activate-link');
    await activate.waitForURL(`${wecas.casUrl}/login/activate?**`);
    await shots(activate, 'activate-start-en');
    await activate.fill('#recovery-login', '20250002');
    await activate.fill('#recovery-phone', '13811118888');
    await activate.click('#recovery-send');
    await activate.locator('#recovery-complete-form').waitFor();
    expect(await activate.locator('#recovery-notice').innerText()).toContain('+86138****8888');
    await shots(activate, 'activate-code-sent-en');
    await activate.fill('#recovery-code', await latestCode('+8613811118888'));
    await activate.fill('#recovery-password', 'Li-si-first-2025');
    await activate.fill('#recovery-again', 'Li-si-first-2025');
    await activate.click('#recovery-submit');
    await activate.waitForURL(`${app.url}/`);
    expect(await activate.locator('#user').innerText()).toBe('20250002');
  });

  it('the limits: a weak password, a repeated send paid by proof of work, too many wrong codes', async () => {
    const page = await newPage('en');
    await loginPage(page);
    await page.click('#forgot-link');
    await page.fill('#recovery-login', 'lin');
    await page.fill('#recovery-phone', '13811114444');
    await page.click('#recovery-send');
    await page.locator('#recovery-complete-form').waitFor();
    const first = await latestCode('+8613811114444');

    // A common password is refused, and the code still works.
    await page.fill('#recovery-code', first);
    await page.fill('#recovery-password', 'password1');
    await page.fill('#recovery-again', 'password1');
    await page.click('#recovery-submit');
    await page.locator('#recovery-error').waitFor();
    expect(await page.locator('#recovery-error').innerText()).toContain('one of the most common ones');
    await shots(page, 'reset-weak-password-en');

    // After the wait, a repeated send goes out (proof of work solved by the widget, under the page's CSP).
    await pause(1200);
    await submit(page, '#recovery-send');
    await page.locator('#recovery-notice').waitFor();
    expect(await page.locator('#recovery-notice').innerText()).toContain('a code is on its way');
    const second = await latestCode('+8613811114444');
    expect(second).not.toBe(first);

    // Three wrong codes use the code up: the third answer says so, and the form asks for a new code.
    for (let i = 0; i < 3; i++) {
      await page.fill('#recovery-code', second === '000000' ? '111111' : '000000');
      await page.fill('#recovery-password', 'River-new-2025');
      await page.fill('#recovery-again', 'River-new-2025');
      await submit(page, '#recovery-submit');
      await page.locator('#recovery-error').waitFor();
      if (i < 2) expect(await page.locator('#recovery-error').innerText()).toMatch(/left/);
    }
    expect(await page.locator('#recovery-error').innerText()).toMatch(/too many/i);
    expect(await page.locator('#recovery-complete-form').count()).toBe(0);
    await shots(page, 'reset-too-many-attempts-en');
    expect((await wecas.ctx.users.findByUsername('lin'))!.hasPassword).toBe(true);
  });
});

describe('changing the phone number, from the account page', () => {
  it('proves the new number and the old one by their codes (Chinese); the account shows the new number', async () => {
    const page = await newPage('zh-CN');
    await signIn(page, 'zhao', 'Zhao-pass-2024');
    await page.goto(`${wecas.casUrl}/account`);
    await page.click('#change-phone');
    await page.waitForURL(`${wecas.casUrl}/account/phone`);
    await page.fill('#phone-new', '13822220000');
    await page.click('#phone-send-new');
    await page.locator('#phone-change-form').waitFor();
    await pause(1200);
    await submit(page, '#phone-send-old');
    await page.locator('#phone-notice').waitFor();
    await shots(page, 'phone-change-zh');
    await page.fill('#phone-new-code', await latestCode('+8613822220000'));
    await page.fill('#phone-old-code', await latestCode('+8613811115555'));
    await page.click('#phone-submit');
    await page.waitForURL(`${wecas.casUrl}/account?done=phone_changed`);
    expect(await page.locator('#account-notice').innerText()).toBe('手机号已更换。');
    expect(await page.locator('#account-phone').innerText()).toBe('+8613822220000');
    await shots(page, 'phone-changed-account-zh');
  });

  it('with the old number lost, proves the change by the current password (English); a wrong one is refused first', async () => {
    const page = await newPage('en');
    await signIn(page, 'qian', 'Qian-pass-2024');
    await page.goto(`${wecas.casUrl}/account/phone`);
    await page.fill('#phone-new', '13844440000');
    await page.click('#phone-send-new');
    await page.locator('#phone-change-form').waitFor();
    const code = await latestCode('+8613844440000');
    await page.fill('#phone-new-code', code);
    await page.fill('#phone-password', 'not-my-password');
    await submit(page, '#phone-submit');
    await page.locator('#phone-error').waitFor();
    expect(await page.locator('#phone-error').innerText()).toBe('The password is not correct.');
    await shots(page, 'phone-change-wrong-password-en');
    expect((await wecas.ctx.users.findByUsername('qian'))!.phone).toBe('+8613811116666');

    // The wrong password did not spend the new number's code: it works with the right one.
    await page.fill('#phone-new-code', code);
    await page.fill('#phone-password', 'Qian-pass-2024');
    await shots(page, 'phone-change-by-password-en');
    await page.click('#phone-submit');
    await page.waitForURL(`${wecas.casUrl}/account?done=phone_changed`);
    expect(await page.locator('#account-notice').innerText()).toBe('Your phone number has been changed.');
    expect(await page.locator('#account-phone').innerText()).toBe('+8613844440000');
    const [changed] = await wecas.ctx.db
      .selectFrom('audit_events')
      .select('detail')
      .where('type', '=', 'phone.changed')
      .orderBy('at', 'desc')
      .execute();
    expect(JSON.parse(changed!.detail)).toMatchObject({ by: 'password', to: '+86138****0000' });
  });

  it('without the old number: the appeal is recorded for an administrator (English)', async () => {
    const page = await newPage('en');
    await signIn(page, 'mei', 'Plum-blossom-25');
    await page.goto(`${wecas.casUrl}/account/phone`);
    await page.fill('#phone-new', '13833330000');
    await page.click('#phone-send-new');
    await page.locator('#phone-appeal-form').waitFor();
    await page.fill('#appeal-code', await latestCode('+8613833330000'));
    await page.fill('#appeal-reason', 'My old phone was stolen.');
    await shots(page, 'phone-appeal-en');
    await page.click('#appeal-submit');
    await page.waitForURL(`${wecas.casUrl}/account?done=appeal`);
    expect(await page.locator('#account-notice').innerText()).toContain('Your request is recorded.');
    const appeals = await wecas.ctx.phoneAppeals.list('pending');
    expect(appeals.map((a) => [a.newPhone, a.reason])).toEqual([['+8613833330000', 'My old phone was stolen.']]);
    expect(await page.locator('#account-phone').innerText()).toBe('+8613811112222');
  });
});
