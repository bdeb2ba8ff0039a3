// The WeChat Open Platform emulator as a Fastify plugin (mounted by wecas under /__wechat in
// development) and as a standalone app (`npm run emulator`).
import formbody from '@fastify/formbody';
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import { registerAssets } from './assets.js';
import { registerAvatarRoutes } from './avatars.js';
import { registerControl } from './control.js';
import { registerDesktopClient } from './desktop-client.js';
import { createEmulator, type Emulator } from './emulator.js';
import { registerOaPages } from './oa-pages.js';
import type { EmulatorOptions, EmulatorSettings } from './options.js';
import { registerPhone } from './phone.js';
import { registerQrPages } from './qr-pages.js';
import { registerSnsApi } from './sns-api.js';
import { registerWxLogin } from './wxlogin.js';

export { createEmulator, Emulator } from './emulator.js';
export type { EmulatorAppConfig, EmulatorOptions, EmulatorSettings } from './options.js';

export interface EmulatorPluginOptions extends EmulatorOptions {
  /** Drive this emulator (made by `createEmulator` with the same options) from in-process tests. */
  emulator?: Emulator;
  /** Initial settings (QR lifetime, long-poll hold, profile mode, …) when no `emulator` is given. */
  settings?: Partial<EmulatorSettings>;
}

export const emulatorPlugin: FastifyPluginAsync<EmulatorPluginOptions> = async (app, options) => {
  // An emulator must never stand in for WeChat in production.
  if (process.env.NODE_ENV === 'production') throw new Error('the WeChat emulator is not available when NODE_ENV=production');
  const emulator = options.emulator ?? createEmulator(options, options.settings);
  // Page links are built from the mount path, so they stay same-origin (CSP 'self') whatever host
  // the browser used; only URLs that leave the page (QR payload, headimgurl, wxLogin iframe) use publicBaseUrl.
  const basePath = app.prefix;

  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-wechat-emulator', '1');
  });
  // Call counts per endpoint ("GET /sns/oauth2/access_token"), for tests that prove a code is exchanged once.
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const path = route.startsWith(basePath) ? route.slice(basePath.length) : route;
    if (path.startsWith('/__control') || path.startsWith('/__emulator/assets/')) return;
    emulator.countCall(`${request.method} ${path}`);
  });
  // Long-polls and hung fault-injected calls would otherwise hold the server open on close.
  app.addHook('preClose', async () => {
    emulator.faults.reset();
    emulator.qr.clear();
  });

  registerAssets(app);
  registerQrPages(app, emulator, basePath);
  registerWxLogin(app, emulator);
  registerPhone(app, emulator, basePath);
  registerDesktopClient(app, emulator, basePath);
  registerOaPages(app, emulator, basePath);
  registerSnsApi(app, emulator);
  registerAvatarRoutes(app, emulator);
  if (emulator.testControl) registerControl(app, emulator, basePath);
};

/** The emulator alone, at the root of its own server. */
export async function buildEmulatorApp(options: EmulatorPluginOptions): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(emulatorPlugin, options);
  return app;
}
