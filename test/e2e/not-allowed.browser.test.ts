/**
 * The page of a person an application does not admit (its required attributes), in Chromium: 403, in Chinese and in
 * English, on a phone and a desktop, after a fresh sign-in and by single sign-on, with a way to sign in as someone
 * else; screenshots kept as artifacts.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { startWecas, TEST_USER, type WecasServer } from '../support/server.js';

const STAFF_ONLY = 'https://staff.example.edu/';
/** An application anyone may use: wecas's own liveness page stands in for it (a ticket on its URL is ignored). */
let open: string;

let wecas: WecasServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [wecas, browser] = await Promise.all([
    startWecas({
      host: 'localhost',
      services: [
        { name: '教职工门户 Staff portal', pattern: STAFF_ONLY, matchType: 'prefix', requiredAttributes: { memberOf: ['^administrators$'] } },
      ],
    }),
    launchBrowser(),
  ]);
  open = `${wecas.origin}/health/live`;
  await wecas.ctx.services.add({ name: 'Open', pattern: open, matchType: 'prefix' });
});

afterAll(async () => {
  for (const c of contexts) await c.close();
  await browser?.close();
  await wecas?.close();
});

/** The person's browser at the login page for a service; the status of every page it is then answered with. */
async function atLogin(locale: string, service: string): Promise<{ page: Page; statuses: number[] }> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  const statuses: number[] = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest()) statuses.push(r.status());
  });
  await page.goto(`${wecas.casUrl}/login?service=${encodeURIComponent(service)}`);
  return { page, statuses };
}

async function signIn(page: Page) {
  await page.fill('#username', TEST_USER.username);
  await page.fill('#password', TEST_USER.password);
  await page.click('#password-form button[type=submit]');
  await page.waitForLoadState();
}

async function overflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

describe('the page of a person an application does not admit', () => {
  it.each([
    {
      locale: 'zh-CN',
      title: '您无权使用该应用',
      body: `您已以 ${TEST_USER.displayName} 身份登录，但 教职工门户 Staff portal 仅对部分人员开放，您的账号不在其中，未签发任何票据。`,
      link: '换个账号登录',
    },
    {
      locale: 'en',
      title: 'You cannot use this application',
      body: `You are signed in as ${TEST_USER.displayName}, but 教职工门户 Staff portal is open only to some people, and your account is not one of them. No ticket was issued.`,
      link: 'Sign in as someone else',
    },
  ])('after a fresh sign-in ($locale): 403, who they are, and a way on, on a desktop and a phone', async ({ locale, title, body, link }) => {
    const { page, statuses } = await atLogin(locale, STAFF_ONLY);
    await signIn(page);
    expect(statuses.at(-1)).toBe(403);
    expect(page.url()).toMatch(new RegExp(`^${wecas.casUrl}/login\\?`));
    expect(await page.textContent('h1')).toBe(title);
    expect(await page.textContent('main')).toContain(body);
    const again = page.getByRole('link', { name: link });
    expect(await again.getAttribute('href')).toContain('renew=true');
    await page.screenshot({ path: artifactPath(`not-allowed-${locale}-desktop.png`), fullPage: true });
    await page.setViewportSize(PHONE_VIEWPORT);
    expect(await overflow(page)).toBe(0);
    expect(await again.isVisible()).toBe(true);
    await page.screenshot({ path: artifactPath(`not-allowed-${locale}-phone.png`), fullPage: true });
  });

  it('by single sign-on: signed in at an open application, refused at the staff one, and it is the same page', async () => {
    const { page, statuses } = await atLogin('zh-CN', open);
    await signIn(page);
    // The continuation page moves on by itself: wait for the service's URL rather than read it at once.
    await page.waitForURL(new RegExp(`^${open}\\?ticket=ST-`));
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.goto(`${wecas.casUrl}/login?service=${encodeURIComponent(STAFF_ONLY)}`);
    expect(statuses.at(-1)).toBe(403);
    expect(await page.textContent('h1')).toBe('您无权使用该应用');
    await page.screenshot({ path: artifactPath('not-allowed-sso-zh-CN-phone.png'), fullPage: true });
    // "Sign in as someone else" is the login form again, for the same application.
    await page.getByRole('link', { name: '换个账号登录' }).click();
    await page.waitForSelector('#password-form');
    expect(new URL(page.url()).searchParams.get('service')).toBe(STAFF_ONLY);
  });
});
