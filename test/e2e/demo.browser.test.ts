/**
 * `npm run demo` in Chromium: examples/demo.ts as it runs for a person (development mode, its own SQLite file, two
 * demo applications registered for back-channel logout). Single sign-on from app A to app B, then signing out at
 * wecas ends both applications' sessions. Screenshots go to test-artifacts/demo-*.png.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER } from '../../dev/demo-data.js';
import { type RunningDemo, startDemo } from '../../examples/demo.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser } from '../support/browser.js';
import { freePort } from '../support/server.js';

let demo: RunningDemo;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  [demo, browser] = await Promise.all([freePort().then((casPort) => startDemo({ casPort, appPorts: [0, 0] })), launchBrowser()]);
  context = await browser.newContext({ locale: 'en', viewport: DESKTOP_VIEWPORT });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await demo?.close();
});

/** Pages the main frame showed, in order (redirect hops in between are not shown, so not listed). */
function shownUrls(page: Page): string[] {
  const urls: string[] = [];
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) urls.push(frame.url());
  });
  return urls;
}

describe('the demo: two applications, one sign-in, one sign-out', () => {
  it('signs in at A, is signed in at B without a form, and signing out at wecas signs out of both', async () => {
    const [appA, appB] = demo.apps;
    const page = await context.newPage();

    await page.goto(`${appA.url}/`);
    expect(await page.getAttribute('#status', 'data-state')).toBe('not-signed-in');
    await page.click('#sign-in');
    await page.waitForURL(`${demo.casUrl}/login?**`);
    await page.fill('#username', DEMO_USER.username);
    await page.fill('#password', DEMO_USER.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForURL(`${appA.url}/`);
    expect(await page.textContent('#user')).toBe(DEMO_USER.username);
    expect(await page.textContent('h1')).toBe('Signed in');
    await page.screenshot({ path: artifactPath('demo-1-app-a-signed-in.png'), fullPage: true });

    // B: the silent gateway check finds the SSO session; wecas's form never shows.
    const shown = shownUrls(page);
    await page.goto(`${appB.url}/`);
    expect(await page.textContent('#user')).toBe(DEMO_USER.username);
    expect(shown).toEqual([`${appB.url}/`]);
    await page.screenshot({ path: artifactPath('demo-2-app-b-signed-in-by-sso.png'), fullPage: true });
    expect(appA.sessions.size).toBe(1);
    expect(appB.sessions.size).toBe(1);

    // Sign out at wecas itself: both applications hear of it by a back-channel POST.
    await page.goto(`${demo.casUrl}/logout`);
    expect(await page.textContent('h1')).toMatch(/signed out|logged out/i);
    await page.screenshot({ path: artifactPath('demo-3-wecas-signed-out.png'), fullPage: true });
    await demo.ctx.singleLogout.settled();
    expect(appA.sessions.size).toBe(0);
    expect(appB.sessions.size).toBe(0);

    for (const [name, app] of [
      ['a', appA],
      ['b', appB],
    ] as const) {
      await page.goto(`${app.url}/`);
      await page.waitForURL(`${app.url}/?sso=checked`);
      expect(await page.textContent('#status')).toContain('signed out');
      await page.screenshot({ path: artifactPath(`demo-4-app-${name}-signed-out.png`), fullPage: true });
    }
    await page.close();
  });
});
