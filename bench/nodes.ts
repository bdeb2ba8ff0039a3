// wecas nodes for the bench, one per registry: memory and SQL tickets in a SQLite file, Redis tickets in a
// redis-server of the bench's own, and everything in a PostgreSQL database the bench creates and drops.
import path from 'node:path';
import pg from 'pg';
import { type Child, forkNode, freePort, ROOT } from './children.js';
import type { Registry } from './options.js';
import { type BenchRedis, startBenchRedis } from './redis.js';

export const SERVICE = 'https://app.example.org/cb';
const USERS = 16;
/** The PostgreSQL the bench creates its databases in (trust auth, as the tests use it). */
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface WecasNode {
  registry: Registry;
  child: Child;
  url: string;
  redis?: BenchRedis;
  stop(): Promise<void>;
}

export interface NodeOptions {
  dataDir: string;
  cpuProf: boolean;
  /** Seeded users (0 for the memory scenarios: seeding hashes passwords, whose 32 MB blocks blur a node's size). */
  users?: number;
  /** More environment for the node (what a scenario configures beyond the bench's defaults). */
  env?: Record<string, string>;
}

let databases = 0;

export async function startWecasNode(registry: Registry, options: NodeOptions): Promise<WecasNode> {
  const port = await freePort();
  const cleanups: Array<() => Promise<void>> = [];
  let databaseUrl = `sqlite:${path.join(options.dataDir, `${registry}-${port}.db`)}`;
  let redis: BenchRedis | undefined;
  if (registry === 'redis') {
    redis = await startBenchRedis();
    cleanups.push(() => redis!.stop());
  }
  if (registry === 'postgres') {
    const name = `wecas_bench_${process.pid}_${++databases}`;
    await adminQuery(`create database ${name}`);
    cleanups.push(() => adminQuery(`drop database if exists ${name} with (force)`));
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
  }
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: databaseUrl,
    TICKET_REGISTRY: registry === 'memory' ? 'memory' : 'sql',
    // Tickets issued before a run wait in line for up to its length; the 10 s default would expire the last ones.
    ST_TTL_SECONDS: '3600',
    DEMO_DATA: 'false',
    METRICS_ENABLED: 'true',
    // The load comes from one address: the per-address request limits are not what is measured.
    RATE_LIMIT_LOGIN_PER_MINUTE: '100000000',
    RATE_LIMIT_SMS_PER_MINUTE: '100000000',
    RATE_LIMIT_VALIDATION_PER_MINUTE: '100000000',
    RATE_LIMIT_CALLBACK_PER_MINUTE: '100000000',
    ...(redis ? { REDIS_URL: redis.url } : {}),
    ...options.env,
  };
  const execArgv = ['--expose-gc', ...(options.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench', 'profiles')}`] : [])];
  let child: Child;
  try {
    child = await forkNode('bench/wecas-node.ts', env, execArgv);
    await child.call('seed', { users: options.users ?? USERS });
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup();
    throw err;
  }
  return {
    registry,
    child,
    url: `http://127.0.0.1:${port}`,
    redis,
    async stop() {
      await child.stop();
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

/** Whether the PostgreSQL answers (its rows are skipped when it does not). */
export async function postgresReachable(): Promise<string | undefined> {
  try {
    await adminQuery('select 1');
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query(text);
  } finally {
    await client.end().catch(() => {});
  }
}
