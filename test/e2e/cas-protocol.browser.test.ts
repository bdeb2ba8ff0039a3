/**
 * The protocol features only a real browser proves, under wecas's real CSP (Debian's Chromium):
 * `method=POST` (the auto-submitting form must post the ticket to the service: CSP `form-action` and the script
 * file), and front-channel logout (the logout page's <img> must reach the service: CSP `img-src`).
 * Applications are loopback receivers recording what the browser sent them.
 */
import { inflateSync } from 'node:zlib';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser } from '../support/browser.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { startWecas, TEST_USER, type WecasServer } from '../support/server.js';

const enc = encodeURIComponent;
let wecas: WecasServer;
let postApp: Receiver;
let frontApp: Receiver;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  [postApp, frontApp, browser] = await Promise.all([startReceiver(), startReceiver(), launchBrowser()]);
  wecas = await startWecas({
    host: 'localhost',
    services: [
      { name: 'POST app', pattern: `${postApp.origin}/app`, matchType: 'prefix', logoutType: 'none' },
      { name: 'front-channel app', pattern: `${frontApp.origin}/app`, matchType: 'prefix', logoutType: 'front-channel' },
    ],
  });
  context = await browser.newContext({ locale: 'en', viewport: DESKTOP_VIEWPORT });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await Promise.all([postApp?.close(), frontApp?.close()]);
  await wecas?.close();
});

/** CSP violations the page reported on its console. */
function cspViolations(page: Page): string[] {
  const found: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) found.push(m.text());
  });
  return found;
}

/** The n-th (1-based) POST an application received; the browser's other requests (favicon) are skipped. */
async function nthPost(app: Receiver, n: number) {
  for (let seen = n; ; seen++) {
    const posts = (await app.received(seen)).filter((r) => r.method === 'POST');
    if (posts.length >= n) return posts[n - 1]!;
  }
}

async function validate(service: string, ticket: string): Promise<string> {
  const res = await fetch(`${wecas.casUrl}/serviceValidate?service=${enc(service)}&ticket=${ticket}`);
  return res.text();
}

describe('method=POST in Chromium (docs/cas-protocol.md §1.1)', () => {
  it('the form login ends in a POST of the ticket to the service, and that ticket validates', async () => {
    const page = await context.newPage();
    const violations = cspViolations(page);
    const service = `${postApp.origin}/app?lang=zh`;
    await page.goto(`${wecas.casUrl}/login?service=${enc(service)}&method=POST`);
    await page.fill('#username', TEST_USER.username);
    await page.fill('#password', TEST_USER.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForURL(service);

    const post = await nthPost(postApp, 1);
    expect(post!.method).toBe('POST');
    expect(post!.url).toBe('/app?lang=zh');
    expect(post!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const ticket = new URLSearchParams(post!.body).get('ticket')!;
    expect(ticket).toMatch(/^ST-[A-Za-z0-9-]+$/);
    expect(await validate(service, ticket)).toContain('<cas:user>alice</cas:user>');

    // With the SSO session, the same request posts a new ticket without showing the form.
    await page.goto(`${wecas.casUrl}/login?service=${enc(service)}&method=POST`);
    const second = await nthPost(postApp, 2);
    const ticket2 = new URLSearchParams(second.body).get('ticket')!;
    expect(ticket2).not.toBe(ticket);
    expect(await validate(service, ticket2)).toContain('<cas:user>alice</cas:user>');
    expect(violations).toEqual([]);
    await page.close();
  });

  it('without JavaScript the page offers a button that posts the same form', async () => {
    const noJs = await browser.newContext({ javaScriptEnabled: false, locale: 'en' });
    const page = await noJs.newPage();
    const service = `${postApp.origin}/app/nojs`;
    await page.goto(`${wecas.casUrl}/login?service=${enc(service)}&method=POST`);
    await page.fill('#username', TEST_USER.username);
    await page.fill('#password', TEST_USER.password);
    await page.click('#password-form button[type=submit]');
    await page.waitForSelector('#autosubmit');
    await page.screenshot({ path: artifactPath('method-post-without-javascript.png'), fullPage: true });
    const before = postApp.requests.filter((r) => r.method === 'POST').length;
    await page.click('#autosubmit button[type=submit]');
    await page.waitForURL(service);
    const post = await nthPost(postApp, before + 1);
    expect(new URLSearchParams(post.body).get('ticket')).toMatch(/^ST-/);
    await noJs.close();
  });
});

describe('front-channel logout in Chromium (docs/cas-protocol.md §4.2, §8 #44)', () => {
  it("the logout page's image request reaches the service with SAMLRequest = base64(zlib(LogoutRequest))", async () => {
    const page = await context.newPage();
    const violations = cspViolations(page);
    const service = `${frontApp.origin}/app`;
    // The first test's SSO session may still be in this context's cookies: then no form shows.
    await page.goto(`${wecas.casUrl}/login?service=${enc(service)}`);
    if (page.url().startsWith(wecas.casUrl)) {
      await page.fill('#username', TEST_USER.username);
      await page.fill('#password', TEST_USER.password);
      await page.click('#password-form button[type=submit]');
    }
    await page.waitForURL(`${service}?ticket=*`);
    const ticket = new URL(page.url()).searchParams.get('ticket')!;
    expect(await validate(service, ticket)).toContain('<cas:user>alice</cas:user>');
    const before = frontApp.requests.length;

    await page.goto(`${wecas.casUrl}/logout`);
    let logoutRequest = (await frontApp.received(before + 1))[before]!;
    while (!logoutRequest.url.includes('SAMLRequest=')) {
      const seen = frontApp.requests.indexOf(logoutRequest) + 1;
      logoutRequest = (await frontApp.received(seen + 1))[seen]!;
    }
    expect(logoutRequest.method).toBe('GET');
    const url = new URL(logoutRequest.url, frontApp.origin);
    expect(url.pathname).toBe('/app');
    const xml = inflateSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    expect(/<samlp:SessionIndex>(.*)<\/samlp:SessionIndex>/.exec(xml)?.[1]).toBe(ticket);
    expect(await page.locator('.slo-frames img').count()).toBe(1);
    await page.screenshot({ path: artifactPath('front-channel-logout-page.png'), fullPage: true });
    expect(violations).toEqual([]);
    await page.close();
  });
});
