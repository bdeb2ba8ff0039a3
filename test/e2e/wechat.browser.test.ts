/**
 * WeChat QR sign-in end to end in Chromium: the demo app (a real CAS-protected application) sends the browser to
 * wecas, the emulated WeChat QR is scanned on an emulated phone (a second page), a new person binds a phone by SMS
 * code (read back from the capturing sender), and the browser lands in the app. Screenshots of the QR pages, the
 * bind page and the account page go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATED_WECHAT_APP } from '../../dev/emulated-wechat.js';
import { DESKTOP_VIEWPORT, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { bindPhoneOnPage, closeServerAndBrowser, PHONE_USER, startServerAndBrowser, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  ({ server, browser } = await startServerAndBrowser());
});

afterAll(async () => closeServerAndBrowser({ server, browser, contexts }));

/** A fresh browser (own cookies), Chinese unless told otherwise. */
async function newBrowser(locale = 'zh-CN'): Promise<BrowserContext> {
  const context = await browser.newContext({ locale, viewport: DESKTOP_VIEWPORT });
  contexts.push(context);
  return context;
}

/** The demo app, signed out; its sign-in link leads to wecas's login page. */
async function loginPageFromApp(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(server.service);
  await page.locator('#sign-in').click();
  await page.waitForURL(`${server.casUrl}/login?**`);
  return page;
}

/** From the login page to the full-page QR (wecas's /login/wechat → the emulator's qrconnect); the QR's uuid. */
async function fullPageQr(page: Page): Promise<string> {
  await page.locator('#wechat-page-link').click();
  await page.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
  await page.locator('img.qrcode').waitFor();
  return String(await page.locator('#wx_emulator_login').getAttribute('data-uuid'));
}

/** The URL the QR encodes (the emulator's phone page), from the link under the QR. */
async function phoneUrlOf(page: Page): Promise<string> {
  return String(await page.locator('.emu-phone-link a').getAttribute('href'));
}

type Scanner = { persona: string } | { newNickname: string };

/** Plays the phone: opens the QR's URL, scans as a seeded person (or creates one), then allows or denies. */
async function scanOnPhone(context: BrowserContext, phoneUrl: string, who: Scanner, decision: 'allow' | 'deny' = 'allow'): Promise<void> {
  const phone = await context.newPage();
  await phone.setViewportSize(PHONE_VIEWPORT);
  await phone.goto(phoneUrl);
  if ('persona' in who) {
    await phone.getByRole('button', { name: new RegExp(who.persona) }).click();
  } else {
    await phone.fill('input[name=nickname]', who.newNickname);
    await phone.getByRole('button', { name: '创建并扫码' }).click();
  }
  await phone.getByRole('button', { name: decision === 'allow' ? '允许' : '拒绝' }).click();
  await phone.locator('.result').waitFor();
  await phone.close();
}

/** On the bind page: asks for a code, reads it from the capturing sender, enters it. */
async function bindPhone(page: Page, digits: string, screenshotName?: string): Promise<void> {
  await bindPhoneOnPage(server, page, digits, async () => {
    if (!screenshotName) return;
    await screenshot(page, `${screenshotName}-desktop.png`);
    await screenshot(page, `${screenshotName}-phone.png`, PHONE_VIEWPORT);
  });
}

async function hasTgc(context: BrowserContext): Promise<boolean> {
  // The TGC's path is the CAS prefix: ask for the cookies a CAS URL would get.
  return (await context.cookies(`${server.casUrl}/login`)).some((c) => c.name === 'TGC');
}

const screenshot = (page: Page, name: string, viewport = DESKTOP_VIEWPORT) => screenshotPage(page, name, viewport);

/** Both languages (through the page's own switch, then back), desktop and phone width. */
async function screenshotsInBothLanguages(page: Page, name: string) {
  expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
  await screenshot(page, `${name}-zh-CN-desktop.png`);
  await screenshot(page, `${name}-zh-CN-phone.png`, PHONE_VIEWPORT);
  await page.locator('a.lang').click();
  await page.waitForURL(/[?&]lang=en/);
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  await screenshot(page, `${name}-en-phone.png`, PHONE_VIEWPORT);
  await screenshot(page, `${name}-en-desktop.png`);
  await page.goto(page.url().replace(/lang=en/, 'lang=zh-CN'));
  await page.setViewportSize(DESKTOP_VIEWPORT);
}

const NEW_PERSON = { nickname: '陈晓 Chen Xiao', phone: '13800138001' };

// Each case is a whole journey through two pages and the phone: under a loaded CI machine it can take tens of seconds.
describe('WeChat sign-in into a CAS-protected app', { timeout: 90_000 }, () => {
  it('(a) a new WeChat person scans the full-page QR, binds a new phone and lands in the app as a new user named by their nickname', async () => {
    const before = await server.counts();
    const context = await newBrowser();
    const page = await loginPageFromApp(context);
    expect(await page.locator('iframe.wechat-qr').count()).toBe(1);
    await screenshotsInBothLanguages(page, 'wechat-login-qr');

    await fullPageQr(page);
    await screenshot(page, 'wechat-qrconnect-zh-CN-desktop.png');
    await screenshot(page, 'wechat-qrconnect-zh-CN-phone.png', PHONE_VIEWPORT);
    await page.setViewportSize(DESKTOP_VIEWPORT);
    await scanOnPhone(context, await phoneUrlOf(page), { newNickname: NEW_PERSON.nickname });

    await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
    expect(await page.locator('#wechat-nickname').innerText()).toBe(NEW_PERSON.nickname);
    // The element is there before its image has loaded: wait for the pixels, not the tag.
    await expect.poll(() => page.locator('.wechat-profile img.avatar').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    await screenshotsInBothLanguages(page, 'wechat-bind');
    expect(await hasTgc(context)).toBe(false);

    await bindPhone(page, NEW_PERSON.phone, 'wechat-bind-code-sent-zh-CN');
    await page.waitForURL(server.service);
    const userId = await page.locator('#user').innerText();
    expect(await page.locator('#attributes').innerText()).toContain(NEW_PERSON.nickname);
    expect(await hasTgc(context)).toBe(true);

    const user = await server.ctx.users.findById(userId);
    expect(user).toMatchObject({ phone: `+86${NEW_PERSON.phone}`, displayName: NEW_PERSON.nickname, username: null, status: 'active' });
    const identities = await server.ctx.identities.listForUser(userId);
    expect(identities).toHaveLength(1);
    expect(identities[0]!.profile.nickname).toBe(NEW_PERSON.nickname);
    expect(identities[0]!.unionid).toMatch(/^o/);
    expect(await server.counts()).toEqual({ users: before.users + 1, identities: before.identities + 1 });
  });

  it('(b) the same person scans the QR embedded in the login page and lands in the app at once, no phone step', async () => {
    const before = await server.counts();
    const sent = server.sms.sent.length;
    const context = await newBrowser();
    const page = await loginPageFromApp(context);
    const qr = page.frameLocator('iframe.wechat-qr');
    await qr.locator('img.qrcode').waitFor();
    const phoneUrl = String(await qr.locator('.emu-phone-link a').getAttribute('href'));
    await scanOnPhone(context, phoneUrl, { persona: NEW_PERSON.nickname });

    // self_redirect=false: WeChat moves the whole window, not the iframe, to the callback and on to the app.
    await page.waitForURL(server.service);
    const user = await server.ctx.users.findByPhone(`+86${NEW_PERSON.phone}`);
    expect(await page.locator('#user').innerText()).toBe(user!.id);
    expect(server.sms.sent.length).toBe(sent);
    expect(await server.counts()).toEqual(before);

    // The account page, when the lead's /account is there: the linked WeChat is listed.
    const account = await context.newPage();
    const response = await account.goto(`${server.casUrl}/account`);
    if (response?.status() === 200) {
      expect(await account.locator('body').innerText()).toContain(NEW_PERSON.nickname);
      await screenshotsInBothLanguages(account, 'wechat-account');
    }
  });

  it('(c) a person whose phone belongs to a password user binds it and becomes that user: one user, not two', async () => {
    const owner = (await server.ctx.users.findByUsername(PHONE_USER.username))!;
    const before = await server.counts();
    const context = await newBrowser();
    const page = await loginPageFromApp(context);
    // The phone through the emulator's control API this time: 李娜 scans and allows.
    server.emulator.confirm(await fullPageQr(page), 'lina');
    await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
    await bindPhone(page, PHONE_USER.phone.slice(3));

    await page.waitForURL(server.service);
    expect(await page.locator('#user').innerText()).toBe(PHONE_USER.username);
    expect(await server.counts()).toEqual({ users: before.users, identities: before.identities + 1 });
    const identities = await server.ctx.identities.listForUser(owner.id);
    expect(identities.map((i) => i.profile.nickname)).toEqual(['李娜']);
    // The password user keeps their own name; WeChat's nickname does not overwrite it.
    expect((await server.ctx.users.findById(owner.id))!.displayName).toBe(PHONE_USER.displayName);
  });

  it('(d) Deny on the phone: the QR page says so and a new scan works; with the older redirect, wecas says so and its retry works', async () => {
    const context = await newBrowser();
    const page = await loginPageFromApp(context);
    await fullPageQr(page);
    const phoneUrl = await phoneUrlOf(page);
    await scanOnPhone(context, phoneUrl, { persona: NEW_PERSON.nickname }, 'deny');
    await page.locator('#wx_after_cancel').waitFor({ state: 'visible' });
    expect(await page.locator('#wx_after_cancel').innerText()).toContain('您已取消此次登录');
    await scanOnPhone(context, phoneUrl, { persona: NEW_PERSON.nickname });
    await page.waitForURL(server.service);
    expect(await hasTgc(context)).toBe(true);

    const { appId } = EMULATED_WECHAT_APP;
    server.emulator.setLegacyDenyRedirect(appId, true);
    try {
      const other = await newBrowser();
      const page2 = await loginPageFromApp(other);
      await fullPageQr(page2);
      await scanOnPhone(other, await phoneUrlOf(page2), { persona: NEW_PERSON.nickname }, 'deny');
      await page2.waitForURL(`${server.casUrl}/login/wechat/callback?**`);
      expect(await page2.locator('h1').innerText()).toBe('已取消微信登录');
      expect(await page2.locator('main').innerText()).toContain('重新微信扫码');
      expect(await hasTgc(other)).toBe(false);
      await screenshot(page2, 'wechat-declined-zh-CN-phone.png', PHONE_VIEWPORT);

      await page2.getByRole('link', { name: '重新微信扫码' }).click();
      await page2.waitForURL(/\/__wechat\/connect\/qrconnect\?/);
      await scanOnPhone(other, await phoneUrlOf(page2), { persona: NEW_PERSON.nickname });
      await page2.waitForURL(server.service);
      expect(await hasTgc(other)).toBe(true);
    } finally {
      server.emulator.setLegacyDenyRedirect(appId, false);
    }
  });

  it('(e) a replayed callback URL and a forged or foreign state are refused: nobody signed in, nothing written', async () => {
    const before = await server.counts();
    const victim = await newBrowser();
    const page = await loginPageFromApp(victim);
    const uuid = await fullPageQr(page);
    const { redirectUrl: callbackUrl } = server.emulator.confirm(uuid, 'alice');
    await page.waitForURL(`${server.casUrl}/login/wechat/bind`);

    // The same callback again, in the same browser and in another: the state was used up.
    for (const context of [victim, await newBrowser()]) {
      const replay = await context.newPage();
      const response = await replay.goto(callbackUrl);
      expect(response?.status()).toBe(400);
      expect(await replay.locator('h1').innerText()).toBe('本次微信登录无效');
      expect(await hasTgc(context)).toBe(false);
    }

    // A state wecas never made, carrying a real code: refused before the code is traded (it still works at WeChat).
    const attacker = await newBrowser();
    const code = server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, 'alice');
    const forged = await attacker.newPage();
    const forgedResponse = await forged.goto(`${server.casUrl}/login/wechat/callback?code=${code}&state=${'F'.repeat(32)}`);
    expect(forgedResponse?.status()).toBe(400);
    expect(await forged.locator('h1').innerText()).toBe('本次微信登录无效');
    const tokens = await server.ctx.wechat!.client.exchangeCode(code);
    expect(tokens.openid).toMatch(/^o/);

    // A real state made for another browser (a login CSRF: the attacker's own sign-in planted in a victim's browser).
    const started = await loginPageFromApp(attacker);
    await fullPageQr(started);
    const attackerState = new URL(started.url()).searchParams.get('state')!;
    const planted = await victim.newPage();
    const plantedCode = server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, 'alice');
    const plantedResponse = await planted.goto(`${server.casUrl}/login/wechat/callback?code=${plantedCode}&state=${attackerState}`);
    expect(plantedResponse?.status()).toBe(400);
    expect(await planted.locator('main').innerText()).toMatch(/浏览器/);
    expect(await hasTgc(victim)).toBe(false);
    expect(await hasTgc(attacker)).toBe(false);

    expect(await server.counts()).toEqual(before);
    const reasons = (await server.ctx.db.selectFrom('audit_events').select('detail').where('type', '=', 'login.failure').execute()).map(
      (r) => (JSON.parse(r.detail) as { reason?: string }).reason,
    );
    expect(reasons).toEqual(expect.arrayContaining(['state_unknown_or_expired', 'state_other_browser']));
  });

  it('(f) a wrong SMS code five times kills the code; a new one (after the resend wait) works', async () => {
    const digits = '13800138005';
    const context = await newBrowser();
    const page = await loginPageFromApp(context);
    const persona = server.emulator.createPersona({ nickname: '错五次 Wu Ci' });
    server.emulator.confirm(await fullPageQr(page), persona.id);
    await page.waitForURL(`${server.casUrl}/login/wechat/bind`);
    await page.fill('#phone', digits);
    await page.locator('#send-code').click();
    await page.locator('#bind-notice').waitFor();
    const first = server.sms.lastCodeFor(`+86${digits}`)!;
    const wrong = first === '000000' ? '111111' : '000000';

    for (let left = 4; left >= 1; left--) {
      await page.fill('#code', wrong);
      await page.locator('#bind-submit').click();
      await expect.poll(() => page.locator('#bind-error').innerText()).toBe(`验证码不正确，还可尝试 ${left} 次。`);
    }
    await page.fill('#code', wrong);
    await page.locator('#bind-submit').click();
    await expect.poll(() => page.locator('#bind-error').innerText()).toBe('验证码错误次数过多，已失效，请重新获取。');
    expect(await page.locator('#verify-code-form').count()).toBe(0);

    // The right code is dead too (posted with a fresh bind page's one-time token, as the page would).
    const freshPage = await (await context.request.get(`${server.casUrl}/login/wechat/bind`)).text();
    const execution = /name="execution" value="(LT-[^"]+)"/.exec(freshPage)![1]!;
    const late = await context.request.post(`${server.casUrl}/login/wechat/bind`, { form: { phone: `+86${digits}`, code: first, execution } });
    expect(late.status()).toBe(400);
    expect(await late.text()).toContain('验证码错误次数过多');
    expect(await hasTgc(context)).toBe(false);

    // A new code: refused within the resend wait (the page says how long), sent after it.
    await page.locator('#send-code').click();
    await expect.poll(() => page.locator('#bind-error').innerText()).toMatch(/秒后再获取/);
    server.clock.advance(61_000);
    await bindPhone(page, digits);
    await page.waitForURL(server.service);
    expect(await hasTgc(context)).toBe(true);
  });
});
