// The idle memory of a production node: wecas compiled and installed with dependencies only
// (test/support/production-install.ts), started as a deployment starts it (`node bin/wecas.js start`, NODE_ENV=production,
// HTTPS served by wecas, a SQLite file, a real SMS provider's SDK, a WeChat app), next to a bare Fastify hello world
// in plain Node, each read from /proc/<pid>/status once it has listened and settled, before any request.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startChildServer } from '../test/support/child-server.js';
import { createProductionInstall, type ProductionInstall } from '../test/support/production-install.js';
import { selfSignedCertificate } from '../test/support/tls.js';
import { freePort, ROOT } from './children.js';

/** Resident memory in bytes: all of it, the private (anonymous) part, and the file-backed part (the node binary, shared). */
export interface Resident {
  rss: number;
  anon: number;
  file: number;
}

/**
 * When a process is sampled after it listens: 2 s (start-up's garbage still held), and once settled. V8's memory
 * reducer gives back the young generation start-up grew after some 20 s of low allocation (measured here: the
 * first drop comes between 20 and 25 s), so the settled sample waits 40 s. Each is the median of a few samples.
 */
const STARTED_MS = 2000;
const SETTLED_MS = 40_000;
const SAMPLES = 5;
const SAMPLE_INTERVAL_MS = 200;

/** Resident memory just after start, and once the process has been idle long enough for V8 to shrink its heap. */
export interface IdleResident {
  started: Resident;
  settled: Resident;
}

export function residentOf(pid: number): Resident {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** Starts a server, leaves it idle, reads its resident memory at start and once settled, stops it. */
export async function idleResident(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; port: number },
): Promise<IdleResident> {
  const child = await startChildServer(command, args, { cwd: options.cwd, env: options.env, port: options.port, timeoutMs: 30_000 });
  const pid = child.process.pid!;
  const listening = Date.now();
  try {
    await sleep(STARTED_MS);
    const started = await sampled(pid);
    await sleep(SETTLED_MS - (Date.now() - listening));
    return { started, settled: await sampled(pid) };
  } finally {
    await child.stop();
  }
}

async function sampled(pid: number): Promise<Resident> {
  const samples: Resident[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(residentOf(pid));
    await sleep(SAMPLE_INTERVAL_MS);
  }
  samples.sort((a, b) => a.rss - b.rss);
  return samples[Math.floor(samples.length / 2)]!;
}

export type SmsProvider = 'aliyun' | 'tencent';

/** A production setup: the install, a certificate, a directory for SQLite files; `remove` deletes all of it. */
export interface ProductionSetup {
  install: ProductionInstall;
  /** The environment of a production node on `port` with `provider` (nothing is sent: the SDK is only loaded). */
  env(port: number, provider: SmsProvider): Record<string, string>;
  remove(): Promise<void>;
}

export async function prepareProduction(emulatorUrl: string): Promise<ProductionSetup> {
  const [install, dir, certificate] = await Promise.all([
    createProductionInstall(),
    mkdtemp(path.join(tmpdir(), 'wecas-bench-production-')),
    selfSignedCertificate(),
  ]);
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await writeFile(certFile, certificate.cert);
  await writeFile(keyFile, certificate.key, { mode: 0o600 });
  const codeSecret = randomBytes(32).toString('hex');
  let databases = 0;
  const providerEnv: Record<SmsProvider, Record<string, string>> = {
    aliyun: {
      SMS_PROVIDER: 'aliyun',
      ALIYUN_ACCESS_KEY_ID: 'LTAI5tBenchKeyId',
      ALIYUN_ACCESS_KEY_SECRET: 'bench-aliyun-secret',
      ALIYUN_SMS_SIGN_NAME: '测试签名',
      ALIYUN_SMS_TEMPLATE_CODE: 'SMS_000001',
      ALIYUN_SMS_ENDPOINT: 'http://127.0.0.1:9',
    },
    tencent: {
      SMS_PROVIDER: 'tencent',
      TENCENT_SECRET_ID: 'AKIDbenchsecretid',
      TENCENT_SECRET_KEY: 'bench-tencent-secret',
      TENCENT_SMS_SDK_APP_ID: '1400006666',
      TENCENT_SMS_SIGN_NAME: '测试签名',
      TENCENT_SMS_TEMPLATE_ID: '1110',
      TENCENT_SMS_ENDPOINT: 'http://127.0.0.1:9',
    },
  };
  return {
    install,
    env: (port, provider) => ({
      NODE_ENV: 'production',
      NODE_OPTIONS: '',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `https://127.0.0.1:${port}`,
      TLS_CERT_FILE: certFile,
      TLS_KEY_FILE: keyFile,
      DATABASE_URL: `sqlite:${path.join(dir, `wecas-${++databases}.db`)}`,
      SMS_CODE_SECRET: codeSecret,
      WECHAT_APP_ID: 'wx0b1e2c3d4e5f6a7b',
      WECHAT_APP_SECRET: 'bench-emulated-app-secret-0123456789',
      WECHAT_OPEN_BASE_URL: emulatorUrl,
      WECHAT_API_BASE_URL: emulatorUrl,
      ...providerEnv[provider],
    }),
    async remove() {
      await Promise.all([install.remove(), rm(dir, { recursive: true, force: true })]);
    },
  };
}

/** An idle production node's resident memory (`nodeOptions` for V8 flags, e.g. `--max-semi-space-size=1`). */
export async function productionNodeIdle(setup: ProductionSetup, provider: SmsProvider, nodeOptions: string[] = []): Promise<IdleResident> {
  const port = await freePort();
  return idleResident(process.execPath, [...nodeOptions, 'bin/wecas.js', 'start'], { cwd: setup.install.dir, env: setup.env(port, provider), port });
}

/** Fastify's hello world in plain Node, idle. */
export async function bareFastifyIdle(nodeOptions: string[] = []): Promise<IdleResident> {
  const port = await freePort();
  return idleResident(process.execPath, [...nodeOptions, path.join(ROOT, 'bench', 'bare-fastify-idle.mjs')], {
    cwd: ROOT,
    env: { PORT: String(port), NODE_OPTIONS: '' },
    port,
  });
}

export interface ImportStep {
  step: string;
  rss: number;
  anon: number;
  file: number;
  heapUsed: number;
  added?: { rss: number; anon: number; file: number; heapUsed: number };
  spaces?: Record<string, { committed: number; used: number }>;
}

/** What a production node loads, in the order it loads it; `./dist/cli/start.js` brings wecas's own code. */
export const PRODUCTION_IMPORTS = [
  'node:http',
  'node:https',
  'fastify',
  '@fastify/cookie',
  '@fastify/formbody',
  'helmet',
  '@fastify/static',
  'zod',
  'fastify-type-provider-zod',
  'eta',
  'pino',
  'kysely',
  'better-sqlite3',
  'pg',
  'ioredis',
  'prom-client',
  'libphonenumber-js/max',
  '@xmldom/xmldom',
  './dist/cli/start.js',
];

/**
 * bench/import-memory.mjs in the install: the modules imported one by one, then the server started, with the
 * production node's environment. `nodeOptions` are V8 flags for that process.
 */
export async function importBreakdown(
  setup: ProductionSetup,
  provider: SmsProvider,
  specs: string[],
  nodeOptions: string[] = [],
): Promise<ImportStep[]> {
  const script = path.join(setup.install.dir, 'import-memory.mjs');
  await copyFile(path.join(ROOT, 'bench', 'import-memory.mjs'), script);
  const env = { ...process.env, ...setup.env(await freePort(), provider) };
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--expose-gc', ...nodeOptions, script, ...specs, '--start'],
      { cwd: setup.install.dir, env, timeout: 60_000 },
      (err, out, errOut) => (err ? reject(new Error(`import-memory.mjs failed: ${err.message}\n${errOut}`)) : resolve(out)),
    ),
  );
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{"step"'))
    .map((line) => JSON.parse(line) as ImportStep);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Where an idle production node's memory goes, as printed under the bench's table (from importBreakdown). */
export function breakdownLines(steps: ImportStep[], started: ImportStep | undefined): string[] {
  const mb1 = (bytes: number) => `${bytes >= 0 ? '+' : ''}${(bytes / 2 ** 20).toFixed(1)}`;
  const lines = [
    "Where an idle production node's memory goes (bench/import-memory.mjs run in the install with the node's environment, SMS aliyun;",
    `each figure after a full GC; imports with ${'--max-semi-space-size=1'} so that the young generation's growth does not blur the steps):`,
  ];
  for (const s of steps) {
    const label =
      s.step === './dist/cli/start.js'
        ? 'wecas (dist/, its own code)'
        : s.step === './dist/sms/aliyun-sender.js'
          ? 'Aliyun SMS SDK (loaded at the first SMS)'
          : s.step === 'start'
            ? 'server started (migrations, routes, TLS, SQLite)'
            : s.step;
    if (!s.added)
      lines.push(
        `  ${label.padEnd(50)} RSS ${(s.rss / 2 ** 20).toFixed(1)} MB (private ${(s.anon / 2 ** 20).toFixed(1)}, file-backed ${(s.file / 2 ** 20).toFixed(1)}), live heap ${(s.heapUsed / 2 ** 20).toFixed(1)} MB`,
      );
    else
      lines.push(
        `  + ${label.padEnd(48)} RSS ${mb1(s.added.rss).padStart(5)} MB (private ${mb1(s.added.anon)}, file-backed ${mb1(s.added.file)}), live heap ${mb1(s.added.heapUsed)} MB`,
      );
  }
  const last = steps.at(-1);
  if (last)
    lines.push(
      `  = ${'total (this process)'.padEnd(48)} RSS ${(last.rss / 2 ** 20).toFixed(1)} MB, live heap ${(last.heapUsed / 2 ** 20).toFixed(1)} MB`,
    );
  if (started?.spaces) {
    const space = (name: string) => started.spaces![name] ?? { committed: 0, used: 0 };
    const committed = Object.values(started.spaces).reduce((sum, s) => sum + s.committed, 0);
    const fmt = (name: string) =>
      `${name.replace('_space', '')} ${(space(name).used / 2 ** 20).toFixed(1)} of ${(space(name).committed / 2 ** 20).toFixed(1)}`;
    lines.push(
      `Started with default flags, after a full GC: RSS ${(started.rss / 2 ** 20).toFixed(1)} MB (private ${(started.anon / 2 ** 20).toFixed(1)}, file-backed ${(started.file / 2 ** 20).toFixed(1)}); ` +
        `V8 heap ${(committed / 2 ** 20).toFixed(1)} MB committed for ${(started.heapUsed / 2 ** 20).toFixed(1)} MB live (MB used of committed: ${['new_space', 'old_space', 'code_space', 'large_object_space'].map(fmt).join(', ')}).`,
    );
  }
  return lines;
}
