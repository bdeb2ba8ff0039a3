import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { APP, CALLBACK, hrefs, startEmulator, startQr, type TestEmulator } from './helpers.js';

let t: TestEmulator;
let uuid: string;
beforeEach(async () => {
  t = await startEmulator();
  uuid = await startQr(t.app);
});
afterEach(async () => {
  await t.app.close();
});

const post = (url: string, form: Record<string, string>) =>
  t.app.inject({
    method: 'POST',
    url,
    payload: new URLSearchParams(form).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

describe('the phone page the QR encodes', () => {
  it('lets the person choose who scans, shows the app asking and says it is an emulator', async () => {
    const response = await t.app.inject(`/connect/confirm?uuid=${uuid}`);
    expect(response.statusCode).toBe(200);
    for (const text of ['张伟', '李娜', 'Alice 王🌸', '小明', APP.name, '新建微信用户', '这不是微信']) expect(response.body).toContain(text);
    expect(response.body).toContain('src="/mmopen/vi_32/seed-zhangwei/96"');
    expect(response.body).not.toMatch(/<script|<style|\sstyle=/);
    expect(t.emulator.qr.statusOf(t.emulator.qr.get(uuid)!)).toBe('waiting');
  });

  it('scanning as a persona leads to Allow / Deny; Allow confirms with that persona', async () => {
    const scanned = await post('/connect/confirm/scan', { uuid, persona: 'lina', lang: 'cn' });
    expect(scanned.statusCode).toBe(303);
    expect(scanned.headers.location).toBe(`/connect/confirm/authorize?uuid=${uuid}&lang=cn`);
    const authorize = await t.app.inject(scanned.headers.location as string);
    for (const text of ['李娜', APP.name, '允许', '拒绝', '登录确认']) expect(authorize.body).toContain(text);
    expect(authorize.body).toContain(`src="/__emulator/app-icon/${APP.appId}"`);
    const allowed = await post('/connect/confirm/allow', { uuid, lang: 'cn' });
    expect(allowed.body).toContain('已确认登录');
    const session = t.emulator.qr.get(uuid);
    expect(session).toMatchObject({ status: 'confirmed', personaId: 'lina' });
    expect(session?.code).toMatch(/^[0-9A-Za-z]{32}$/);
    // The QR is used up.
    expect((await t.app.inject(`/connect/confirm?uuid=${uuid}`)).body).toContain('该二维码已被使用');
  });

  it('Deny cancels; the same QR can be scanned again', async () => {
    await post('/connect/confirm/scan', { uuid, persona: 'alice' });
    expect((await post('/connect/confirm/deny', { uuid })).body).toContain('已拒绝登录');
    expect(t.emulator.qr.statusOf(t.emulator.qr.get(uuid)!)).toBe('cancelled');
    expect((await post('/connect/confirm/allow', { uuid })).statusCode).toBe(409);
    expect((await post('/connect/confirm/scan', { uuid, persona: 'alice' })).statusCode).toBe(303);
    expect(t.emulator.qr.statusOf(t.emulator.qr.get(uuid)!)).toBe('scanned');
  });

  it('creates a new WeChat user and scans as them', async () => {
    await post('/connect/confirm/scan', { uuid, nickname: '新用户', sex: '2', region: 'bj-chaoyang', avatar: '1' });
    const personaId = t.emulator.qr.get(uuid)?.personaId;
    expect(t.emulator.personas.get(personaId ?? '')).toMatchObject({ nickname: '新用户', sex: 2, regionId: 'bj-chaoyang' });
    expect(t.emulator.personas.get(personaId ?? '')?.avatarKey).toBeTypeOf('string');
    expect((await post('/connect/confirm/scan', { uuid, nickname: '  ' })).statusCode).toBe(400);
  });

  it('refuses Allow before a scan, unknown personas, unknown and expired QRs', async () => {
    expect((await post('/connect/confirm/allow', { uuid })).statusCode).toBe(409);
    expect((await post('/connect/confirm/scan', { uuid, persona: 'nobody' })).statusCode).toBe(400);
    expect((await t.app.inject('/connect/confirm?uuid=nope')).statusCode).toBe(404);
    t.emulator.expireQr(uuid);
    const expired = await t.app.inject(`/connect/confirm?uuid=${uuid}`);
    expect(expired.statusCode).toBe(409);
    expect(expired.body).toContain('二维码已失效');
    expect((await post('/connect/confirm/scan', { uuid, persona: 'lina' })).statusCode).toBe(409);
  });

  it('speaks English with lang=en and offers the switch', async () => {
    const body = (await t.app.inject(`/connect/confirm?uuid=${uuid}&lang=en`)).body;
    expect(body).toContain('<html lang="en">');
    expect(body).toContain('Which WeChat account is scanning?');
    expect(hrefs(body)).toContain(`/connect/confirm?uuid=${uuid}&lang=cn`);
    await post('/connect/confirm/scan', { uuid, persona: 'lina', lang: 'en' });
    const authorize = (await t.app.inject(`/connect/confirm/authorize?uuid=${uuid}&lang=en`)).body;
    expect(authorize).toContain('>Allow<');
    expect(authorize).toContain('>Deny<');
    expect(hrefs(authorize)).toContain(`/connect/confirm/authorize?uuid=${uuid}&lang=cn`);
    expect((await post('/connect/confirm/allow', { uuid, lang: 'en' })).body).toContain('Login confirmed');
  });

  it('speaks the language of the page that showed the QR when the phone URL has no lang (a scanned QR)', async () => {
    const english = await startQr(t.app, { lang: 'en' });
    const page = (await t.app.inject(`/connect/confirm?uuid=${english}`)).body;
    expect(page).toContain('<html lang="en">');
    expect(page).toContain('Which WeChat account is scanning?');
    // An explicit choice wins: the switch link, or a phone set to Chinese.
    const chinese = (await t.app.inject(`/connect/confirm?uuid=${english}&lang=cn`)).body;
    expect(chinese).toContain('<html lang="zh-CN">');
    expect(chinese).toContain('用哪个微信帐号扫码？');
    expect((await t.app.inject(`/connect/confirm?uuid=${uuid}`)).body).toContain('<html lang="zh-CN">');
  });

  it('says no and yes in Chinese by default, with the Chinese result pages', async () => {
    await post('/connect/confirm/scan', { uuid, persona: 'zhangwei', lang: 'cn' });
    const authorize = (await t.app.inject(`/connect/confirm/authorize?uuid=${uuid}&lang=cn`)).body;
    expect(authorize).toContain('<html lang="zh-CN">');
    expect(authorize).toContain('>允许<');
    expect((await post('/connect/confirm/deny', { uuid, lang: 'cn' })).body).toContain('已拒绝登录');
  });

  it('opened in the QR’s own tab (same_tab=1): keeps the mode from page to page, and Allow sends the tab on to the callback', async () => {
    const picker = (await t.app.inject(`/connect/confirm?uuid=${uuid}&lang=en&same_tab=1`)).body;
    expect(picker).toContain('<input type="hidden" name="same_tab" value="1">');
    expect(hrefs(picker)).toContain(`/connect/confirm?uuid=${uuid}&lang=cn&same_tab=1`);
    const scanned = await post('/connect/confirm/scan', { uuid, persona: 'lina', lang: 'en', same_tab: '1' });
    expect(scanned.headers.location).toBe(`/connect/confirm/authorize?uuid=${uuid}&lang=en&same_tab=1`);
    const authorize = (await t.app.inject(scanned.headers.location as string)).body;
    expect(authorize).toContain('<input type="hidden" name="same_tab" value="1">');
    const allowed = await post('/connect/confirm/allow', { uuid, lang: 'en', same_tab: '1' });
    expect(allowed.statusCode).toBe(303);
    const code = t.emulator.qr.get(uuid)?.code;
    expect(allowed.headers.location).toBe(`${CALLBACK}?code=${code}&state=st4te`);
  });

  it('opened in the QR’s own tab: Deny offers the way back to the website (redirect_uri?state=, no code)', async () => {
    await post('/connect/confirm/scan', { uuid, persona: 'lina', lang: 'cn', same_tab: '1' });
    const denied = await post('/connect/confirm/deny', { uuid, lang: 'cn', same_tab: '1' });
    expect(denied.statusCode).toBe(200);
    expect(denied.body).toContain('已拒绝登录');
    expect(denied.body).toContain('>返回网站<');
    expect(hrefs(denied.body)).toContain(`${CALLBACK}?state=st4te`);
  });

  it('sends the authorize page back to the picker when nothing is scanned', async () => {
    const response = await t.app.inject(`/connect/confirm/authorize?uuid=${uuid}`);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(`/connect/confirm?uuid=${uuid}&lang=cn`);
  });
});
