// wecas for WeChat browser tests: listening on a loopback port with the emulator mounted at /__wechat and driven
// in-process, SMS codes captured, a manual clock (SMS resend and expiry), and the demo app as the protected service.
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { emulatorOptionsFor, emulatorSurface, loadDevelopmentConfig } from '../../dev/emulated-wechat.js';
import { createEmulator, type Emulator } from '../../emulator/app.js';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { buildApp } from '../../src/http/app.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { launchBrowser } from '../support/browser.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ManualClock } from '../support/clock.js';
import { freePort, loopbackService } from '../support/server.js';

/** A password user who also has a phone: binding that phone makes a WeChat person this user (case c). */
export const PHONE_USER = { username: 'wangfang', password: 'pw-wangfang-2024', displayName: '王芳', phone: '+8613900139000' };

/** How long wecas waits for WeChat here: short, so the "hang" fault costs one second. */
export const WECHAT_TIMEOUT_MS = 1000;

export interface WeChatTestServer {
  /** e.g. `http://localhost:41234` (wecas's PUBLIC_URL). */
  origin: string;
  casUrl: string;
  ctx: Wecas;
  app: FastifyInstance;
  emulator: Emulator;
  sms: CapturingSmsSender;
  clock: ManualClock;
  demo: DemoApp;
  /** The demo app's home page, the service every sign-in here is for. */
  service: string;
  counts(): Promise<{ users: number; identities: number }>;
  close(): Promise<void>;
}

export async function startWeChatTestServer(env: Record<string, string> = {}): Promise<WeChatTestServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freePort(), env);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}

async function startOnce(port: number, env: Record<string, string>): Promise<WeChatTestServer> {
  const origin = `http://localhost:${port}`;
  // WeChat is the emulator mounted on wecas itself, reached through the real-deployment variables, as in development.
  const { config } = loadDevelopmentConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    TICKET_REGISTRY: 'memory',
    PORT: String(port),
    PUBLIC_URL: origin,
    WECHAT_TIMEOUT_MS: String(WECHAT_TIMEOUT_MS),
    SMS_MAX_PER_IP_PER_HOUR: '1000',
    ...env,
  });
  const clock = new ManualClock(Date.now());
  const sms = new CapturingSmsSender();
  const ctx = await createWecas(config, { clock, smsSender: sms });
  // A short long-poll hold: the QR page asks again soon, and closing the server never waits on a held poll.
  const emulator = createEmulator(emulatorOptionsFor(config), { longPollHoldMs: 500 });
  let app: FastifyInstance | undefined;
  let demo: DemoApp | undefined;
  try {
    // Wang Fang has signed in with her number before (it is proved): linking WeChat by it needs no password. A number
    // never used to sign in to an account with a password does (test/account/reissued-number.test.ts).
    await ctx.users.create(PHONE_USER).then((u) => ctx.users.markPhoneProved(u.id, PHONE_USER.phone));
    app = await buildApp(ctx, { logger: false, devSurfaces: [emulatorSurface(config, emulator)] });
    await app.listen({ port, host: '127.0.0.1' });
    const casUrl = config.server.casBaseUrl;
    demo = await startDemoApp({ port: 0, casUrl, name: 'Demo App' });
    await ctx.services.add(loopbackService('Demo App', demo.url));
    const listening = app;
    const started = demo;
    return {
      origin,
      casUrl,
      ctx,
      app: listening,
      emulator,
      sms,
      clock,
      demo: started,
      service: `${started.url}/`,
      async counts() {
        const users = await ctx.db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        const identities = await ctx.db
          .selectFrom('identities')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        return { users: Number(users.n), identities: Number(identities.n) };
      },
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

/** The WeChat test server and Chromium, for the browser tests; if one fails to start, the other is closed. */
export async function startServerAndBrowser(): Promise<{ server: WeChatTestServer; browser: Browser }> {
  const [server, browser] = await Promise.allSettled([startWeChatTestServer(), launchBrowser()]);
  if (server.status === 'fulfilled' && browser.status === 'fulfilled') return { server: server.value, browser: browser.value };
  if (server.status === 'fulfilled') await server.value.close();
  if (browser.status === 'fulfilled') await browser.value.close();
  throw server.status === 'rejected' ? server.reason : (browser as PromiseRejectedResult).reason;
}

/** Closes what startServerAndBrowser started and the browser contexts a test opened, whatever state they are in. */
export async function closeServerAndBrowser(started: { server?: WeChatTestServer; browser?: Browser; contexts: BrowserContext[] }): Promise<void> {
  await Promise.allSettled(started.contexts.map((c) => c.close()));
  await started.browser?.close();
  await started.server?.close();
}

/**
 * On the bind page: asks for a code to `digits` (a mainland number as typed, without +86), reads it from the
 * capturing sender, enters it and submits. `whileWaiting` runs once the page says the code was sent (screenshots).
 */
export async function bindPhoneOnPage(server: WeChatTestServer, page: Page, digits: string, whileWaiting?: () => Promise<void>): Promise<void> {
  await page.fill('#phone', digits);
  await page.locator('#send-code').click();
  await page.locator('#bind-notice').waitFor();
  await whileWaiting?.();
  const code = server.sms.lastCodeFor(`+86${digits}`);
  expect(code, `a code was sent to ${digits}`).toMatch(/^\d{6}$/);
  await page.fill('#code', code!);
  await page.locator('#bind-submit').click();
}
