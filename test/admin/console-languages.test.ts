/**
 * The console says what the domain decided in the page's language: the URL tester's explanation and a refusal are
 * codes the domain returns (admin/services.ts, admin/refusals.ts), translated by the message catalogue; the API keeps
 * the English sentence with the code beside it.
 */

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { POLICY_DEFAULTS } from '../../src/services/types.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { Browser } from '../support/cas-app.js';
import { ManualClock } from '../support/clock.js';
import { testConfig } from '../support/config.js';
import { openAdminApi } from './api-harness.js';

let ctx: Wecas;
let app: FastifyInstance;
const PASSWORD = 'pw-console-lang-1';

beforeAll(async () => {
  const config = testConfig({ TICKET_REGISTRY: 'memory', ADMIN_CONSOLE_SECOND_FACTOR: 'optional', PUBLIC_URL: 'http://localhost' });
  ctx = await createWecas(config, { clock: new ManualClock(Date.now()) });
  app = await buildApp(ctx, { logger: false });
  const root = await ctx.users.create({ username: 'root', password: PASSWORD });
  await ctx.admin.roles.grant(root.id, 'admin', 'test');
  await ctx.users.create({ username: 'dana', password: PASSWORD, displayName: 'Dana 丁' });
  await ctx.services.add({
    ...POLICY_DEFAULTS,
    name: 'Intranet 内网',
    pattern: 'https://intranet.example.org/app',
    matchType: 'prefix',
    evaluationOrder: 5,
    attributes: [],
    logoutType: 'back-channel',
    enabled: true,
  });
});

afterAll(async () => {
  await app?.close();
  await ctx?.close();
});

/** Signs in to the console in `lang`: /admin/login → wecas's login with renew → the callback with the ticket. */
async function consoleSignIn(lang: string) {
  const browser = new Browser(app);
  const start = await browser.get(`/admin/login?lang=${lang}`);
  const service = new URL(start.headers.location!, 'http://localhost').searchParams.get('service')!;
  const signedIn = await browser.signIn(service, 'root', PASSWORD, `&renew=true&lang=${lang}`);
  const back = new URL(signedIn.headers.location!);
  await browser.get(back.pathname + back.search);
  return browser;
}

/** The text of the element with this id (no markup inside). */
function textOf(html: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([^<]*)<`).exec(html);
  if (!m) throw new Error(`no #${id} in the page`);
  return m[1]!;
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1]!;
const testUrl = encodeURIComponent('https://intranet.example.org/app/home');

describe('the URL tester explains in the page language', () => {
  it('en: the prefix match, the service, and the one tried before it', async () => {
    const browser = await consoleSignIn('en');
    const page = await browser.get(`/admin/services/test?url=${testUrl}&lang=en`);
    expect(page.statusCode).toBe(200);
    const reason = textOf(page.body, 'test-reason');
    expect(reason).toMatch(/begins with the pattern of service \d+ “Intranet 内网” at a path boundary \(prefix, evaluation order 5\)/);
    expect(reason).toContain('1 service tried before it did not match.');
  });

  it('zh-CN: the same explanation in Chinese, no English sentence', async () => {
    const browser = await consoleSignIn('zh-CN');
    const page = await browser.get(`/admin/services/test?url=${testUrl}&lang=zh-CN`);
    const reason = textOf(page.body, 'test-reason');
    expect(reason).toMatch(/该地址以应用 \d+“Intranet 内网”的规则开头/);
    expect(reason).toContain('前缀匹配，匹配顺序 5');
    expect(reason).toContain('在它之前尝试的 1 个应用不匹配。');
    expect(reason).not.toMatch(/[a-z]{4,} [a-z]{4,}/);
    const none = await browser.get(`/admin/services/test?url=${encodeURIComponent('https://elsewhere.example.net/')}&lang=zh-CN`);
    expect(textOf(none.body, 'test-reason')).toMatch(/已登记的 \d+ 个应用都不匹配这个地址。/);
  });
});

describe('a refusal in the page language', () => {
  it.each([
    ['en', /dana has no WeChat link nope: it may have been removed meanwhile\./],
    ['zh-CN', /dana 没有微信绑定 nope：它可能已被解除。/],
  ])('%s: unlinking a WeChat link the account does not have says so (409)', async (lang, expected) => {
    const browser = await consoleSignIn(lang);
    const dana = (await ctx.users.findByUsername('dana'))!;
    const page = await browser.get(`/admin/accounts/${dana.id}?lang=${lang}`);
    const res = await browser.post(`/admin/accounts/${dana.id}/wechat/unlink?lang=${lang}`, { csrf: csrfOf(page.body), identity: 'nope' });
    expect(res.statusCode).toBe(409);
    expect(textOf(res.body, 'console-error')).toMatch(expected);
  });

  it.each([
    ['en', 'has no phone to activate with'],
    ['zh-CN', '没有可用于激活的手机号'],
  ])('%s: resetting the password of an account without a phone is refused', async (lang, expected) => {
    const browser = await consoleSignIn(lang);
    const dana = (await ctx.users.findByUsername('dana'))!;
    const page = await browser.get(`/admin/accounts/${dana.id}?lang=${lang}`);
    const res = await browser.post(`/admin/accounts/${dana.id}/password/reset?lang=${lang}`, { csrf: csrfOf(page.body) });
    expect(res.statusCode).toBe(409);
    expect(textOf(res.body, 'console-error')).toContain(expected);
  });
});

describe('a service the registry refuses, in the page language', () => {
  it.each([
    ['en', /^The service was not saved: check “Service URL pattern”\. invalid service: pattern: a prefix pattern must be an absolute http\(s\) URL/],
    ['zh-CN', /^应用未保存：请检查“服务地址规则”一项。$/],
  ])('%s: a pattern that is no URL names the field by its label', async (lang, expected) => {
    const browser = await consoleSignIn(lang);
    const form = await browser.get(`/admin/services/new?lang=${lang}`);
    const res = await browser.post(`/admin/services/new?lang=${lang}`, {
      csrf: csrfOf(form.body),
      name: 'Broken',
      description: '',
      pattern: 'not a url',
      matchType: 'prefix',
      evaluationOrder: '10',
      attributes: '',
      attributeRenames: '',
      usernameAttribute: '',
      usernameCase: 'none',
      requiredAttributes: '',
      requireAllAttributes: '',
      requiredAttributesCaseInsensitive: '',
      mfaPolicy: 'optional',
      logoutType: 'back-channel',
      logoutUrl: '',
      proxyPattern: '',
      enabled: 'on',
    });
    expect(res.statusCode).toBe(400);
    expect(textOf(res.body, 'console-error')).toMatch(expected);
  });
});

describe('the API keeps the English sentence and gives the code', () => {
  it('a refusal answers { error, message, reason }', async () => {
    const api = await openAdminApi();
    try {
      const desk = await api.token('helpdesk');
      await api.wecas.users.create({ username: 'erin', password: 'pw-erin-1' });
      const res = await api.call(desk.secret, 'DELETE', '/accounts/erin/wechat/nope');
      expect(res.statusCode).toBe(404);
      expect(res.json()).toEqual({ error: 'not_found', reason: 'no_such_wechat_link', message: 'erin has no WeChat link nope' });
    } finally {
      await api.close();
    }
  });
});
