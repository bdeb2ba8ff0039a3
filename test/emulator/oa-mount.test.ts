// Official Account authorization with the emulator mounted as in development: under /__wechat on wecas's own
// server, with the apps the development root registers (a website app and an Official Account).
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { EMULATED_WECHAT_APP, EMULATED_WECHAT_OA_APP, EMULATOR_PATH, emulatorOptionsFor, loadDevelopmentConfig } from '../../dev/emulated-wechat.js';
import { createEmulator, emulatorPlugin } from '../../emulator/app.js';
import { WECHAT_IPHONE_UA } from '../../emulator/oa-pages.js';
import { attributeValues } from './helpers.js';

const closing: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closing.length) await closing.pop()?.();
});

function developmentOptions() {
  const { config, emulated } = loadDevelopmentConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', PUBLIC_URL: 'http://localhost:8080' });
  expect(emulated).toBe(true);
  return emulatorOptionsFor(config);
}

describe('the development root', () => {
  it('registers an Official Account beside the website app, both on the host of PUBLIC_URL', () => {
    const { apps } = developmentOptions();
    expect(apps).toEqual([
      expect.objectContaining({ appId: EMULATED_WECHAT_APP.appId, callbackDomain: 'localhost:8080' }),
      expect.objectContaining({
        kind: 'official-account',
        appId: EMULATED_WECHAT_OA_APP.appId,
        appSecret: EMULATED_WECHAT_OA_APP.appSecret,
        callbackDomain: 'localhost:8080',
      }),
    ]);
    expect(apps[0]?.kind ?? 'website').toBe('website');
  });
});

describe('mounted under /__wechat', () => {
  it('the picker, the cookie (Path=/__wechat), the consent forms and the redirect all stay under the mount path', async () => {
    const options = developmentOptions();
    const emulator = createEmulator(options);
    const app = Fastify();
    await app.register(emulatorPlugin, { prefix: EMULATOR_PATH, ...options, emulator });
    closing.push(() => app.close());
    const query = new URLSearchParams({
      appid: EMULATED_WECHAT_OA_APP.appId,
      redirect_uri: 'http://localhost:8080/cas/login/wechat-oa?service=x',
      response_type: 'code',
      scope: 'snsapi_userinfo',
      state: 'mnt',
    });
    const authorize = `/__wechat/connect/oauth2/authorize?${query}`;
    const headers = { 'user-agent': WECHAT_IPHONE_UA };

    const picker = await app.inject({ url: authorize, headers });
    expect(attributeValues(picker.body, 'action')[0]).toBe('/__wechat/__emulator/wechat-user');
    expect(attributeValues(picker.body, 'href')).toContain('/__wechat/__emulator/assets/emulator.css');
    const chosen = await app.inject({
      method: 'POST',
      url: '/__wechat/__emulator/wechat-user',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ persona: 'lina', next: authorize }).toString(),
    });
    expect(chosen.headers.location).toBe(authorize);
    expect(String(chosen.headers['set-cookie'])).toContain('; Path=/__wechat;');

    const consent = await app.inject({ url: authorize, headers: { ...headers, cookie: 'wxemu_user=lina' } });
    expect(attributeValues(consent.body, 'action')).toEqual(['/__wechat/connect/oauth2/authorize/allow', '/__wechat/connect/oauth2/authorize/deny']);
    expect(attributeValues(consent.body, 'src')).toContain(`/__wechat/__emulator/app-icon/${EMULATED_WECHAT_OA_APP.appId}`);
    expect(consent.body).toContain('wecas 服务号');

    // A `next` outside the mount path is not followed.
    const outside = await app.inject({ url: '/__wechat/__emulator/inside-wechat?ua=wechat&next=%2Fcas%2Flogin', headers });
    expect(outside.headers.location).toBe('/__wechat/__emulator/inside-wechat?lang=cn');
    expect(emulator.callCounts()).toMatchObject({ 'GET /connect/oauth2/authorize': 2, 'POST /__emulator/wechat-user': 1 });
  });
});
