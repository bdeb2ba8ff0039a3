// What a browser is shown for WeChat, by where it runs (app.inject, no WeChat call): the QR on a computer, a button
// to the 服务号's web authorization inside WeChat, and the 服务号's domain-verification file at the host's root.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type CasTestApp, createCasTestApp, S } from '../support/cas-app.js';
import { USER_AGENTS } from '../support/user-agents.js';

const WEBSITE_APP = { WECHAT_APP_ID: 'wx0000000000web001', WECHAT_APP_SECRET: 'website-secret-0123456789abcdef' };
const OFFICIAL_ACCOUNT = { WECHAT_OA_APP_ID: 'wx00000000000oa001', WECHAT_OA_APP_SECRET: 'official-account-secret-0123456789' };
const VERIFY = { WECHAT_OA_VERIFY_FILE: 'MP_verify_Qw3rTy9Uiop1Asdf.txt', WECHAT_OA_VERIFY_CONTENT: 'Qw3rTy9Uiop1Asdf' };

const loginPage = (t: CasTestApp, userAgent: string) =>
  t.app.inject({ url: `/cas/login?service=${encodeURIComponent(S)}`, headers: { 'user-agent': userAgent, 'accept-language': 'en' } });

describe('with a website app and a 服务号', () => {
  let t: CasTestApp;
  beforeAll(async () => {
    t = await createCasTestApp({ ...WEBSITE_APP, ...OFFICIAL_ACCOUNT, ...VERIFY });
  });
  afterAll(() => t.close());

  it.each([
    ['iPhone', USER_AGENTS.wechatIphone],
    ['Android', USER_AGENTS.wechatAndroid],
  ])("inside WeChat (%s): a button to the 服务号's authorization, and no QR", async (_, userAgent) => {
    const res = await loginPage(t, userAgent);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('id="wechat-in-app"');
    expect(res.body).toContain(`href="/cas/login/wechat/oa?service=${encodeURIComponent(S).replaceAll('&', '&amp;')}"`);
    expect(res.body).toContain('Sign in with WeChat');
    expect(res.body).not.toContain('<iframe');
    // No frame to allow: the page's policy names no WeChat origin.
    expect(String(res.headers['content-security-policy'])).not.toContain('open.weixin.qq.com');
  });

  it.each([
    ['a desktop browser', USER_AGENTS.desktopChrome],
    ['WeCom', USER_AGENTS.wecom],
  ])('in %s: the QR, and no button', async (_, userAgent) => {
    const res = await loginPage(t, userAgent);
    const frame = /<iframe class="wechat-qr"[^>]*>/.exec(res.body)?.[0] ?? '';
    // Chrome 142+ asks before a page reaches a desktop WeChat on this machine (快速登录): the frame must be allowed to.
    expect(frame).toContain('allow="local-network-access"');
    expect(frame).toContain('sandbox="allow-scripts allow-same-origin allow-top-navigation"');
    expect(res.body).not.toContain('id="wechat-in-app"');
  });

  it("the button goes to the 服务号's silent authorization with a one-time state", async () => {
    const res = await t.app.inject({
      url: `/cas/login/wechat/oa?service=${encodeURIComponent(S)}`,
      headers: { 'user-agent': USER_AGENTS.wechatIphone },
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers['cache-control']).toContain('no-store');
    const location = String(res.headers.location);
    expect(location.endsWith('#wechat_redirect')).toBe(true);
    const url = new URL(location.replace(/#wechat_redirect$/, ''));
    expect(`${url.origin}${url.pathname}`).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
    expect([...url.searchParams.keys()]).toEqual(['appid', 'redirect_uri', 'response_type', 'scope', 'state']);
    expect(url.searchParams.get('appid')).toBe(OFFICIAL_ACCOUNT.WECHAT_OA_APP_ID);
    expect(url.searchParams.get('redirect_uri')).toBe('http://localhost:8080/cas/login/wechat/callback');
    expect(url.searchParams.get('scope')).toBe('snsapi_base');
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);
  });

  it('serves the domain-verification file at the root of the host, as plain text', async () => {
    const res = await t.app.inject({ url: `/${VERIFY.WECHAT_OA_VERIFY_FILE}` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toBe(VERIFY.WECHAT_OA_VERIFY_CONTENT);
    expect((await t.app.inject({ url: '/MP_verify_SomethingElse.txt' })).statusCode).toBe(404);
  });
});

describe('with a website app only', () => {
  let t: CasTestApp;
  beforeAll(async () => {
    t = await createCasTestApp(WEBSITE_APP);
  });
  afterAll(() => t.close());

  it('inside WeChat: no QR (it cannot be scanned from its own screen) and no button; password and SMS remain', async () => {
    const res = await loginPage(t, USER_AGENTS.wechatIphone);
    expect(res.body).not.toContain('<iframe');
    expect(res.body).not.toContain('id="wechat-in-app"');
    expect(res.body).toContain('id="password-form"');
    expect((await t.app.inject({ url: `/cas/login/wechat/oa?service=${encodeURIComponent(S)}` })).statusCode).toBe(404);
  });
});

describe('the 服务号 settings', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig({ NODE_ENV: 'test', ...env });
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('come in pairs, with the website app, and the verification file has the name WeChat gives', () => {
    expect(problemsOf({ ...WEBSITE_APP, WECHAT_OA_APP_ID: 'wx00000000000oa001' })).toContain('WECHAT_OA_APP_SECRET');
    expect(problemsOf(OFFICIAL_ACCOUNT)).toContain('WECHAT_APP_ID');
    expect(problemsOf({ ...WEBSITE_APP, ...OFFICIAL_ACCOUNT, WECHAT_OA_VERIFY_FILE: VERIFY.WECHAT_OA_VERIFY_FILE })).toContain(
      'WECHAT_OA_VERIFY_CONTENT',
    );
    expect(problemsOf({ ...WEBSITE_APP, ...OFFICIAL_ACCOUNT, ...VERIFY, WECHAT_OA_VERIFY_FILE: '../etc/passwd' })).toContain('MP_verify_');
    expect(problemsOf({ ...WEBSITE_APP, ...OFFICIAL_ACCOUNT, ...VERIFY })).toBe('');
  });
});
