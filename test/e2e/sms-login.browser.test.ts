/**
 * Sign-in by SMS code in Chromium, to a CAS-protected demo app: the code comes from the development outbox,
 * as a developer trying wecas would read it. Also the unknown-number path, and a second code to the same number,
 * which the page's proof-of-work widget (altcha) pays for under our strict CSP, or explains without JavaScript.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { loopbackService, startWecas, type WecasServer } from '../support/server.js';

let wecas: WecasServer;
let app: DemoApp;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  // A 1-second resend wait, so a test can ask for a second code without sitting out the minute.
  wecas = await startWecas({ host: 'localhost', env: { SMS_RESEND_SECONDS: '1' } });
  [app, browser] = await Promise.all([startDemoApp({ port: 0, casUrl: wecas.casUrl, name: 'SMS App' }), launchBrowser()]);
  await wecas.ctx.services.add(loopbackService('SMS App', app.url));
  await wecas.ctx.users.create({ username: 'mei', phone: '+8613811112222', displayName: '王美 Mei' });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
  await wecas?.close();
});

async function codesTo(phone: string): Promise<string[]> {
  const res = await fetch(`${wecas.origin}/__outbox.json`);
  const messages = (await res.json()) as Array<{ phone: string; code: string }>;
  return messages.filter((x) => x.phone === phone).map((m) => m.code);
}

async function latestCode(phone: string): Promise<string> {
  const [code] = await codesTo(phone);
  if (!code) throw new Error(`no code for ${phone} in the outbox`);
  return code;
}

/** Sits out the 1-second resend wait of this server. */
const pastResendWait = () => new Promise((resolve) => setTimeout(resolve, 1200));

async function openSmsTab(page: Page) {
  await page.goto(`${app.url}/`);
  await page.click('#sign-in');
  await page.waitForURL(`${wecas.casUrl}/login?**`);
  await page.click('a[data-method=sms]');
  await page.waitForSelector('#sms-send-form');
}

describe('SMS-code sign-in in Chromium', () => {
  it('a person with a phone signs in by code and lands in the app', async () => {
    context = await browser.newContext({ locale: 'en', viewport: DESKTOP_VIEWPORT });
    const page = await context.newPage();
    await openSmsTab(page);
    await page.fill('#sms-phone', '138 1111 2222');
    await page.click('#sms-send');
    await page.waitForSelector('#sms-verify-form');
    expect(await page.textContent('#login-notice')).toContain('+86138****2222');
    await page.screenshot({ path: artifactPath('sms-login-code-sent-en-desktop.png'), fullPage: true });
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.screenshot({ path: artifactPath('sms-login-code-sent-en-phone.png'), fullPage: true });
    await page.fill('#sms-code', await latestCode('+8613811112222'));
    await page.click('#sms-submit');
    await page.waitForURL(`${app.url}/`);
    expect(await page.textContent('#user')).toBe('mei');
    await context.close();
  });

  it('an unknown number is told, after the code, to sign in with WeChat; nobody is signed in', async () => {
    context = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP_VIEWPORT });
    const page = await context.newPage();
    await openSmsTab(page);
    await page.fill('#sms-phone', '13899990000');
    await page.click('#sms-send');
    await page.waitForSelector('#sms-verify-form');
    await page.fill('#sms-code', await latestCode('+8613899990000'));
    await page.click('#sms-submit');
    await page.waitForSelector('#login-error');
    expect(await page.textContent('#login-error')).toContain('微信');
    await page.screenshot({ path: artifactPath('sms-login-no-account-zh-CN-desktop.png'), fullPage: true });
    expect((await context.cookies()).some((c) => c.name === 'TGC')).toBe(false);
    expect(await wecas.ctx.users.findByPhone('+8613899990000')).toBeNull();
  });

  it('a second code to the same number: the page proves work in the browser, under the strict CSP, and the code comes', async () => {
    await wecas.ctx.users.create({ username: 'lin', phone: '+8613811113333', displayName: 'Lin' });
    context = await browser.newContext({ locale: 'en', viewport: DESKTOP_VIEWPORT });
    const page = await context.newPage();
    const refused: string[] = [];
    page.on('console', (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refused.push(m.text());
    });
    await openSmsTab(page);
    await page.fill('#sms-phone', '138 1111 3333');
    await page.click('#sms-send');
    await page.waitForSelector('#sms-verify-form');
    expect(await page.locator('altcha-widget').count()).toBe(1);
    await pastResendWait();
    // The widget solves the challenge when the form is submitted, then submits it.
    await Promise.all([page.waitForNavigation(), page.click('#sms-send')]);
    expect(await page.locator('#login-error').count()).toBe(0);
    expect(await page.textContent('#login-notice')).toContain('+86138****3333');
    expect(await codesTo('+8613811113333')).toHaveLength(2);
    await page.screenshot({ path: artifactPath('sms-login-second-code-en-desktop.png'), fullPage: true });
    expect(refused).toEqual([]);
    await page.fill('#sms-code', await latestCode('+8613811113333'));
    await page.click('#sms-submit');
    await page.waitForURL(`${app.url}/`);
    await context.close();
  });

  it('without JavaScript a first code comes, and a second one is refused with a message that says why', async () => {
    context = await browser.newContext({ locale: 'en', viewport: DESKTOP_VIEWPORT, javaScriptEnabled: false });
    const page = await context.newPage();
    await openSmsTab(page);
    await page.fill('#sms-phone', '138 1111 4444');
    await page.click('#sms-send');
    await page.waitForSelector('#sms-verify-form');
    expect(await page.textContent('#sms-send-form')).toContain('Sending another code to the same number needs JavaScript');
    await pastResendWait();
    await Promise.all([page.waitForNavigation(), page.click('#sms-send')]);
    expect(await page.textContent('#login-error')).toContain('this page runs a short automatic check that needs JavaScript');
    expect(await page.locator('#sms-code').count()).toBe(1); // "use the code already sent": its field is there
    await page.screenshot({ path: artifactPath('sms-login-second-code-no-javascript-en-desktop.png'), fullPage: true });
    expect(await codesTo('+8613811114444')).toHaveLength(1);
  });
});
