// `npm run bench [-- --quick] [--only=validation,sso,password,wechat,memory,production] [--registries=memory,sqlite,redis]
//                 [--connections=64] [--cpu-prof]`
// --cpu-prof writes each wecas node's profile to bench/profiles/ when it exits (read it with bench/profile-summary.ts).
// `production` is the idle memory of a production install (compiled, dependencies only, NODE_ENV=production) next to
// a bare Fastify in plain Node (bench/production-memory.ts).
//
// Load-tests wecas nodes running in their own processes (LOG_LEVEL=warn) from this process with autocannon, over
// loopback only, next to a bare Fastify hello world measured in the same run, and prints one Markdown table.
// Every throughput figure is the median of RUNS runs, interleaved with the bare server's runs so that both see the
// same machine. Progress goes to stderr; the table to stdout.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Child, forkNode, freePort, ROOT, spawnServer } from './children.js';
import { type LoadResult, median, medianOf, runLoad } from './load.js';
import { collect, loginForm, wechatCallback } from './prepare.js';
import {
  bareFastifyIdle,
  type IdleResident,
  type ImportStep,
  importBreakdown,
  PRODUCTION_IMPORTS,
  prepareProduction,
  productionNodeIdle,
  type Resident,
  type SmsProvider,
} from './production-memory.js';
import { deleteRedisKeys, measureRedisBytesPerTgt } from './redis.js';
import { type Row, renderTable } from './table.js';

const args = process.argv.slice(2);
const QUICK = args.includes('--quick');
const CPU_PROF = args.includes('--cpu-prof');
const SCENARIOS = ['validation', 'sso', 'password', 'wechat', 'memory', 'production'] as const;
const listOption = (name: string) =>
  args
    .find((a) => a.startsWith(`--${name}=`))
    ?.slice(name.length + 3)
    .split(',');
const ONLY = listOption('only');
const wanted = (s: (typeof SCENARIOS)[number]) => !ONLY || ONLY.includes(s);
const REGISTRIES = listOption('registries');

const RUNS = 3;
const SECONDS = QUICK ? 1 : 2;
const WARMUP_SECONDS = QUICK ? 0.5 : 1;
const VALIDATION_CONNECTIONS = listOption('connections')?.map(Number) ?? [1, 16, 64];
const SSO_CONNECTIONS = 64;
const BROWSER_CONNECTIONS = 16;
const TGT_COUNTS = QUICK ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const REDIS_TGTS = QUICK ? 10_000 : 100_000;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SERVICE = 'https://app.example.org/cb';
const EMULATED_APP = { appId: 'wx0b1e2c3d4e5f6a7b', appSecret: 'bench-emulated-app-secret-0123456789' };
const PERSONA = 'lina';
const USERS = 16;

const started = performance.now();
const progress = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
const loadBefore = os.loadavg();
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wecas-bench-'));
const children: Child[] = [];
const nodes: Array<{ registry: string; child: Child }> = [];
const rows: Row[] = [];
const notes: string[] = [];
const redisPrefixes: string[] = [];

async function main() {
  const redisReachable = await measureRedisBytesPerTgt(REDIS_URL, 0).then(
    () => true,
    (err: Error) => {
      notes.push(`Redis at ${REDIS_URL} unreachable (${err.message}): its rows are skipped.`);
      return false;
    },
  );

  progress(`wecas bench (${QUICK ? 'quick' : 'full'}): ${os.cpus().length} CPUs, Node ${process.version}, load ${fmtLoad(loadBefore)}`);
  const emulatorPort = await freePort();
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const emulator = await spawnServer(
    ['emulator/main.ts'],
    { EMULATOR_PORT: String(emulatorPort), EMULATOR_APPS: JSON.stringify([{ ...EMULATED_APP, name: 'wecas bench', callbackDomain: '127.0.0.1' }]) },
    emulatorPort,
    /listening on/,
  );
  children.push(emulator);
  const bare = await forkNode('bench/bare-fastify.ts', { PORT: String(await freePort()) });
  children.push(bare);

  const registries = ['memory', 'sqlite', ...(redisReachable ? ['redis'] : [])].filter((r) => !REGISTRIES || REGISTRIES.includes(r));
  const throughput = wanted('validation') || wanted('sso') || wanted('password') || wanted('wechat');
  if (throughput) for (const registry of registries) nodes.push({ registry, child: await startWecas(registry, emulatorUrl) });

  const bareRuns = new Map<number, LoadResult[]>();
  const bareLoad = (connections: number, duration: number) =>
    runLoad({ url: `http://127.0.0.1:${bare.port}/`, connections, duration, serverCpuSeconds: bare.cpuSeconds });
  const bareRun = async (connections: number) => {
    bareRuns.set(connections, [...(bareRuns.get(connections) ?? []), await bareLoad(connections, SECONDS)]);
  };
  const bareMedian = async (connections: number) => {
    if (!bareRuns.has(connections)) await bareLoad(connections, WARMUP_SECONDS);
    while ((bareRuns.get(connections)?.length ?? 0) < RUNS) await bareRun(connections);
    return medianOf(bareRuns.get(connections)!);
  };

  if (wanted('validation')) await validation((c) => bareLoad(c, WARMUP_SECONDS), bareRun, bareMedian);
  if (wanted('sso')) await ssoIssuance(bareMedian);
  if (wanted('password')) await passwordSignIn(bareMedian);
  if (wanted('wechat')) await wechatSignIn(emulator, emulatorUrl, bareMedian);
  if (wanted('memory')) await memory(emulatorUrl, redisReachable);
  if (wanted('production')) await productionIdleMemory(emulatorUrl);

  const minutes = ((performance.now() - started) / 60_000).toFixed(1);
  const header = [
    `wecas benchmark, ${QUICK ? 'quick' : 'full'} mode: ${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, ${os.platform()} ${os.arch()}`,
    `load average before ${fmtLoad(loadBefore)}, after ${fmtLoad(os.loadavg())}; ${minutes} min. Each figure: median of ${RUNS} runs of ${SECONDS} s, after a warm-up; ratios are to bare Fastify at the same connections, measured interleaved in this run.`,
  ];
  process.stdout.write(`${renderTable(header, rows, notes)}\n`);
}

async function startWecas(registry: string, emulatorUrl: string, users = USERS): Promise<Child> {
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: `sqlite:${path.join(dataDir, `${registry}-${port}.db`)}`,
    TICKET_REGISTRY: registry === 'memory' ? 'memory' : 'sql',
    // Pre-issued tickets wait in line for up to a run's length; the 10 s default would expire the last ones.
    ST_TTL_SECONDS: '3600',
    DEMO_DATA: 'false',
    METRICS_ENABLED: 'true',
    // The load comes from one address: the per-address request limits are not what is measured.
    RATE_LIMIT_LOGIN_PER_MINUTE: '100000000',
    RATE_LIMIT_SMS_PER_MINUTE: '100000000',
    RATE_LIMIT_VALIDATION_PER_MINUTE: '100000000',
    RATE_LIMIT_CALLBACK_PER_MINUTE: '100000000',
    WECHAT_APP_ID: EMULATED_APP.appId,
    WECHAT_APP_SECRET: EMULATED_APP.appSecret,
    WECHAT_OPEN_BASE_URL: emulatorUrl,
    WECHAT_API_BASE_URL: emulatorUrl,
    ...(registry === 'redis' ? { REDIS_URL, REDIS_PREFIX: redisPrefix(port) } : {}),
  };
  if (registry === 'redis') redisPrefixes.push(env.REDIS_PREFIX!);
  const execArgv = ['--expose-gc', ...(CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'profiles')}`] : [])];
  const child = await forkNode('bench/wecas-node.ts', env, execArgv);
  children.push(child);
  await child.call('seed', { users });
  progress(`  wecas node (${registry}) on port ${port}`);
  return child;
}

const redisPrefix = (port: number) => `wecas-bench-${process.pid}-${port}:`;
const casUrl = (child: Child) => `http://127.0.0.1:${child.port}/cas`;
const isTicketRedirect = (status: number, _body: string, headers: Record<string, string | string[]>) =>
  status === 302 && String(headers.location ?? '').includes('ticket=ST-');
/** A sign-in form's success: the ST issued and held, a 303 to wecas's continuation (which a browser then GETs). */
const isContinuationRedirect = (status: number, _body: string, headers: Record<string, string | string[]>) =>
  status === 303 && String(headers.location ?? '').includes('/cas/login/continue?id=');

/** Validation of pre-issued STs, each used once, at 1, 16 and 64 connections, interleaved with the bare server. */
async function validation(
  bareWarmup: (c: number) => Promise<LoadResult>,
  bareRun: (c: number) => Promise<void>,
  bareMedian: (c: number) => Promise<LoadResult>,
) {
  const validatePath = (ticket: string) => `/cas/p3/serviceValidate?service=${encodeURIComponent(SERVICE)}&ticket=${ticket}`;
  const validated = (status: number, body: string) => status === 200 && body.includes('<cas:authenticationSuccess>');
  const runNode = async (child: Child, connections: number, seconds: number, expectedRps: number) => {
    const tickets = await child.call<string[]>('issueServiceTickets', { n: Math.ceil(expectedRps * seconds * 1.6) + 200 });
    let next = 0;
    return runLoad({
      url: `http://127.0.0.1:${child.port}/`,
      connections,
      duration: seconds,
      serverCpuSeconds: child.cpuSeconds,
      next: () => (next < tickets.length ? { path: validatePath(tickets[next++]!) } : undefined),
      ok: validated,
    });
  };
  for (const connections of VALIDATION_CONNECTIONS) {
    progress(`validation at ${connections} connections`);
    const expected = new Map<string, number>();
    await bareWarmup(connections);
    for (const { registry, child } of nodes) expected.set(registry, (await runNode(child, connections, WARMUP_SECONDS, 3000)).rps);
    const results = new Map<string, LoadResult[]>();
    for (let run = 0; run < RUNS; run++) {
      await bareRun(connections);
      for (const { registry, child } of nodes) {
        const result = await runNode(child, connections, SECONDS, Math.max(expected.get(registry)!, 100));
        expected.set(registry, Math.max(expected.get(registry)!, result.rps));
        results.set(registry, [...(results.get(registry) ?? []), result]);
      }
    }
    const base = await bareMedian(connections);
    for (const { registry } of nodes) {
      const m = medianOf(results.get(registry)!);
      const target = connections !== 64 ? '' : registry === 'redis' ? targetText(m, base, 0.35, 10) : targetText(m, base, 0.5, 10);
      rows.push(throughputRow('ticket validation (p3/serviceValidate)', registry, connections, m, base, 'validations/s', target));
    }
  }
}

/** GET /cas/login?service=… with a valid TGC: a 302 carrying a new ST. */
async function ssoIssuance(bareMedian: (c: number) => Promise<LoadResult>) {
  progress(`SSO issuance at ${SSO_CONNECTIONS} connections`);
  const base = await bareMedian(SSO_CONNECTIONS);
  for (const { registry, child } of nodes) {
    const tgcs = await child.call<string[]>('startSessions', { n: 200 });
    let next = 0;
    const spec = (duration: number) => ({
      url: `http://127.0.0.1:${child.port}/`,
      connections: SSO_CONNECTIONS,
      duration,
      serverCpuSeconds: child.cpuSeconds,
      next: () => ({ path: `/cas/login?service=${encodeURIComponent(SERVICE)}`, headers: { cookie: `TGC=${tgcs[next++ % tgcs.length]}` } }),
      ok: isTicketRedirect,
    });
    await runLoad(spec(WARMUP_SECONDS));
    const runs: LoadResult[] = [];
    for (let run = 0; run < RUNS; run++) runs.push(await runLoad(spec(SECONDS)));
    const m = medianOf(runs);
    rows.push(throughputRow('SSO ST issuance (GET /login + TGC → 302)', registry, SSO_CONNECTIONS, m, base, 'STs/s', targetText(m, base, 0.4)));
  }
}

/** POST of the login form (prepared by a GET each) through to the 303 to its continuation, the ST issued; scrypt alone beside it. */
async function passwordSignIn(bareMedian: (c: number) => Promise<LoadResult>) {
  const node = nodes.find((n) => n.registry === 'sqlite')!;
  progress(`password sign-in at ${BROWSER_CONNECTIONS} connections (${node.registry})`);
  const base = await bareMedian(BROWSER_CONNECTIONS);
  let user = 0;
  const run = async (seconds: number, expectedRps: number) => {
    const forms = await collect(Math.ceil(expectedRps * seconds * 1.6) + 20, 16, () => loginForm(casUrl(node.child), SERVICE));
    let next = 0;
    return runLoad({
      url: `http://127.0.0.1:${node.child.port}/`,
      connections: BROWSER_CONNECTIONS,
      duration: seconds,
      serverCpuSeconds: node.child.cpuSeconds,
      method: 'POST',
      next: () => {
        const form = forms[next++];
        if (!form) return undefined;
        const body = new URLSearchParams({ username: `bench-${user++ % USERS}`, password: 'bench-password-1', execution: form.execution }).toString();
        return {
          path: `/cas/login?service=${encodeURIComponent(SERVICE)}`,
          headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          body,
        };
      },
      ok: isContinuationRedirect,
    });
  };
  let expected = (await run(WARMUP_SECONDS, 40)).rps;
  const runs: LoadResult[] = [];
  const scrypt: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const result = await run(SECONDS, Math.max(expected, 5));
    expected = Math.max(expected, result.rps);
    runs.push(result);
    scrypt.push((await node.child.call<{ perSecond: number }>('scrypt', { seconds: SECONDS, parallel: BROWSER_CONNECTIONS })).perSecond);
  }
  const m = medianOf(runs);
  const scryptRate = median(scrypt);
  const share = m.rps / scryptRate;
  rows.push(
    throughputRow(
      'password sign-in (POST /login → ST, 303)',
      node.registry,
      BROWSER_CONNECTIONS,
      m,
      base,
      'sign-ins/s',
      `scrypt alone ${fmtRate(scryptRate)}/s: the hash is ~${Math.round(Math.min(1, share) * 100)}% of a sign-in's time`,
    ),
  );
}

/** WeChat callback of a bound person: code → access_token → userinfo → TGT + ST, against the standalone emulator. */
async function wechatSignIn(emulator: Child, emulatorUrl: string, bareMedian: (c: number) => Promise<LoadResult>) {
  const node = nodes.find((n) => n.registry === 'sqlite')!;
  progress(`WeChat sign-in at ${BROWSER_CONNECTIONS} connections (${node.registry})`);
  const base = await bareMedian(BROWSER_CONNECTIONS);
  const state = (await (await fetch(`${emulatorUrl}/__control/state`)).json()) as {
    personas: Array<{ id: string; unionid: string; openids: Record<string, string> }>;
  };
  const person = state.personas.find((p) => p.id === PERSONA)!;
  await node.child.call('bindWeChat', { appId: EMULATED_APP.appId, openid: person.openids[EMULATED_APP.appId]!, unionid: person.unionid });
  const run = async (seconds: number, expectedRps: number) => {
    const callbacks = await collect(Math.ceil(expectedRps * seconds * 1.6) + 20, 16, () =>
      wechatCallback(casUrl(node.child), emulatorUrl, SERVICE, PERSONA),
    );
    let next = 0;
    const emulatorBefore = emulator.cpuSeconds();
    const result = await runLoad({
      url: `http://127.0.0.1:${node.child.port}/`,
      connections: BROWSER_CONNECTIONS,
      duration: seconds,
      serverCpuSeconds: node.child.cpuSeconds,
      next: () => {
        const cb = callbacks[next++];
        return cb ? { path: cb.path, headers: { cookie: cb.cookie } } : undefined;
      },
      ok: isTicketRedirect,
    });
    return { result, emulatorCpuUs: ((emulator.cpuSeconds() - emulatorBefore) * 1e6) / result.ok };
  };
  let expected = (await run(WARMUP_SECONDS, 300)).result.rps;
  const runs: Awaited<ReturnType<typeof run>>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await run(SECONDS, Math.max(expected, 20));
    expected = Math.max(expected, r.result.rps);
    runs.push(r);
  }
  const m = medianOf(runs.map((r) => r.result));
  const emulatorUs = median(runs.map((r) => r.emulatorCpuUs));
  rows.push(
    throughputRow(
      'WeChat sign-in (callback → token → userinfo → ST)',
      node.registry,
      BROWSER_CONNECTIONS,
      m,
      base,
      'sign-ins/s',
      `emulator CPU ${fmtUs(emulatorUs)}/sign-in (${Math.round((emulatorUs / (emulatorUs + m.cpuUs)) * 100)}% of the two processes' CPU)`,
    ),
  );
}

/** Resident memory of a fresh node holding N live TGTs; Redis bytes per TGT from INFO memory. */
async function memory(emulatorUrl: string, redisReachable: boolean) {
  for (const registry of ['memory', 'sqlite'].filter((r) => !REGISTRIES || REGISTRIES.includes(r))) {
    progress(`memory with ${registry} registry`);
    // No users: seeding hashes passwords, and scrypt's 32 MB blocks would blur the empty node's footprint.
    const child = await startWecas(registry, emulatorUrl, 0);
    try {
      const empty = await child.call<{ rss: number }>('memory');
      for (const n of TGT_COUNTS) {
        await child.call('fillSessions', { total: n });
        const m = await child.call<{ rss: number; heapUsed: number; dbBytes: number }>('memory');
        const perTgt = (m.rss - empty.rss) / n;
        const target = n === 100_000 ? (m.rss < 300 * 2 ** 20 ? 'target < 300 MB: met' : 'target < 300 MB: MISSED') : '';
        const db = registry === 'sqlite' ? `; database ${mb(m.dbBytes)} on disk` : '';
        rows.push({
          scenario: `memory: ${fmtCount(n)} live TGTs`,
          registry,
          connections: '',
          figure: `${mb(m.rss)} RSS`,
          bare: '',
          ratio: '',
          p50: '',
          p99: '',
          notes: [`empty node ${mb(empty.rss)}; heap ${mb(m.heapUsed)}, ${perTgt >= 0 ? '+' : ''}${Math.round(perTgt)} B RSS per TGT${db}`, target]
            .filter(Boolean)
            .join('; '),
        });
      }
    } finally {
      await child.stop();
    }
  }
  if (REGISTRIES && !REGISTRIES.includes('redis')) return;
  if (redisReachable) {
    progress('memory in Redis');
    const bytes = await measureRedisBytesPerTgt(REDIS_URL, REDIS_TGTS);
    rows.push({
      scenario: `memory: Redis per TGT (${fmtCount(REDIS_TGTS)} added)`,
      registry: 'redis',
      connections: '',
      figure: `${Math.round(bytes)} B/TGT`,
      bare: '',
      ratio: '',
      p50: '',
      p99: '',
      notes: 'INFO memory used_memory before/after; the Redis is shared, so other clients add noise',
    });
  } else {
    rows.push({
      scenario: 'memory: Redis per TGT',
      registry: 'redis',
      connections: '',
      figure: 'skipped',
      bare: '',
      ratio: '',
      p50: '',
      p99: '',
      notes: 'Redis unreachable',
    });
  }
}

/**
 * Idle resident memory of a production node (compiled, dependencies only, NODE_ENV=production, HTTPS, SQLite, an SMS
 * provider's SDK, a WeChat app), started as a deployment starts it, next to bare Fastify in plain Node, interleaved;
 * then where the memory goes (bench/import-memory.mjs in the install).
 */
async function productionIdleMemory(emulatorUrl: string) {
  progress('production install: build, hard-linked node_modules, npm prune --omit=dev');
  const setup = await prepareProduction(emulatorUrl);
  try {
    const { build, link, prune } = setup.install.timings;
    progress(
      `  installed (build ${(build / 1000).toFixed(1)} s, link ${(link / 1000).toFixed(1)} s, prune ${(prune / 1000).toFixed(1)} s); idle memory`,
    );
    const semiSpace = '--max-semi-space-size=1';
    // The nodes of one run idle side by side (idle processes do not disturb each other's memory), so a run costs
    // one settle time, not one per node.
    const bare: IdleResident[] = [];
    const measured = new Map<SmsProvider, IdleResident[]>();
    for (let run = 0; run < (QUICK ? 1 : RUNS); run++) {
      const [b, aliyun, tencent] = await Promise.all([bareFastifyIdle(), productionNodeIdle(setup, 'aliyun'), productionNodeIdle(setup, 'tencent')]);
      bare.push(b);
      measured.set('aliyun', [...(measured.get('aliyun') ?? []), aliyun]);
      measured.set('tencent', [...(measured.get('tencent') ?? []), tencent]);
    }
    for (const moment of ['started', 'settled'] as const) {
      const base = medianResident(bare.map((r) => r[moment]));
      for (const provider of ['aliyun', 'tencent'] as const) {
        const m = medianResident(measured.get(provider)!.map((r) => r[moment]));
        const when = moment === 'started' ? '2 s after start' : 'idle 40 s, after V8 gave back its start-up young generation';
        rows.push({
          scenario: `idle memory: production node, SMS ${provider} (${when})`,
          registry: 'sqlite',
          connections: '',
          figure: `${mb(m.rss)} RSS`,
          bare: `${mb(base.rss)} RSS`,
          ratio: `×${(m.rss / base.rss).toFixed(2)}`,
          p50: '',
          p99: '',
          notes: `private ${mb(m.anon)} + file-backed ${mb(m.file)} (bare: ${mb(base.anon)} + ${mb(base.file)}); target < 100 MB: ${m.rss < 100 * 2 ** 20 ? 'met' : 'MISSED'}`,
        });
      }
    }

    progress('  where the memory goes: modules imported one by one');
    const steps = await importBreakdown(setup, 'aliyun', [...PRODUCTION_IMPORTS, './dist/sms/aliyun-sender.js'], [semiSpace]);
    const [started] = (await importBreakdown(setup, 'aliyun', [])).filter((s) => s.step === 'start');
    notes.push(...breakdownNotes(steps, started));
  } finally {
    await setup.remove();
  }
}

function medianResident(samples: Resident[]): Resident {
  return [...samples].sort((a, b) => a.rss - b.rss)[Math.floor(samples.length / 2)]!;
}

function breakdownNotes(steps: ImportStep[], started: ImportStep | undefined): string[] {
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
          ? 'Aliyun SMS SDK (loaded at start when configured)'
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

function throughputRow(scenario: string, registry: string, connections: number, m: LoadResult, base: LoadResult, unit: string, notes: string): Row {
  const problems = m.failed + m.errors > 0 ? `; ${m.failed} unexpected answers, ${m.errors} errors` : '';
  const cpu = `server CPU ${fmtUs(m.cpuUs)}/request (bare ${fmtUs(base.cpuUs)})`;
  return {
    scenario,
    registry,
    connections: String(connections),
    figure: `${fmtRate(m.rps)} ${unit}`,
    bare: `${fmtRate(base.rps)} req/s`,
    ratio: `${Math.round((m.rps / base.rps) * 100)}%`,
    p50: m.p50.toFixed(2),
    p99: m.p99.toFixed(2),
    notes: [cpu, notes].filter(Boolean).join('; ') + problems,
  };
}

function targetText(m: LoadResult, base: LoadResult, ratio: number, p99Ms?: number): string {
  const ratioMet = m.rps / base.rps >= ratio;
  const p99Met = p99Ms === undefined || m.p99 < p99Ms;
  const wanted = `target ≥ ${ratio * 100}%${p99Ms === undefined ? '' : `, p99 < ${p99Ms} ms`}`;
  return `${wanted}: ${ratioMet && p99Met ? 'met' : 'MISSED'}`;
}

const fmtRate = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(1));
const fmtUs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${Math.round(us)} µs`);
const fmtCount = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : `${n / 1000}k`);
const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;

try {
  await main();
} finally {
  await Promise.all(children.map((c) => c.stop()));
  await deleteRedisKeys(REDIS_URL, redisPrefixes).catch((err: Error) => progress(`could not delete the benchmark's Redis keys: ${err.message}`));
  rmSync(dataDir, { recursive: true, force: true });
}
