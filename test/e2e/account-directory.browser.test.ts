/**
 * The account page of a directory account (the sql directory over a `people` table in a SQLite file), in Debian's
 * Chromium: it names the directory and the login there, and lists the WeChat links an administrator made
 * (`wecas user link-wechat`) and a scan made. Screenshots in zh-CN and en, desktop and phone, go to test-artifacts/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPeopleFile, hashes, PEOPLE_QUERIES, type SqliteFile } from '../directories/sql-fixtures.js';
import { DESKTOP_VIEWPORT, launchBrowser, PHONE_VIEWPORT, screenshotPage } from '../support/browser.js';
import { startWecas, type WecasServer } from '../support/server.js';

let people: SqliteFile;
let wecas: WecasServer;
let browser: Browser;

beforeAll(async () => {
  people = createPeopleFile([
    {
      login: 'zhangsan',
      passwordHash: hashes.pbkdf2('pw-zhangsan-1'),
      name: '张三',
      mobile: '+86 13700000001',
      email: 'zhangsan@example.edu.cn',
      groups: ['staff'],
      active: true,
    },
  ]);
  wecas = await startWecas({
    host: 'localhost',
    env: {
      DIRECTORIES: 'local,sql',
      SQL_DIRECTORY_NAME: 'hr',
      SQL_DIRECTORY_DATABASE_URL: people.url,
      SQL_DIRECTORY_BY_LOGIN_QUERY: PEOPLE_QUERIES.byLogin,
      SQL_DIRECTORY_BY_PHONE_QUERY: PEOPLE_QUERIES.byPhone ?? '',
      SQL_DIRECTORY_PHONE_PARAMETER: 'e164',
      SQL_DIRECTORY_GROUPS_FORMAT: 'json',
    },
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await wecas?.close();
  people?.cleanup();
});

const screenshot = (page: Page, name: string, viewport = DESKTOP_VIEWPORT) => screenshotPage(page, name, viewport);

describe('the account page of a directory account', () => {
  it('names the directory and the login there, and lists the WeChat links', async () => {
    // One link made by an administrator (no profile until its first scan), one made by a scan through another app.
    await wecas.ctx.admin.users.linkWeChat('zhangsan', { appId: 'wx-campus-site', openid: 'o-admin-made' });
    const record = (await wecas.ctx.users.findByDirectoryId('hr', 'zhangsan'))!;
    const profile = { nickname: '张三 Zhang San', headimgurl: '', sex: 1, province: '', city: '', country: 'CN' };
    expect(await wecas.ctx.binding.toUser({ userId: record.id, subject: { appId: 'wx-official-account', openid: 'o-scanned' }, profile })).toEqual({
      ok: true,
    });

    const context = await browser.newContext({ locale: 'zh-CN', viewport: DESKTOP_VIEWPORT });
    try {
      const page = await context.newPage();
      await page.goto(`${wecas.casUrl}/login`);
      await page.fill('#username', 'zhangsan');
      await page.fill('#password', 'pw-zhangsan-1');
      await page.click('#password-form button[type=submit]');
      await page.waitForLoadState();
      await page.goto(`${wecas.casUrl}/account`);

      expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
      expect(await page.locator('#account-name').innerText()).toBe('张三');
      expect(await page.locator('#account-directory').innerText()).toBe('hr');
      expect(await page.locator('#account-login').innerText()).toBe('zhangsan');
      expect(await page.locator('#account-phone').innerText()).toBe('+8613700000001');
      expect(await page.locator('.identity .wechat-nickname').allInnerTexts()).toEqual(['微信账号', '张三 Zhang San']);
      expect(await page.locator('#wechat').innerText()).toContain('应用 wx-official-account');
      await screenshot(page, 'account-directory-zh-CN-desktop.png');
      await screenshot(page, 'account-directory-zh-CN-phone.png', PHONE_VIEWPORT);

      await page.click('a.lang');
      await page.waitForURL(/[?&]lang=en/);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.locator('#profile').innerText()).toMatch(/Account from\s+hr\s+Login name\s+zhangsan/);
      expect(await page.locator('.identity .wechat-nickname').allInnerTexts()).toEqual(['WeChat account', '张三 Zhang San']);
      // Deleting is the directory's business: no delete link, and whom to ask.
      expect(await page.locator('#delete-account-link').count()).toBe(0);
      expect(await page.locator('#delete-managed').innerText()).toContain('managed by your organisation’s directory (hr)');
      await screenshot(page, 'account-directory-en-phone.png', PHONE_VIEWPORT);
      await screenshot(page, 'account-directory-en-desktop.png');

      // A directory account keeps its way in without WeChat (its directory password): unlinking is allowed.
      await page.locator('.identity').first().locator('button.unbind').click();
      await page.waitForURL(/done=unlinked/);
      expect(await page.locator('.identity').count()).toBe(1);
    } finally {
      await context.close();
    }
  }, 60_000);
});
