// wecas for WeCom browser tests: listening on a loopback port with the WeCom emulator mounted at /__wecom (and
// WeChat's at /__wechat), driven in-process, and the demo app as the protected service. Accounts: `demo` (the
// demo corp's userid demo is its 工号) and `lisi` (a member outside the app's visible range).
import type { FastifyInstance } from 'fastify';
import { emulatorSurface, loadDevelopmentConfig } from '../../dev/emulated-wechat.js';
import { emulatedWeComEnv, wecomEmulatorFor, wecomSurface } from '../../dev/emulated-wecom.js';
import type { WeComEmulator } from '../../emulator/wecom/state.js';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { buildApp } from '../../src/http/app.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { freePort, loopbackService } from '../support/server.js';

export interface WeComTestServer {
  casUrl: string;
  ctx: Wecas;
  wecom: WeComEmulator;
  sms: CapturingSmsSender;
  service: string;
  close(): Promise<void>;
}

export async function startWeComTestServer(): Promise<WeComTestServer> {
  const port = await freePort();
  const origin = `http://localhost:${port}`;
  const env = {
    NODE_ENV: 'test',
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    TICKET_REGISTRY: 'memory',
    PORT: String(port),
    PUBLIC_URL: origin,
  };
  const { config } = loadDevelopmentConfig({ ...env, ...emulatedWeComEnv(env, origin) });
  const sms = new CapturingSmsSender();
  const ctx = await createWecas(config, { smsSender: sms });
  const wecom = wecomEmulatorFor(config);
  let app: FastifyInstance | undefined;
  let demo: DemoApp | undefined;
  try {
    await ctx.users.create({ username: 'demo', password: 'pw-demo-2024', displayName: '演示用户' });
    await ctx.users.create({ username: 'lisi', password: 'pw-lisi-2024', displayName: '李四' });
    app = await buildApp(ctx, { logger: false, devSurfaces: [emulatorSurface(config), wecomSurface(config, wecom)] });
    await app.listen({ port, host: '127.0.0.1' });
    demo = await startDemoApp({ port: 0, casUrl: config.server.casBaseUrl, name: 'Demo App' });
    await ctx.services.add(loopbackService('Demo App', demo.url));
    const [listening, started] = [app, demo];
    return {
      casUrl: config.server.casBaseUrl,
      ctx,
      wecom,
      sms,
      service: `${started.url}/`,
      async close() {
        await started.close();
        await ctx.singleLogout.settled();
        await listening.close();
        await ctx.close();
      },
    };
  } catch (err) {
    await demo?.close();
    await app?.close();
    await ctx.close();
    throw err;
  }
}
