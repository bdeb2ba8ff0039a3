// `npm run bench [-- --only validation-memory,sso --rounds 3 --duration 8 --connections 64 --threads 2 --cpu-prof]`
//
// Loads wecas nodes (each its own process, compiled JavaScript in plain node, LOG_LEVEL=warn) with wrk over
// loopback, interleaved with a bare Fastify hello world in the same run, and prints one Markdown table
// (docs/benchmarks.md reads it). Progress goes to stderr, the table to stdout. Scenarios: bench/options.ts; how
// each is measured: docs/benchmarks.md.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { ADMIN_DATA, adminPageRows } from './admin-pages.js';
import { buildBench } from './build.js';
import { type Child, forkNode, freePort } from './children.js';
import { interleaved, type Measured, type Subject } from './measure.js';
import { postgresReachable, SERVICE, startWecasNode, type WecasNode } from './nodes.js';
import { matches, parseOptions, REGISTRIES, type Registry } from './options.js';
import {
  bareFastifyIdle,
  breakdownLines,
  type IdleResident,
  importBreakdown,
  PRODUCTION_IMPORTS,
  prepareProduction,
  productionNodeIdle,
  type Resident,
} from './production-memory.js';
import { figureRow, mb, type Row, renderTable, type ThroughputTarget, throughputRow } from './table.js';

const options = optionsOrExit(process.argv.slice(2));

/** The options, or the reason they are refused on stderr and exit code 2 (a usage error is not a stack trace). */
function optionsOrExit(argv: string[]) {
  try {
    return parseOptions(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(2);
  }
}
const started = performance.now();
const log = (line: string) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);
const rounds = { rounds: options.rounds, seconds: options.duration, warmupSeconds: Math.min(2, options.duration), log };
const wanted = (scenario: string) => matches(scenario, options.only);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wecas-bench-'));
const rows: Row[] = [];
/** Lines printed under the table (the production node's memory by module). */
const after: string[] = [];
const nodes = new Map<Registry, WecasNode>();
const stoppable: Array<{ stop(): Promise<void> }> = [];
let files = 0;

/** Targets of issue 16 (ratios to bare Fastify at the same connections, in the same run). */
const TARGETS: Record<string, ThroughputTarget> = {
  'validation-memory': { ratio: 0.5, p99Ms: 10 },
  'validation-sqlite': { ratio: 0.3 },
  'validation-redis': { ratio: 0.35 },
  'validation-postgres': { ratio: 0.3 },
  'sso-memory': { ratio: 0.4 },
  'sso-sqlite': { ratio: 0.25 },
  'sso-redis': { ratio: 0.3 },
  'sso-postgres': { ratio: 0.25 },
};
const LABEL: Record<Registry, string> = { memory: 'memory', sqlite: 'SQLite', redis: 'Redis', postgres: 'PostgreSQL' };

const command = (scenario: string) => `npm run bench -- --only ${scenario}`;
const load = (mode: 'hello' | 'validate' | 'sso', url: string, seconds: number, file?: string) => ({
  url,
  mode,
  threads: options.threads,
  connections: options.connections,
  seconds,
  ...(file ? { file, service: SERVICE } : {}),
});

function bareSubject(bare: Child): Subject {
  return { name: 'bare Fastify', cpuSeconds: bare.cpuSeconds, prepare: async (seconds) => load('hello', `http://127.0.0.1:${bare.port}/`, seconds) };
}

/** Validation of tickets issued before each run (over IPC, by 100 sessions), each validated once. */
function validationSubject(node: WecasNode, name: string): Subject {
  return {
    name,
    cpuSeconds: node.child.cpuSeconds,
    helperCpuSeconds: node.redis?.cpuSeconds,
    async prepare(seconds, expectedRps) {
      const file = path.join(dataDir, `tickets-${++files}.txt`);
      await node.child.call('issueServiceTickets', { n: Math.ceil(expectedRps * seconds * 2) + 500, file });
      return load('validate', `${node.url}/`, seconds, file);
    },
  };
}

/** GET /cas/login?service=… with the TGC of one of 200 live sessions → 302 with a new ST. */
async function ssoSubject(node: WecasNode, name: string): Promise<Subject> {
  const file = path.join(dataDir, `tgcs-${++files}.txt`);
  await node.child.call('startSessions', { n: 200, file });
  return {
    name,
    cpuSeconds: node.child.cpuSeconds,
    helperCpuSeconds: node.redis?.cpuSeconds,
    prepare: async (s) => load('sso', `${node.url}/`, s, file),
  };
}

async function nodeFor(registry: Registry): Promise<WecasNode> {
  if (!nodes.has(registry)) {
    const node = await startWecasNode(registry, { dataDir, cpuProf: options.cpuProf });
    stoppable.push(node);
    nodes.set(registry, node);
    log(`wecas node (${registry}) at ${node.url}`);
  }
  return nodes.get(registry)!;
}

const helperNote = (m: Measured, node: WecasNode) => (node.redis ? [`redis-server CPU ${Math.round(m.helperCpuUs)} µs/req`] : []);

async function throughput(bare: Subject, kind: 'validation' | 'sso', registry: Registry) {
  const scenario = `${kind}-${registry}`;
  log(`${scenario}: ${options.rounds} rounds of ${options.duration} s, interleaved with bare Fastify`);
  const node = await nodeFor(registry);
  const subject = kind === 'validation' ? validationSubject(node, scenario) : await ssoSubject(node, scenario);
  const m = await interleaved([bare, subject], rounds);
  const what = kind === 'validation' ? 'validation' : 'SSO issuance';
  const row = throughputRow(
    `${what}, ${LABEL[registry]}`,
    m.get(scenario)!,
    m.get(bare.name)!,
    TARGETS[scenario],
    command(scenario),
    helperNote(m.get(scenario)!, node),
  );
  // The issue sets no PostgreSQL targets: its rows carry SQLite's (both are SQL registries), and say so.
  rows.push(registry === 'postgres' ? { ...row, target: `${row.target} (SQLite's)` } : row);
}

/** Validation against a Redis holding 1M live sessions, interleaved with one holding 1k (and bare Fastify). */
async function validationRedis1m(bare: Subject) {
  log('validation-redis-1m: filling two private Redis servers with 1k and 1M sessions');
  const small = await startWecasNode('redis', { dataDir, cpuProf: options.cpuProf });
  stoppable.push(small);
  const large = await startWecasNode('redis', { dataDir, cpuProf: options.cpuProf });
  stoppable.push(large);
  for (const [node, total] of [
    [small, 1_000],
    [large, 1_000_000],
  ] as const) {
    const model = await node.child.call<{ tgtId: string; userId: string }>('startFillerSession');
    await node.redis!.fillLike(model.tgtId, model.userId, total);
  }
  log(`  filled: Redis with 1M sessions uses ${mb(await large.redis!.usedMemory())}`);
  const m = await interleaved([bare, validationSubject(small, 'redis, 1k sessions'), validationSubject(large, 'redis, 1M sessions')], rounds);
  const [base, one, million] = [m.get(bare.name)!, m.get('redis, 1k sessions')!, m.get('redis, 1M sessions')!];
  rows.push(throughputRow('validation, Redis with 1k live TGTs', one, base, undefined, command('validation-redis-1m'), helperNote(one, small)));
  const row = throughputRow(
    'validation, Redis with 1M live TGTs',
    million,
    base,
    undefined,
    command('validation-redis-1m'),
    helperNote(million, large),
  );
  const change = million.okPerSecond / one.okPerSecond - 1;
  rows.push({
    ...row,
    target: 'within 10 % of 1k',
    verdict: change >= -0.1 ? 'met' : 'MISSED',
    notes: [`${(change * 100).toFixed(1)} % against 1k`, row.notes].filter(Boolean).join('; '),
  });
  await Promise.all([small.stop(), large.stop()]);
}

/** A fresh node (no users) holding 100k live TGTs: its RSS, the database's or Redis's size. */
async function tgts(registry: Registry) {
  const scenario = `tgts-${registry}`;
  log(`${scenario}: 100k live TGTs`);
  const node = await startWecasNode(registry, { dataDir, cpuProf: false, users: 0 });
  stoppable.push(node);
  type Memory = { rss: number; dbBytes: number };
  const empty = await node.child.call<Memory>('memory');
  const redisBefore = (await node.redis?.usedMemory()) ?? 0;
  await node.child.call('fillSessions', { total: 100_000 });
  const full = await node.child.call<Memory>('memory');
  const perTgt = (bytes: number) => `${Math.round(bytes / 100_000)} B per TGT`;
  const rss = `node RSS ${mb(empty.rss)} empty, ${mb(full.rss)} full`;
  if (registry === 'memory') {
    const bound = { text: '< 200 MB', met: full.rss < 200 * 2 ** 20 };
    rows.push(
      figureRow('100k live TGTs, memory registry', `${mb(full.rss)} RSS`, command(scenario), bound, `${rss}; ${perTgt(full.rss - empty.rss)}`),
    );
  } else if (registry === 'redis') {
    const used = (await node.redis!.usedMemory()) - redisBefore;
    rows.push(figureRow('100k live TGTs, Redis', `${mb(used)} in Redis`, command(scenario), undefined, `used_memory; ${perTgt(used)}; ${rss}`));
  } else {
    const grown = full.dbBytes - empty.dbBytes;
    const where = registry === 'sqlite' ? 'database file + WAL' : 'pg_database_size';
    rows.push(
      figureRow(`100k live TGTs, ${LABEL[registry]}`, `${mb(grown)} on disk`, command(scenario), undefined, `${where}; ${perTgt(grown)}; ${rss}`),
    );
  }
  await node.stop();
}

/** Idle production nodes (compiled, dependencies only) beside bare Fastify in plain Node, all rounds side by side. */
async function idleProduction() {
  log('idle-production: build, install with dependencies only, then each round a node and bare Fastify idle 40 s');
  const emulatorUrl = 'http://127.0.0.1:9'; // the WeChat app is configured, never called while idle
  const setup = await prepareProduction(emulatorUrl);
  try {
    // One pair at a time: many fresh nodes starting side by side on two cores keep their start-up young generation
    // past the 40 s sample (measured: 136 MB each with three pairs at once, 96 MB alone).
    const runs: Array<[IdleResident, IdleResident]> = [];
    for (let round = 0; round < options.rounds; round++) runs.push(await Promise.all([bareFastifyIdle(), productionNodeIdle(setup, 'aliyun')]));
    const medianRss = (xs: Resident[]) => xs.map((x) => x.rss).sort((a, b) => a - b)[xs.length >> 1]!;
    const wecas = medianRss(runs.map(([, w]) => w.settled));
    const bare = medianRss(runs.map(([b]) => b.settled));
    const started = medianRss(runs.map(([, w]) => w.started));
    rows.push({
      ...figureRow('idle production node', `${mb(wecas)} RSS`, command('idle-production'), { text: '< 100 MB', met: wecas < 100 * 2 ** 20 }),
      bare: `${mb(bare)} RSS`,
      ratio: `×${(wecas / bare).toFixed(2)}`,
      notes: `after 40 s idle (${mb(started)} 2 s after start); HTTPS, SQLite, SMS aliyun; median of ${options.rounds}`,
    });
    log('  where the memory goes: modules imported one by one');
    const steps = await importBreakdown(setup, 'aliyun', [...PRODUCTION_IMPORTS, './dist/sms/aliyun-sender.js'], ['--max-semi-space-size=1']);
    const [start] = (await importBreakdown(setup, 'aliyun', [])).filter((s) => s.step === 'start');
    after.push(...breakdownLines(steps, start));
  } finally {
    await setup.remove();
  }
}

/**
 * Issue 17's page sizes: a SQLite node with 100k accounts and 1M audit events; each console and API list page,
 * first and deep, searched and filtered, timed over HTTP as a signed-in administrator (docs/benchmarks.md).
 */
async function adminPages() {
  log(`admin-pages: ${ADMIN_DATA.accounts} accounts and ${ADMIN_DATA.events} audit events in SQLite, then each page 20 times`);
  // The console asks administrators for a second factor by default; the pages, not the sign-in, are measured here.
  const node = await startWecasNode('sqlite', { dataDir, cpuProf: options.cpuProf, users: 0, env: { ADMIN_CONSOLE_SECOND_FACTOR: 'optional' } });
  stoppable.push(node);
  rows.push(...(await adminPageRows(node, { requests: 20, log })));
  await node.stop();
}

async function main() {
  const loadBefore = os.loadavg();
  log(`wecas bench: ${os.cpus().length} CPUs, Node ${process.version}, load ${loadBefore.map((l) => l.toFixed(2)).join(' ')}`);
  const pgProblem = REGISTRIES.some((r) => r === 'postgres' && (wanted(`validation-${r}`) || wanted(`sso-${r}`) || wanted(`tgts-${r}`)))
    ? await postgresReachable()
    : undefined;
  const registries = REGISTRIES.filter((r) => r !== 'postgres' || !pgProblem);
  if (pgProblem) log(`PostgreSQL unreachable (${pgProblem}): its scenarios are skipped`);
  log('building src/ and the child harnesses into bench/.build/ (the children run compiled JavaScript)');
  log(`  built in ${(await buildBench()).toFixed(0)} s`);
  const bareChild = await forkNode('bench/bare-fastify.ts', { PORT: String(await freePort()) });
  stoppable.push(bareChild);
  const bare = bareSubject(bareChild);
  for (const kind of ['validation', 'sso'] as const)
    for (const registry of registries) if (wanted(`${kind}-${registry}`)) await throughput(bare, kind, registry);
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  if (wanted('validation-redis-1m')) await validationRedis1m(bare);
  for (const registry of registries) if (wanted(`tgts-${registry}`)) await tgts(registry);
  if (wanted('idle-production')) await idleProduction();
  if (wanted('admin-pages')) await adminPages();

  const cpu = os.cpus()[0]?.model.trim() ?? 'CPU';
  const wrkVersion = /^wrk \S+/.exec(wrkBanner())?.[0] ?? 'wrk';
  process.stdout.write(
    [
      `wecas bench, ${new Date().toISOString().slice(0, 16)}Z: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GB, Node ${process.version}, ${wrkVersion}`,
      `wrk -t${options.threads} -c${options.connections} -d${options.duration}s, median of ${options.rounds} round(s) interleaved with bare Fastify; ` +
        `load average before ${loadBefore.map((l) => l.toFixed(2)).join(' ')}, after ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}; ` +
        `${((performance.now() - started) / 60_000).toFixed(1)} min`,
      '',
      renderTable(rows),
      '',
      ...after,
    ].join('\n'),
  );
}

/** `wrk -v` prints its version and exits 1. */
function wrkBanner(): string {
  try {
    return execFileSync('wrk', ['-v'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    return String((err as { stdout?: string }).stdout ?? '');
  }
}

try {
  await main();
} finally {
  for (const s of stoppable.reverse()) await s.stop().catch((err: Error) => log(`stopping: ${err.message}`));
  rmSync(dataDir, { recursive: true, force: true });
}
