// Official Account web authorization in a real browser with WeChat's iPhone User-Agent: a bare site links to
// connect/oauth2/authorize, the emulator asks who the phone's WeChat user is, shows the consent, and the site lands
// on its callback. Outside WeChat the same link says "open it in WeChat". Screenshots in Chinese and English.
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorAppConfig, EmulatorOptions } from '../../emulator/app.js';
import type { Emulator } from '../../emulator/emulator.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT } from '../support/browser.js';
import { freePort, serveEmulatorUnderCsp } from './helpers.js';

const WECHAT_IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
const WECHAT_IPHONE_UA_EN = WECHAT_IPHONE_UA.replace('Language/zh_CN', 'Language/en');

let browser: Browser;
let emulatorServer: FastifyInstance;
let site: FastifyInstance;
let emulator: Emulator;
let emulatorBase: string;
let siteBase: string;
let oa: EmulatorAppConfig;
let website: EmulatorAppConfig;
let context: BrowserContext;
const cspViolations: string[] = [];

function authorizeUrl(scope: 'snsapi_base' | 'snsapi_userinfo'): string {
  const query = new URLSearchParams({ appid: oa.appId, redirect_uri: `${siteBase}/callback`, response_type: 'code', scope, state: 'inWx42' });
  return `${emulatorBase}/connect/oauth2/authorize?${query}#wechat_redirect`;
}

/** A bare site inside WeChat: two links (silent and with consent) and a callback that shows what it got. */
function buildSite(): FastifyInstance {
  const server = Fastify();
  const send = (body: string) => `<!doctype html><html><head><meta charset="utf-8"><title>site</title></head><body>${body}</body></html>`;
  server.get('/', async (_request, reply) =>
    reply
      .type('text/html')
      .send(
        send(
          `<a id="base" href="${authorizeUrl('snsapi_base')}">silent</a> <a id="userinfo" href="${authorizeUrl('snsapi_userinfo')}">微信授权登录</a>`,
        ),
      ),
  );
  server.get<{ Querystring: Record<string, string> }>('/callback', async (request, reply) =>
    reply
      .type('text/html')
      .send(
        send(
          `<p id="code">${request.query.code ?? ''}</p><p id="state">${request.query.state ?? ''}</p><p id="has-code">${'code' in request.query}</p>`,
        ),
      ),
  );
  return server;
}

beforeAll(async () => {
  const [emulatorPort, sitePort] = [await freePort(), await freePort()];
  emulatorBase = `http://127.0.0.1:${emulatorPort}`;
  siteBase = `http://localhost:${sitePort}`;
  oa = {
    kind: 'official-account',
    appId: 'wx2d4f6a8c0e1b3579',
    appSecret: 'c'.repeat(32),
    name: '浏览器测试服务号',
    callbackDomain: `localhost:${sitePort}`,
  };
  website = { appId: 'wx5b1c0f3e2d4a6987', appSecret: 'b'.repeat(32), name: '浏览器测试站', callbackDomain: `localhost:${sitePort}` };
  const options: EmulatorOptions = { apps: [website, oa], publicBaseUrl: emulatorBase, testControl: true };
  ({ emulator, server: emulatorServer } = await serveEmulatorUnderCsp(options, emulatorPort));
  site = buildSite();
  await site.listen({ port: sitePort, host: '127.0.0.1' });
  browser = await launchBrowser();
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
  await site?.close();
  await emulatorServer?.close();
});

beforeEach(() => {
  cspViolations.length = 0;
  emulator.reset();
});

async function newPage(userAgent: string | undefined, viewport = PHONE_VIEWPORT, locale = 'zh-CN'): Promise<Page> {
  await context?.close();
  context = await browser.newContext({ ...(userAgent ? { userAgent } : {}), viewport, locale });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return page;
}

async function tokenCall(code: string): Promise<Record<string, unknown>> {
  const query = new URLSearchParams({ appid: oa.appId, secret: oa.appSecret, code, grant_type: 'authorization_code' });
  return (await (await fetch(`${emulatorBase}/sns/oauth2/access_token?${query}`)).json()) as Record<string, unknown>;
}

async function imagesLoaded(page: Page): Promise<void> {
  await expect
    .poll(() => page.locator('img').evaluateAll((imgs: HTMLImageElement[]) => imgs.every((i) => i.complete && i.naturalWidth > 0)))
    .toBe(true);
}

describe('inside WeChat (iPhone User-Agent)', () => {
  it('first time: who is on this phone → consent → 允许 → the site gets a code; the token carries the unionid', async () => {
    const page = await newPage(WECHAT_IPHONE_UA);
    await page.goto(`${siteBase}/`);
    await page.click('#userinfo');
    await page.getByText('这部“手机”上登录的是哪个微信帐号？').waitFor();
    await imagesLoaded(page);
    await page.screenshot({ path: artifactPath('emulator-oa-phone-user-zh.png'), fullPage: true });
    await page.getByRole('button', { name: /李娜/ }).click();

    await page.getByRole('button', { name: '允许' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    const text = await page.locator('body').innerText();
    expect(text).toContain('浏览器测试服务号');
    expect(text).toContain('获得你的公开信息（昵称、头像等）');
    expect(text).toContain('李娜');
    expect(text).toContain('这不是微信');
    await imagesLoaded(page);
    await page.screenshot({ path: artifactPath('emulator-oa-consent-zh.png'), fullPage: true });
    await page.getByRole('button', { name: '允许' }).click();

    await page.waitForURL(/\/callback\?/);
    expect(page.url()).toMatch(/\/callback\?code=[0-9A-Za-z]{32}&state=inWx42$/);
    const token = await tokenCall(await page.locator('#code').innerText());
    expect(token).toMatchObject({ scope: 'snsapi_userinfo', expires_in: 7200 });
    expect(token.unionid).toBeTypeOf('string');
    expect((await tokenCall(await page.locator('#code').innerText())).errcode).toBe(40163);

    // The phone remembers its user: the silent link now goes straight to the site, no page in between.
    emulator.calls.clear();
    await page.goto(`${siteBase}/`);
    await page.click('#base');
    await page.waitForURL(/\/callback\?code=/);
    expect(emulator.callCounts()).toEqual({ 'GET /connect/oauth2/authorize': 1 });
    const silent = await tokenCall(await page.locator('#code').innerText());
    expect(silent).toMatchObject({ scope: 'snsapi_base', openid: token.openid });
    expect(silent).not.toHaveProperty('unionid');
    expect(cspViolations).toEqual([]);
  });

  it('in English (Language/en), the phone user preset by the control URL; Deny → the callback without a code', async () => {
    const page = await newPage(WECHAT_IPHONE_UA_EN);
    const { pathname, search } = new URL(authorizeUrl('snsapi_userinfo'));
    await page.goto(`${emulatorBase}/__control/oa/phone-user?persona=alice&next=${encodeURIComponent(pathname + search)}`);
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    const text = await page.locator('body').innerText();
    expect(text).toContain('“浏览器测试服务号” asks for the following permission:');
    expect(text).toContain('Alice 王🌸');
    await imagesLoaded(page);
    await page.screenshot({ path: artifactPath('emulator-oa-consent-en.png'), fullPage: true });
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.waitForURL(/\/callback\?/);
    expect(new URL(page.url()).search).toBe('?state=inWx42');
    expect(await page.locator('#has-code').innerText()).toBe('false');
    expect(cspViolations).toEqual([]);
  });

  it('snapshot mode: the consent link goes straight to the site with a virtual account’s code', async () => {
    emulator.setSnapshot(true);
    const page = await newPage(WECHAT_IPHONE_UA);
    await context.addCookies([{ name: 'wxemu_user', value: 'lina', url: emulatorBase }]);
    await page.goto(`${siteBase}/`);
    await page.click('#userinfo');
    await page.waitForURL(/\/callback\?code=/);
    const token = await tokenCall(await page.locator('#code').innerText());
    expect(token).toMatchObject({ is_snapshotuser: 1, scope: 'snsapi_base' });
    expect(token).not.toHaveProperty('unionid');
  });
});

describe('outside WeChat (desktop Chromium)', () => {
  it.each([
    ['zh', '请在微信客户端打开链接'],
    ['en', 'Open this link in the WeChat app'],
  ] as const)('%s: the link says to open it in WeChat; the help page’s ua=wechat lets this browser through', async (lang, wanted) => {
    // Chromium's own User-Agent; the language comes from Accept-Language (the browser's locale).
    const page = await newPage(undefined, DESKTOP_VIEWPORT, lang === 'en' ? 'en-US' : 'zh-CN');
    await page.goto(`${siteBase}/`);
    await page.click('#userinfo');
    await page.getByText(wanted).waitFor();
    expect(page.url()).toContain('/connect/oauth2/authorize');
    await page.screenshot({ path: artifactPath(`emulator-oa-not-in-wechat-${lang}.png`) });

    await page.click('#emu-inside-wechat-help');
    await page.locator('#emu-verdict').waitFor();
    expect(await page.locator('#emu-verdict').innerText()).toBe(
      lang === 'en' ? 'The emulator treats it as: an ordinary browser (not inside WeChat)' : '模拟器视为：普通浏览器（不在微信内）',
    );
    expect(await page.locator('#emu-wechat-ua').innerText()).toBe(WECHAT_IPHONE_UA);
    await page.screenshot({ path: artifactPath(`emulator-oa-inside-wechat-${lang}.png`), fullPage: true });
    await page.click('#emu-ua-toggle');
    // Back to the link, now "inside WeChat": the emulator asks who the phone's user is.
    await page.getByRole('button', { name: lang === 'en' ? /Use this account: 张伟/ : /使用此帐号: 张伟/ }).click();
    await page.getByRole('button', { name: lang === 'en' ? 'Allow' : '允许' }).click();
    await page.waitForURL(/\/callback\?code=/);
    expect(cspViolations).toEqual([]);
  });
});
