/**
 * An application whose address has Chinese characters in it (`http://127.0.0.1:<port>/中文/`), in Debian's
 * Chromium: the application sends the browser to wecas with the address as typed, the person signs in, wecas sends
 * the browser back (Location percent-encoded) and the application validates the ticket with the address as its
 * request saw it (encoded), as CAS clients build it. Signing out with `service=` comes back the same way.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginUrl, logoutUrl, validateServiceTicket } from '../../examples/demo-app/cas-client.js';
import { DESKTOP_VIEWPORT, launchBrowser } from '../support/browser.js';
import { startWecas, TEST_USER, type WecasServer } from '../support/server.js';

/** A protected page at /中文/: without a ticket to wecas, with one the validation's outcome. */
async function startChineseApp(casUrl: () => string) {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const ticket = url.searchParams.get('ticket');
    if (!ticket) {
      res.writeHead(302, { location: loginUrl(casUrl(), `${origin}/中文/`) }).end();
      return;
    }
    url.searchParams.delete('ticket');
    const result = await validateServiceTicket(casUrl(), url.href, ticket);
    const shown = result.ok ? `<p id="user">${result.principal.user}</p>` : `<p id="error">${result.code}</p>`;
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>中文应用</title>${shown}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

let wecas: WecasServer;
let app: Awaited<ReturnType<typeof startChineseApp>>;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  [app, browser] = await Promise.all([startChineseApp(() => wecas.casUrl), launchBrowser()]);
  wecas = await startWecas({ services: [{ name: '中文应用', pattern: `${app.origin}/中文/`, matchType: 'prefix', logoutType: 'none' }] });
  context = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP_VIEWPORT });
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await app?.close();
  await wecas?.close();
});

describe('a service whose URL has Chinese characters, in Chromium', () => {
  it('signs in and comes back to the application with a ticket that validates; logout follows to it too', async () => {
    const page = await context.newPage();
    await page.goto(`${app.origin}/中文/`);
    await page.waitForURL(`${wecas.casUrl}/login?**`);
    await page.fill('#username', TEST_USER.username);
    await page.fill('#password', TEST_USER.password);
    const [signIn] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST'),
      page.click('#password-form button[type=submit]'),
    ]);
    expect(signIn.status()).toBe(303); // to wecas's continuation, whose page moves on to the service (ASCII-encoded)
    await page.waitForURL(`${app.origin}/%E4%B8%AD%E6%96%87/?ticket=*`);
    expect(await page.textContent('body')).toContain(TEST_USER.username);
    expect(await page.locator('#user').textContent()).toBe(TEST_USER.username);
    expect((await context.cookies(`${wecas.casUrl}/login`)).map((c) => c.name)).toContain('TGC');

    await page.goto(logoutUrl(wecas.casUrl, `${app.origin}/中文/`));
    // Back at the application without a ticket, it sends the browser to sign in again: the session is gone.
    await page.waitForURL(`${wecas.casUrl}/login?**`);
    expect(await page.locator('#password-form').count()).toBe(1);
    await page.close();
  });
});
