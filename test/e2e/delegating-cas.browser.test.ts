/**
 * wecas behind a redirecting intermediary, in Chromium: an application on one origin signs people in through a
 * CAS on a second origin (test/support/delegating-cas.ts) that delegates to wecas on a third, validates wecas's
 * ticket and redirects the browser on to the application, as LemonLDAP::NG or Apereo CAS do when they delegate.
 *
 * Chromium holds every redirect that follows a form's POST to the posting page's CSP `form-action`: a sign-in POST
 * answered with a redirect to the intermediary, which redirects on to the application, was blocked there and the
 * person saw the form unchanged (their SMS code spent). Each sign-in form (password, SMS code, WeChat linked by
 * phone and by account) must land in the application, with no CSP violation reported.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DESKTOP_VIEWPORT } from '../support/browser.js';
import { type DelegatingCas, startDelegatingCas } from '../support/delegating-cas.js';
import { loopbackService } from '../support/server.js';
import { closeServerAndBrowser, PHONE_USER, startServerAndBrowser, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
let delegating: DelegatingCas;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
  delegating = await startDelegatingCas({ casUrl: server.casUrl });
  await server.ctx.services.add(loopbackService('Delegating CAS', delegating.origin));
});

afterAll(async () => {
  await delegating?.close();
  await closeServerAndBrowser({ server, browser, contexts });
});

/** How long a landing may take: a blocked redirect never lands, so this is what a failure costs. */
const LANDING_MS = 15_000;

interface Visit {
  page: Page;
  /** What Chromium reported about the page's CSP: a blocked form submission shows here. */
  violations: string[];
  /** Every document the page was navigated through, in order. */
  documents: string[];
}

/** A fresh browser opens the application and is sent, through the intermediary, to wecas's login page. */
async function openApplication(locale = 'en'): Promise<Visit> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  const violations: string[] = [];
  const documents: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text());
  });
  page.on('request', (request) => {
    if (request.isNavigationRequest() && request.frame() === page.mainFrame()) documents.push(request.url());
  });
  await page.goto(`${delegating.appUrl}/`);
  await page.waitForURL(`${server.casUrl}/login?**`);
  expect(new URL(page.url()).searchParams.get('service')).toMatch(new RegExp(`^${delegating.origin}/callback\\?state=`));
  return { page, violations, documents };
}

/** The application's page, reached through wecas's continuation and the intermediary; returns the user it shows. */
async function landsInApplication(visit: Visit): Promise<string> {
  try {
    await visit.page.waitForURL(`${delegating.appUrl}/?ticket=DT-*`, { timeout: LANDING_MS });
  } catch (err) {
    throw new Error(`never reached the application; still at ${visit.page.url()}; CSP: ${visit.violations.join(' | ') || 'none'}`, { cause: err });
  }
  expect(visit.violations).toEqual([]);
  const continuation = visit.documents.findIndex((url) => url.startsWith(`${server.casUrl}/login/continue?id=`));
  const intermediary = visit.documents.findIndex((url) => url.startsWith(`${delegating.origin}/callback?`) && url.includes('ticket=ST-'));
  expect(continuation, visit.documents.join('\n')).toBeGreaterThan(-1);
  expect(intermediary, visit.documents.join('\n')).toBeGreaterThan(continuation);
  return visit.page.locator('#user').innerText();
}

/** From the login page to the full-page QR, scanned and allowed by `persona` through the emulator's control. */
async function scanFullPageQr(page: Page, persona: string): Promise<void> {
  await page.locator('#wechat-page-link').click();
  await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
  await page.locator('img.qrcode').waitFor();
  const uuid = String(await page.locator('#wx_emulator_login').getAttribute('data-uuid'));
  server.emulator.confirm(uuid, persona);
  await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
}

describe('sign-in forms behind a delegating CAS that redirects on to the application', { timeout: 90_000 }, () => {
  it('password: the application opens as the user', async () => {
    const visit = await openApplication();
    await visit.page.fill('#username', PHONE_USER.username);
    await visit.page.fill('#password', PHONE_USER.password);
    await visit.page.locator('#password-form button[type=submit]').click();
    expect(await landsInApplication(visit)).toBe(PHONE_USER.username);
  });

  it('SMS code: the application opens as the owner of the number', async () => {
    const visit = await openApplication();
    const { page } = visit;
    await page.click('a[data-method=sms]');
    await page.fill('#sms-phone', PHONE_USER.phone);
    await page.click('#sms-send');
    await page.waitForSelector('#sms-verify-form');
    const code = server.sms.lastCodeFor(PHONE_USER.phone);
    expect(code).toMatch(/^\d{6}$/);
    await page.fill('#sms-code', code!);
    await page.click('#sms-submit');
    expect(await landsInApplication(visit)).toBe(PHONE_USER.username);
  });

  it('WeChat, a new person linking a new phone by SMS code: the application opens as the new user', async () => {
    const visit = await openApplication();
    const { page } = visit;
    const persona = server.emulator.createPersona({ nickname: '转发 Relay', hasAvatar: false });
    await scanFullPageQr(page, persona.id);
    const phone = '+8613800138077';
    await page.fill('#phone', phone);
    await page.locator('#send-code').click();
    await page.locator('#bind-notice').waitFor();
    await page.fill('#code', server.sms.lastCodeFor(phone)!);
    await page.locator('#bind-submit').click();
    const shown = await landsInApplication(visit);
    const user = await server.ctx.users.findByPhone(phone);
    expect(shown).toBe(user!.id); // a WeChat-made account with nothing else to name it by
  });

  it('WeChat, a new person linking their existing account by login name and password: the application opens as that account', async () => {
    const visit = await openApplication();
    const { page } = visit;
    const persona = server.emulator.createPersona({ nickname: '账号 Account', hasAvatar: false });
    await scanFullPageQr(page, persona.id);
    await page.fill('#bind-username', PHONE_USER.username);
    await page.fill('#bind-password', PHONE_USER.password);
    await page.locator('#bind-account-submit').click();
    expect(await landsInApplication(visit)).toBe(PHONE_USER.username);
  });
});
