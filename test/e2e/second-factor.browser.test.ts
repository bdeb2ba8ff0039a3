/**
 * Two-step verification in Chromium: an authenticator app set up from the account page, with the code computed by
 * the test from the key the page shows; a service that requires a second factor (TOTP, then SMS code from the
 * development outbox); renew asking both factors again; the limit on wrong codes. Screenshots in Chinese and
 * English, on a phone and a desktop, kept as artifacts.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/mfa/totp.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { parseCasXml } from '../support/cas-app.js';
import { startWecas, type WecasServer } from '../support/server.js';

let wecas: WecasServer;
let browser: Browser;
/** A service that requires a second factor: wecas's own liveness page stands in for it (a ticket on its URL is ignored). */
let required: string;
const contexts: BrowserContext[] = [];
const PASSWORD = 'pw-second-factor-1';

beforeAll(async () => {
  [wecas, browser] = await Promise.all([startWecas({ host: 'localhost', env: { SMS_RESEND_SECONDS: '1' } }), launchBrowser()]);
  required = `${wecas.origin}/health/live`;
  await wecas.ctx.services.add({ name: '财务系统 Finance', pattern: required, matchType: 'prefix', mfaPolicy: 'required' });
  for (const [username, phone] of [
    ['tian-zh', null],
    ['tian-en', null],
    ['mei', '+8613811113333'],
    ['lei', '+8613811114444'],
  ] as const)
    await wecas.ctx.users.create({ username, password: PASSWORD, displayName: username, ...(phone ? { phone } : {}) });
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await wecas?.close();
});

async function newPage(locale: string): Promise<{ page: Page; statuses: number[] }> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  const statuses: number[] = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest()) statuses.push(r.status());
  });
  return { page, statuses };
}

async function passwordSignIn(page: Page, username: string, service?: string, renew = false) {
  await page.goto(`${wecas.casUrl}/login${service ? `?service=${encodeURIComponent(service)}${renew ? '&renew=true' : ''}` : ''}`);
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('#password-form button[type=submit]');
  await page.waitForLoadState();
}

async function bothSizes(page: Page, name: string) {
  await page.setViewportSize(DESKTOP_VIEWPORT);
  await page.screenshot({ path: artifactPath(`${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE_VIEWPORT);
  expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBe(0);
  await page.screenshot({ path: artifactPath(`${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP_VIEWPORT);
}

async function validate(ticket: string) {
  const res = await fetch(`${wecas.casUrl}/p3/serviceValidate?service=${encodeURIComponent(required)}&ticket=${ticket}`);
  return parseCasXml(await res.text());
}

const STEP = 30_000;

describe('two-step verification in Chromium', () => {
  it.each([
    { locale: 'zh-CN', user: 'tian-zh', setup: '设置身份验证器应用', title: '两步验证' },
    { locale: 'en', user: 'tian-en', setup: 'Set up an authenticator app', title: 'Two-step verification' },
  ])(
    '$locale: set up from the account page, then asked at a service that requires it, and by renew',
    async ({ locale, user, setup, title }) => {
      const { page } = await newPage(locale);
      await passwordSignIn(page, user);
      await page.goto(`${wecas.casUrl}/account`);
      await bothSizes(page, `mfa-account-off-${locale}`);
      await page.click('#mfa-setup');
      await page.waitForSelector('#mfa-qr');
      expect(await page.textContent('h1')).toBe(setup);
      await bothSizes(page, `mfa-setup-${locale}`);
      const secret = (await page.textContent('#mfa-secret'))!.replace(/\s/g, '');
      expect(await page.$eval('#mfa-qr', (img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
      const enrolledAt = Date.now();
      await page.fill('#mfa-confirm-code', totpCode(secret, enrolledAt));
      await page.click('#mfa-confirm');
      await page.waitForSelector('#recovery-codes');
      const recoveryCodes = await page.$$eval('#recovery-codes code', (els) => els.map((e) => e.textContent ?? ''));
      expect(recoveryCodes).toHaveLength(10);
      await bothSizes(page, `mfa-recovery-codes-${locale}`);
      await page.click('#mfa-codes-done');
      await page.waitForSelector('#mfa-disable');
      await bothSizes(page, `mfa-account-on-${locale}`);

      // A fresh browser, at the service that requires a second factor: the password, then the app's code.
      const { page: other } = await newPage(locale);
      await passwordSignIn(other, user, required);
      await other.waitForSelector('#mfa-totp-form');
      expect(await other.textContent('h1')).toBe(title);
      await bothSizes(other, `mfa-sign-in-${locale}`);
      // The enrolment used its time step; the next step's code is within the accepted window.
      const at = Math.floor(Date.now() / STEP) > Math.floor(enrolledAt / STEP) ? Date.now() : Date.now() + STEP;
      await other.fill('#mfa-totp-code', totpCode(secret, at));
      await other.click('#mfa-totp-submit');
      await other.waitForURL(`${required}?ticket=ST-**`);
      const r = await validate(new URL(other.url()).searchParams.get('ticket')!);
      expect(r.success).toBe(true);
      expect(r.user).toBe(user);
      expect(r.attributes.authenticationMethod).toEqual(['password', 'totp']);
      expect(r.attributes.successfulAuthenticationHandlers).toEqual(['password', 'totp']);

      // renew: the password form, then the second factor again (a recovery code this time).
      await passwordSignIn(other, user, required, true);
      await other.waitForSelector('#mfa-recovery summary');
      await other.click('#mfa-recovery summary');
      await other.fill('#mfa-recovery-code', recoveryCodes[0]!);
      await other.click('#mfa-recovery-submit');
      await other.waitForURL(`${required}?ticket=ST-**`);
      const renewed = await validate(new URL(other.url()).searchParams.get('ticket')!);
      expect(renewed.attributes.authenticationMethod).toEqual(['password', 'recovery-code']);
      expect(renewed.attributes.isFromNewLogin).toEqual(['true']);
    },
    120_000,
  );

  it('an SMS code to the bound phone is the second factor of an account without an app; another code needs the proof of work', async () => {
    const { page } = await newPage('zh-CN');
    await passwordSignIn(page, 'mei', required);
    await page.waitForSelector('#mfa-sms-send-form');
    await page.click('#mfa-sms-send');
    await page.waitForSelector('#mfa-sms-form');
    expect(await page.textContent('#mfa-notice')).toContain('+86138****3333');
    await bothSizes(page, 'mfa-sms-zh-CN');
    // Another code, past this server's 1-second resend wait: the page's proof-of-work widget pays for it.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await page.click('#mfa-sms-send');
    const sentTo = async (phone: string) =>
      ((await (await fetch(`${wecas.origin}/__outbox.json`)).json()) as Array<{ phone: string }>).filter((m) => m.phone === phone).length;
    await expect.poll(() => sentTo('+8613811113333'), { timeout: 30_000 }).toBe(2);
    await page.waitForLoadState();
    await page.waitForSelector('#mfa-sms-form');
    const outbox = (await (await fetch(`${wecas.origin}/__outbox.json`)).json()) as Array<{ phone: string; code: string; purpose: string }>;
    const message = outbox.find((m) => m.phone === '+8613811113333')!;
    expect(message.purpose).toBe('second-factor');
    await page.fill('#mfa-sms-code', message.code);
    await page.click('#mfa-sms-submit');
    await page.waitForURL(`${required}?ticket=ST-**`);
    expect((await validate(new URL(page.url()).searchParams.get('ticket')!)).attributes.authenticationMethod).toEqual(['password', 'sms']);
    expect(outbox.filter((m) => m.phone === '+8613811113333')).toHaveLength(2);
  }, 60_000);

  it.each(['zh-CN', 'en'])('%s: five wrong codes, then even a right one waits (429)', async (locale) => {
    const { page, statuses } = await newPage(locale);
    await passwordSignIn(page, 'lei', required);
    await page.click('#mfa-sms-send');
    await page.waitForSelector('#mfa-sms-form');
    for (let i = 0; i < 5; i++) {
      await page.fill('#mfa-sms-code', '000000');
      await page.click('#mfa-sms-submit');
      await page.waitForSelector('#mfa-error');
    }
    await page.fill('#mfa-sms-code', '000000');
    await page.click('#mfa-sms-submit');
    await page.waitForSelector('#mfa-error');
    expect(statuses.at(-1)).toBe(429);
    expect(await page.textContent('#mfa-error')).toContain(locale === 'en' ? 'Too many wrong codes' : '验证码错误次数过多');
    await bothSizes(page, `mfa-throttled-${locale}`);
    // Reset for the other language's run.
    await wecas.ctx.kv.delete(`mfa-fail:user:${(await wecas.ctx.users.findByUsername('lei'))!.id}`);
  });
});
