/**
 * WeChat misbehaving during a sign-in, in Chromium: every fault the emulator can inject into the code exchange or the
 * profile read ends on a page that says what happened and offers a retry, with nobody signed in and nothing written.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fault, SnsApi } from '../../emulator/faults.js';
import { artifactPath, DESKTOP_VIEWPORT, PHONE_VIEWPORT } from '../support/browser.js';
import { closeServerAndBrowser, startServerAndBrowser, WECHAT_TIMEOUT_MS, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

afterAll(async () => closeServerAndBrowser({ server, browser, contexts }));

/** A new browser at the emulator's full-page QR for the demo app (wecas's /login/wechat?service=…); the QR's uuid. */
async function atFullPageQr(): Promise<{ context: BrowserContext; page: Page; uuid: string }> {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${server.casUrl}/login/wechat?service=${encodeURIComponent(server.service)}`);
  await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
  const uuid = String(await page.locator('#wx_emulator_login').getAttribute('data-uuid'));
  return { context, page, uuid };
}

async function hasTgc(context: BrowserContext): Promise<boolean> {
  return (await context.cookies(`${server.casUrl}/login`)).some((c) => c.name === 'TGC');
}

const MESSAGES = {
  code: '微信返回的登录凭证已过期或已被使用（例如刷新了页面）。请重新发起微信登录，本次未登录任何账号。',
  token: '微信未接受本次登录请求，请重新扫码。',
  busy: '微信服务繁忙，请稍等一分钟后重新扫码。',
  config: '本服务器的微信登录配置有误。请使用其他方式登录，并告知管理员。',
  unavailable: '暂时无法连接微信。请稍后重试，或使用手机号、密码登录。',
};

interface FaultCase {
  name: string;
  api: SnsApi;
  fault: Fault;
  /** userinfo is retried once on a transient failure: the fault must outlast the retry. */
  times?: number;
  message: string;
  kind: string;
  /** Scanning again cannot help (our AppID or secret is wrong): no retry link, only the other methods. */
  noRetry?: boolean;
  /** A code WeChat refuses is the request's fault: 400, and the sign-in cannot be used. Anything else is WeChat's: 502. */
  codeRefused?: boolean;
}

const CASES: FaultCase[] = [
  {
    name: 'errcode 40029 on the code exchange',
    api: 'access_token',
    fault: { type: 'errcode', errcode: 40029 },
    message: MESSAGES.code,
    kind: 'code_invalid',
    codeRefused: true,
  },
  {
    name: 'errcode 45011 (quota) on the code exchange',
    api: 'access_token',
    fault: { type: 'errcode', errcode: 45011 },
    message: MESSAGES.busy,
    kind: 'rate_limited',
  },
  {
    name: 'errcode 40125 (wrong secret) on the code exchange',
    api: 'access_token',
    fault: { type: 'errcode', errcode: 40125 },
    message: MESSAGES.config,
    kind: 'misconfigured',
    noRetry: true,
  },
  { name: 'errcode 40001 on userinfo', api: 'userinfo', fault: { type: 'errcode', errcode: 40001 }, message: MESSAGES.token, kind: 'token_invalid' },
  {
    name: 'errcode -1 on userinfo, twice',
    api: 'userinfo',
    fault: { type: 'errcode', errcode: -1 },
    times: 2,
    message: MESSAGES.busy,
    kind: 'system_error',
  },
  {
    name: 'HTTP 502 on the code exchange',
    api: 'access_token',
    fault: { type: 'http', status: 502 },
    message: MESSAGES.unavailable,
    kind: 'unavailable',
  },
  {
    name: 'HTTP 503 on userinfo, twice',
    api: 'userinfo',
    fault: { type: 'http', status: 503 },
    times: 2,
    message: MESSAGES.unavailable,
    kind: 'unavailable',
  },
  { name: 'malformed JSON from userinfo', api: 'userinfo', fault: { type: 'malformed' }, message: MESSAGES.unavailable, kind: 'malformed' },
  {
    name: 'malformed JSON from the code exchange',
    api: 'access_token',
    fault: { type: 'malformed' },
    message: MESSAGES.unavailable,
    kind: 'malformed',
  },
  {
    name: `a code exchange that hangs past WECHAT_TIMEOUT_MS (${WECHAT_TIMEOUT_MS} ms)`,
    api: 'access_token',
    fault: { type: 'hang' },
    message: MESSAGES.unavailable,
    kind: 'unavailable',
  },
];

describe('WeChat faults during sign-in', () => {
  it.each(CASES)(
    '$name: a clear page with a way forward, nobody signed in, no user or binding',
    async ({ api, fault, times, message, kind, noRetry, codeRefused }) => {
      const before = await server.counts();
      const { context, page, uuid } = await atFullPageQr();
      // Someone new: without the fault they would reach the bind page (and a returning person would be signed in).
      const persona = server.emulator.createPersona({ nickname: `故障 ${kind}`, sex: 0, regionId: null, hasAvatar: true });
      server.emulator.injectFault(api, fault, times ?? 1);
      const response = page.waitForResponse((r) => r.url().startsWith(`${server.casUrl}/login/wechat/callback?`));
      server.emulator.confirm(uuid, persona.id);

      expect((await response).status()).toBe(codeRefused ? 400 : 502);
      expect(await page.locator('h1').innerText()).toBe(codeRefused ? '本次微信登录无效' : '微信登录失败');
      expect(await page.locator('main p').first().innerText()).toBe(message);
      const retry = page.getByRole('link', { name: '重新微信扫码' });
      if (noRetry) expect(await retry.count()).toBe(0);
      else expect(await retry.getAttribute('href')).toBe(`/cas/login/wechat?service=${encodeURIComponent(server.service)}`);
      expect(await page.getByRole('link', { name: '使用其他方式登录' }).getAttribute('href')).toBe(
        `/cas/login?service=${encodeURIComponent(server.service)}`,
      );
      expect(await hasTgc(context)).toBe(false);
      expect(server.emulator.faults.pending()).toEqual([]);
      expect(await server.counts()).toEqual(before);
      const [event] = await server.ctx.db
        .selectFrom('audit_events')
        .select('detail')
        .where('type', '=', 'wechat.error')
        .orderBy('at', 'desc')
        .limit(1)
        .execute();
      expect(JSON.parse(event!.detail)).toMatchObject({ kind });
    },
  );

  it('after a fault, the retry link starts a fresh QR that works', async () => {
    const { context, page, uuid } = await atFullPageQr();
    server.emulator.injectFault('access_token', { type: 'http', status: 502 });
    server.emulator.confirm(uuid, 'xiaoming');
    await page.waitForURL(`${server.casUrl}/login/wechat/callback?**`);
    await page.setViewportSize(PHONE_VIEWPORT);
    await page.screenshot({ path: artifactPath('wechat-error-zh-CN-phone.png'), fullPage: true });

    await page.getByRole('link', { name: '重新微信扫码' }).click();
    await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
    const fresh = String(await page.locator('#wx_emulator_login').getAttribute('data-uuid'));
    expect(fresh).not.toBe(uuid);
    server.emulator.confirm(fresh, 'xiaoming');
    await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
    expect(await page.locator('#wechat-nickname').innerText()).toBe('小明');
    expect(await hasTgc(context)).toBe(false);
  });
});
