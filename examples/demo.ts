// `npm run demo`: wecas in development mode (its own SQLite file in a temporary directory) and two instances of the
// demo application, both registered for back-channel single logout. Sign in at one, open the other without a
// form, sign out at wecas: both applications are signed out.
//   node --import tsx examples/demo.ts [--port 8080] [--app-ports 9001,9002]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DEMO_USER, ensureDemoData } from '../dev/demo-data.js';
import { startDevelopmentServer } from '../dev/server.js';
import type { Wecas } from '../src/wecas.js';
import { type DemoApp, startDemoApp } from './demo-app/app.js';

export interface DemoOptions {
  /** wecas's port; it must be known before start, because PUBLIC_URL names it. */
  casPort: number;
  /** The two applications' ports (0 picks free ones). */
  appPorts: [number, number];
  log?: (line: string) => void;
}

export interface RunningDemo {
  /** e.g. `http://localhost:8080/cas` */
  casUrl: string;
  apps: [DemoApp, DemoApp];
  ctx: Wecas;
  close(): Promise<void>;
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const log = options.log ?? (() => {});
  const dataDir = mkdtempSync(path.join(tmpdir(), 'wecas-demo-'));
  const { config, server } = await startDevelopmentServer({
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(options.casPort),
    PUBLIC_URL: `http://localhost:${options.casPort}`,
    DATABASE_URL: `sqlite:${path.join(dataDir, 'wecas.db')}`,
    LOG_LEVEL: 'warn',
  });
  const ctx = server.wecas;
  const casUrl = config.server.casBaseUrl;
  const apps: DemoApp[] = [];
  try {
    await ensureDemoData(ctx);
    for (const [i, port] of options.appPorts.entries()) {
      const name = `App ${'AB'[i]}`;
      const app = await startDemoApp({ port, casUrl, name, log: (line) => log(`[${name}] ${line}`) });
      apps.push(app);
      // Registered ahead of the demo data's catch-all localhost service, so each app has its own name and settings.
      await ctx.services.add({
        name,
        pattern: `^${app.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(/.*)?$`,
        matchType: 'regex',
        evaluationOrder: 10 + i,
        attributes: ['username', 'displayName', 'mail', 'memberOf'],
        logoutType: 'back-channel',
      });
    }
  } catch (err) {
    await Promise.all(apps.map((a) => a.close()));
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  return {
    casUrl,
    apps: apps as [DemoApp, DemoApp],
    ctx,
    async close() {
      await Promise.all(apps.map((a) => a.close()));
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export function demoGuide(demo: RunningDemo): string {
  const [a, b] = demo.apps;
  return [
    '',
    '  wecas single sign-on demo (development mode, data in a temporary directory)',
    `    wecas:  ${demo.casUrl}/login      user ${DEMO_USER.username} / ${DEMO_USER.password}`,
    `    App A:  ${a.url}/`,
    `    App B:  ${b.url}/`,
    '',
    `  1. Open App A and sign in with CAS as ${DEMO_USER.username}.`,
    '  2. Open App B: it signs in without a form (single sign-on).',
    `  3. Sign out at wecas (${demo.casUrl}/logout) or with "Sign out" in either app:`,
    '     wecas tells both applications (back-channel single logout) and both are signed out.',
    '',
    '  Ctrl-C stops everything.',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string' }, 'app-ports': { type: 'string' } } });
  const casPort = Number(values.port ?? process.env.PORT ?? 8080);
  const appPorts = (values['app-ports'] ?? process.env.DEMO_APP_PORTS ?? '9001,9002').split(',').map(Number);
  if (![casPort, ...appPorts].every((p) => Number.isInteger(p) && p >= 0 && p <= 65535) || appPorts.length !== 2) {
    console.error('usage: npm run demo -- [--port 8080] [--app-ports 9001,9002]');
    process.exit(2);
  }
  const demo = await startDemo({ casPort, appPorts: appPorts as [number, number], log: (line) => console.log(line) });
  console.log(demoGuide(demo));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void demo.close().then(() => process.exit(0)));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
