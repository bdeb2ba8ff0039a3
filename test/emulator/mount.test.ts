import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmulator, type EmulatorOptions, emulatorPlugin } from '../../emulator/app.js';
import { APP, CALLBACK, hrefs } from './helpers.js';

const OPTIONS: EmulatorOptions = { apps: [APP], publicBaseUrl: 'http://localhost:8080/__wechat', testControl: true };
const WECAS_CSP = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'";

async function wecasLike(withFormbody: boolean) {
  const app = Fastify();
  if (withFormbody) await app.register(formbody);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', WECAS_CSP);
  });
  const emulator = createEmulator(OPTIONS);
  await app.register(emulatorPlugin, { prefix: '/__wechat', ...OPTIONS, emulator });
  await app.ready();
  return { app, emulator };
}

const closing: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (closing.length) await closing.pop()?.();
});

describe.each([true, false])('mounted under /__wechat (parent registered formbody: %s)', (withFormbody) => {
  it('serves WeChat’s paths under the prefix, with links that stay under it', async () => {
    const { app, emulator } = await wecasLike(withFormbody);
    closing.push(() => app.close());
    const query = new URLSearchParams({ appid: APP.appId, redirect_uri: CALLBACK, response_type: 'code', scope: 'snsapi_login', state: 's' });
    const page = await app.inject(`/__wechat/connect/qrconnect?${query}`);
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toBe(WECAS_CSP);
    expect(page.body).toContain('href="/__wechat/__emulator/assets/emulator.css"');
    expect(page.body).toContain('src="/__wechat/__emulator/assets/qrconnect.js"');
    expect(page.body).toContain('data-poll-url="/__wechat/connect/l/qrconnect"');
    const uuid = emulator.qr.list()[0]?.uuid ?? '';
    expect(page.body).toContain(`src="/__wechat/connect/qrcode/${uuid}"`);
    expect(hrefs(page.body)).toContain(`http://localhost:8080/__wechat/connect/confirm?uuid=${uuid}&lang=cn`);
    expect((await app.inject(`/__wechat/connect/qrcode/${uuid}`)).statusCode).toBe(200);
    expect((await app.inject('/__wechat/__emulator/assets/qrconnect.js')).statusCode).toBe(200);
    expect((await app.inject('/__wechat/connect/zh_CN/htmledition/js/wxLogin.js')).body).toContain(
      '"http://localhost:8080/__wechat/connect/qrconnect"',
    );

    const scan = await app.inject({
      method: 'POST',
      url: '/__wechat/connect/confirm/scan',
      payload: `uuid=${uuid}&persona=lina&lang=cn`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(scan.statusCode).toBe(303);
    expect(scan.headers.location).toBe(`/__wechat/connect/confirm/authorize?uuid=${uuid}&lang=cn`);

    const confirmed = await app.inject({ method: 'POST', url: `/__wechat/__control/qr/${uuid}/confirm` });
    const code = String(JSON.parse(confirmed.body).code);
    const token = await app.inject(
      `/__wechat/sns/oauth2/access_token?appid=${APP.appId}&secret=${APP.appSecret}&code=${code}&grant_type=authorization_code`,
    );
    const { access_token, openid } = JSON.parse(token.body) as Record<string, string>;
    const info = JSON.parse((await app.inject(`/__wechat/sns/userinfo?access_token=${access_token}&openid=${openid}`)).body);
    expect(info.headimgurl).toBe('http://localhost:8080/__wechat/mmopen/vi_32/seed-lina/132');
    expect((await app.inject('/__wechat/mmopen/vi_32/seed-lina/132')).statusCode).toBe(200);
    // Nothing leaks to the parent's root.
    expect((await app.inject(`/connect/qrconnect?${query}`)).statusCode).toBe(404);
  });
});

describe('the plugin', () => {
  it('works at the root of a parent app too', async () => {
    const app = Fastify();
    closing.push(() => app.close());
    await app.register(emulatorPlugin, { ...OPTIONS, publicBaseUrl: 'http://127.0.0.1:9090' });
    const body = (await app.inject(`/connect/qrconnect?appid=${APP.appId}&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=snsapi_login`)).body;
    expect(body).toContain('src="/__emulator/assets/qrconnect.js"');
  });

  it('refuses to run in production mode', async () => {
    const previous = process.env.NODE_ENV;
    process.env.NODE_ENV = 'production';
    try {
      const app = Fastify();
      closing.push(() => app.close());
      await expect(app.register(emulatorPlugin, OPTIONS).ready()).rejects.toThrow(/not available when NODE_ENV=production/);
    } finally {
      process.env.NODE_ENV = previous;
    }
  });

  it('lets the server close while a long-poll is held open', async () => {
    const { app, emulator } = await wecasLike(true);
    emulator.updateSettings({ longPollHoldMs: 120_000 });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    await app.inject(`/__wechat/connect/qrconnect?appid=${APP.appId}&redirect_uri=${encodeURIComponent(CALLBACK)}&scope=snsapi_login`);
    const uuid = emulator.qr.list()[0]?.uuid ?? '';
    const poll = fetch(`http://127.0.0.1:${address.port}/__wechat/connect/l/qrconnect?uuid=${uuid}`).then((r) => r.text());
    await vi.waitFor(() => expect(emulator.qr.waitingPolls).toBe(1));
    await app.close(); // would hang the test (and fail it) if the poll kept the server open
    expect(await poll).toContain('wx_errcode=402');
  });
});
