// The demo app in Chromium, in English and Chinese, against a stand-in CAS server: a first visit says "not signed
// in yet", signing out says "you have signed out" (here, and in the other app by single logout), and the language
// follows the browser until the page's own switch picks one. Screenshots go to test-artifacts/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { STUB_USER, type StubCas, startStubCas } from './stub-cas.js';

let cas: StubCas;
let appA: DemoApp;
let appB: DemoApp;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  cas = await startStubCas();
  [appA, appB] = await Promise.all([
    startDemoApp({ port: 0, casUrl: cas.casUrl, name: 'App A' }),
    startDemoApp({ port: 0, casUrl: cas.casUrl, name: 'App B' }),
  ]);
  browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.all(contexts.map((c) => c.close()));
  await browser?.close();
  await Promise.all([appA?.close(), appB?.close()]);
  await cas?.close();
});

async function newPage(locale: 'en' | 'zh-CN'): Promise<Page> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  return context.newPage();
}

async function screenshot(page: Page, name: string): Promise<void> {
  for (const [size, viewport] of [
    ['desktop', DESKTOP_VIEWPORT],
    ['phone', PHONE_VIEWPORT],
  ] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: artifactPath(`demo-app-${name}-${size}.png`), fullPage: true });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${name} on a ${size} scrolls sideways`).toBeLessThanOrEqual(0);
  }
  await page.setViewportSize(DESKTOP_VIEWPORT);
}

/** What the page says about the visitor: its language, heading, status (and its machine-readable state). */
async function shown(page: Page): Promise<{ lang: string | null; h1: string; status: string; state: string | null; button: string }> {
  return {
    lang: await page.getAttribute('html', 'lang'),
    h1: await page.innerText('h1'),
    status: await page.innerText('#status'),
    state: await page.getAttribute('#status', 'data-state'),
    button: await page.innerText('#sign-in, #sign-out'),
  };
}

const TEXTS = {
  en: {
    notSignedIn: {
      lang: 'en',
      h1: 'Not signed in',
      status: 'You are not signed in to this application yet.',
      state: 'not-signed-in',
      button: 'Sign in with CAS',
    },
    signedOut: { lang: 'en', h1: 'Signed out', status: 'You have signed out of this application.', state: 'signed-out', button: 'Sign in again' },
    singleLogout: {
      lang: 'en',
      h1: 'Signed out',
      status:
        'You have signed out: your single sign-on session ended (you signed out at the sign-in service or in another application), and this application’s session with it.',
      state: 'signed-out',
      button: 'Sign in again',
    },
    signedIn: { lang: 'en', h1: 'Signed in', status: `Signed in as ${STUB_USER.user}`, state: 'signed-in', button: 'Sign out (everywhere)' },
    switchTo: '中文',
  },
  'zh-CN': {
    notSignedIn: { lang: 'zh-CN', h1: '未登录', status: '您尚未登录此应用。', state: 'not-signed-in', button: '通过 CAS 登录' },
    signedOut: { lang: 'zh-CN', h1: '已退出登录', status: '您已退出此应用。', state: 'signed-out', button: '重新登录' },
    singleLogout: {
      lang: 'zh-CN',
      h1: '已退出登录',
      status: '您已退出登录：统一登录会话已结束（您在登录服务或其他应用中退出了登录），本应用的会话也随之结束。',
      state: 'signed-out',
      button: '重新登录',
    },
    signedIn: { lang: 'zh-CN', h1: '已登录', status: `当前用户：${STUB_USER.user}`, state: 'signed-in', button: '退出登录（所有应用）' },
    switchTo: 'English',
  },
} as const;

describe.each(['en', 'zh-CN'] as const)('the demo app in a %s browser', (locale) => {
  const text = TEXTS[locale];

  it('says "not signed in yet" on the first visit, then "you have signed out" after signing out here and, by single logout, in the other app', async () => {
    const page = await newPage(locale);
    await page.goto(`${appA.url}/`);
    await page.waitForURL(`${appA.url}/?sso=checked`); // the silent gateway check found no SSO session
    expect(await shown(page)).toEqual(text.notSignedIn);
    expect(await page.innerText('#lang-switch')).toBe(text.switchTo);
    await screenshot(page, `not-signed-in-${locale}`);

    await page.click('#sign-in');
    await page.waitForURL(`${appA.url}/`);
    expect(await shown(page)).toEqual(text.signedIn);
    expect(await page.innerText('#attributes')).toContain(STUB_USER.mail);
    await screenshot(page, `signed-in-${locale}`);

    await page.goto(`${appB.url}/`); // signed in by the SSO session, no form
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');

    await page.goto(`${appA.url}/`);
    await page.click('#sign-out');
    await page.waitForURL(`${appA.url}/?sso=checked`);
    expect(await shown(page)).toEqual(text.signedOut);
    await screenshot(page, `signed-out-${locale}`);
    expect(appB.sessions.size).toBe(0); // the stand-in CAS told B at once

    await page.goto(`${appB.url}/`);
    await page.waitForURL(`${appB.url}/?sso=checked`);
    expect(await shown(page)).toEqual(text.singleLogout);
    await screenshot(page, `single-logout-${locale}`);

    // Signed in again, the page is the signed-in one, not a leftover "signed out".
    await page.click('#sign-in');
    await page.waitForURL(`${appB.url}/`);
    expect(await page.getAttribute('#status', 'data-state')).toBe('signed-in');
    await page.click('#sign-out');
    await page.waitForURL(`${appB.url}/?sso=checked`);
  });
});

describe('the language switch', () => {
  it('overrides the browser’s language, is remembered for every demo app, and is handed on to the sign-in page', async () => {
    const page = await newPage('en');
    await page.goto(`${appA.url}/`);
    await page.waitForURL(`${appA.url}/?sso=checked`);
    expect(await page.getAttribute('#lang-switch', 'href')).toBe('/?sso=checked&lang=zh-CN');
    await page.click('#lang-switch');
    await page.waitForURL(`${appA.url}/?sso=checked`); // the choice went into a cookie; the URL stays clean
    expect(await shown(page)).toEqual(TEXTS['zh-CN'].notSignedIn);
    expect((await page.context().cookies(appA.url)).find((c) => c.name === 'demo_lang')?.value).toBe('zh-CN');

    await page.reload();
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
    await page.goto(`${appB.url}/`);
    expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');

    const logins = cas.logins.length;
    await page.click('#sign-in');
    await page.waitForURL(`${appB.url}/`);
    expect(cas.logins[logins]?.searchParams.get('lang')).toBe('zh-CN');
    expect(await shown(page)).toEqual(TEXTS['zh-CN'].signedIn);

    await page.click('#lang-switch');
    await page.waitForURL(`${appB.url}/`);
    expect(await shown(page)).toEqual(TEXTS.en.signedIn);
    await page.click('#sign-out');
    await page.waitForURL(`${appB.url}/?sso=checked`);
    expect(await shown(page)).toEqual(TEXTS.en.signedOut);
  });
});
