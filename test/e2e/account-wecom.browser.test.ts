/**
 * The account page's WeCom section in Chromium: a linked WeCom member is listed with their name, userid and corp,
 * and the person unlinks it from there; the page says what happens next and the section is gone. Screenshots of
 * the section in zh-CN and en, desktop and phone widths, go to test-artifacts/.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATED_WECOM } from '../../dev/emulated-wecom.js';
import { artifactPath, DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { startWeComTestServer, type WeComTestServer } from '../wecom/harness.js';

let server: WeComTestServer;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startWeComTestServer(), launchBrowser()]);
});

afterAll(async () => {
  await Promise.allSettled(contexts.map((c) => c.close()));
  await browser?.close();
  await server?.close();
});

async function screenshot(page: Page, name: string) {
  await page.locator('#wecom').screenshot({ path: artifactPath(`${name}-section.png`) });
  await screenshotPage(page, `${name}.png`);
}

/** A person with a password and a linked WeCom member, signed in with the password in a new browser. */
async function signedInWithWeComLink(locale: string, phone: boolean, username: string, member: { userid: string; name: string }) {
  const password = `pw-${username}-2024`;
  const user = await server.ctx.users.create({ username, password });
  await server.ctx.identities.linkWeCom(user.id, { corpId: EMULATED_WECOM.corpId, ...member });
  const context = await browser.newContext({ locale, viewport: phone ? PHONE_VIEWPORT : DESKTOP_VIEWPORT });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${server.casUrl}/login`);
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.locator('#password-form button[type=submit]').click();
  await page.waitForLoadState();
  await page.goto(`${server.casUrl}/account`);
  return { page, user };
}

describe('the account page’s WeCom section in Chromium', () => {
  for (const [locale, phone, username, member, title, line, unlink, notice] of [
    ['zh-CN', false, 'liuaili', { userid: 'T0042', name: '刘爱丽' }, '企业微信', `${EMULATED_WECOM.corpId} 的成员 T0042`, '解绑', '已解绑企业微信。'],
    ['en', false, 'zhaolei', { userid: 'T0043', name: '赵磊' }, 'WeCom', `member T0043 of ${EMULATED_WECOM.corpId}`, 'Unlink', 'WeCom unlinked.'],
    ['zh-CN', true, 'sunli', { userid: 'T0044', name: '孙丽' }, '企业微信', `${EMULATED_WECOM.corpId} 的成员 T0044`, '解绑', '已解绑企业微信。'],
    ['en', true, 'zhouqiang', { userid: 'T0045', name: '周强' }, 'WeCom', `member T0045 of ${EMULATED_WECOM.corpId}`, 'Unlink', 'WeCom unlinked.'],
  ] as const) {
    const width = phone ? 'phone' : 'desktop';
    it(`lists the linked member and unlinks it (${locale}, ${width})`, async () => {
      const { page, user } = await signedInWithWeComLink(locale, phone, username, member);
      const section = page.locator('#wecom');
      expect(await section.locator('h2').innerText()).toBe(title);
      expect(await section.locator('.wecom-name').innerText()).toBe(member.name);
      expect(await section.locator('.note').innerText()).toContain(line);
      const button = section.getByRole('button', { name: unlink });
      expect(await button.isVisible()).toBe(true);
      await screenshot(page, `account-wecom-${width}-${locale}`);
      await button.click();
      await page.waitForURL(`${server.casUrl}/account?done=wecom_unlinked`);
      expect(await page.locator('#account-notice').innerText()).toContain(notice);
      expect(await page.locator('#wecom').count()).toBe(0);
      await page.screenshot({ path: artifactPath(`account-wecom-unlinked-${width}-${locale}.png`), fullPage: true });
      expect(await server.ctx.identities.listWeComForUser(user.id)).toEqual([]);
    });
  }
});
