import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { createScratchDatabase, deleteRedisKeys, redisKeyPrefix, type ScratchDatabase, startRedisServer } from './backends.js';
import { startLoadBalancer } from './nginx.js';
import { type ChildServer, freePort, spawnServer } from './processes.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The PostgreSQL server the scratch database is created on (its user may CREATE DATABASE). */
export const DEFAULT_POSTGRES_URL = process.env.CLUSTER_POSTGRES_URL ?? process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_REDIS_URL = process.env.CLUSTER_REDIS_URL ?? process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The AppID wecas has at the cluster's emulator (`wx` + 16 hex digits, as WeChat's). */
export const CLUSTER_WECHAT_APP = { appId: 'wx0c1a5e7e5c1a5e70', appSecret: 'cluster-emulator-secret-not-for-production' };

export interface ClusterOptions {
  /** How many wecas nodes (default 2). */
  nodes?: number;
  /** Where to CREATE DATABASE for this run. */
  postgresUrl?: string;
  /**
   * `shared` (default): the Redis at `redisUrl` with a key prefix unique to this run (REDIS_PREFIX).
   * `own`: a redis-server of this cluster, without persistence, that `cluster.redis.kill()` and `.start()` control.
   */
  redis?: 'shared' | 'own';
  redisUrl?: string;
  /** More environment for every node (overrides the cluster's). */
  env?: Record<string, string>;
  /** The nodes' LOG_LEVEL (default warn). */
  logLevel?: string;
  /** The port nginx listens on (default: a free one). */
  port?: number;
}

/** One wecas process behind the load balancer. */
export interface WecasNode {
  name: string;
  port: number;
  /** Straight to this node, bypassing nginx: `http://127.0.0.1:<port>`. */
  url: string;
  running(): boolean;
  output(): string;
  /** `kill -9`. */
  kill(): Promise<void>;
  /** SIGTERM: wecas's graceful shutdown. */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same settings (after kill or stop). */
  start(): Promise<void>;
}

export interface ClusterRedis {
  url: string;
  prefix: string;
  /** Own redis-server only: `kill -9`, and start again empty on the same port. */
  kill?(): Promise<void>;
  start?(): Promise<void>;
}

export interface Cluster {
  /** The load balancer: every node's PUBLIC_URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** url + `/cas`. */
  casUrl: string;
  nodes: WecasNode[];
  /** The node an `X-Wecas-Upstream` header names (nginx's $upstream_addr; after a retry, the last address). */
  nodeAnswering(upstreamHeader: string | string[] | undefined): WecasNode | undefined;
  /** The one WeChat emulator every node uses (its state is in its memory, so the nodes must share one). */
  emulator: { url: string; appId: string };
  redis: ClusterRedis;
  database: ScratchDatabase;
  /** A connection of the harness to the cluster's database, to add users and services and to check rows. */
  db: Db;
  /** The environment every node runs with (secrets included: a test harness). */
  nodeEnv: Record<string, string>;
  /** Stops everything and deletes the database and the Redis keys of this run. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Two (or more) wecas nodes, `node --import tsx dev/main.ts` (the development start: the SMS outbox on each node), sharing a fresh PostgreSQL database and Redis,
 * behind nginx (round-robin, no stickiness), with one standalone WeChat emulator. Everything listens on loopback.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    const errors: unknown[] = [];
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch((err: unknown) => errors.push(err));
    if (errors.length > 0) throw new AggregateError(errors, 'cluster stop failed');
  };
  try {
    const nodeCount = options.nodes ?? 2;
    const [lbPort, emulatorPort, ...nodePorts] = await distinctFreePorts(2 + nodeCount, options.port);
    const url = `http://127.0.0.1:${lbPort}`;

    const database = await createScratchDatabase(options.postgresUrl ?? DEFAULT_POSTGRES_URL);
    cleanups.push(() => database.drop());
    const { db } = openDatabase(database.url);
    cleanups.push(() => db.destroy());
    await migrateToLatest(db); // once, before any node starts

    const redis = await clusterRedis(options, cleanups);

    const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
    const emulatorApps = [{ ...CLUSTER_WECHAT_APP, name: 'wecas cluster', callbackDomain: `127.0.0.1:${lbPort}` }];
    const nodeEnv: Record<string, string> = {
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PUBLIC_URL: url,
      TRUST_PROXY: '127.0.0.1',
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      SMS_CODE_SECRET: randomBytes(32).toString('hex'), // the same on every node, or a code sent by one fails on the other
      DEMO_DATA: 'false',
      // Every visitor of a test run comes from 127.0.0.1: the per-address request limits would count them as one.
      RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
      RATE_LIMIT_SMS_PER_MINUTE: '100000',
      RATE_LIMIT_VALIDATION_PER_MINUTE: '100000',
      RATE_LIMIT_CALLBACK_PER_MINUTE: '100000',
      LOG_LEVEL: options.logLevel ?? 'warn',
      WECHAT_APP_ID: CLUSTER_WECHAT_APP.appId,
      WECHAT_APP_SECRET: CLUSTER_WECHAT_APP.appSecret,
      WECHAT_OPEN_BASE_URL: emulatorUrl,
      WECHAT_API_BASE_URL: emulatorUrl,
      ...options.env,
    };

    const emulatorStart = spawnServer({
      name: 'wechat emulator',
      command: process.execPath,
      args: ['--import', 'tsx', 'emulator/main.ts'],
      cwd: ROOT,
      port: emulatorPort!,
      env: {
        EMULATOR_PORT: String(emulatorPort),
        EMULATOR_PUBLIC_URL: emulatorUrl,
        EMULATOR_APPS: JSON.stringify(emulatorApps),
        NODE_ENV: 'development',
      },
    });
    const nodes = nodePorts.map((port, i) => wecasNode(String.fromCharCode(97 + i), port!, nodeEnv));
    const started = await Promise.allSettled([emulatorStart, ...nodes.map((n) => n.start())]);
    if (started[0]!.status === 'fulfilled') {
      const emulator = started[0].value;
      cleanups.push(() => emulator.stop());
    }
    cleanups.push(() => Promise.all(nodes.map((n) => n.stop())));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;

    const dir = await mkdtemp(path.join(tmpdir(), 'wecas-nginx-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const nginx = await startLoadBalancer({ port: lbPort!, upstreamPorts: nodePorts as number[], dir });
    cleanups.push(() => nginx.stop());

    return {
      url,
      casUrl: `${url}/cas`,
      nodes,
      nodeAnswering(header) {
        const last = String(header ?? '')
          .split(/[,:]\s*/)
          .filter(Boolean);
        const port = Number(last.at(-1));
        return nodes.find((n) => n.port === port);
      },
      emulator: { url: emulatorUrl, appId: CLUSTER_WECHAT_APP.appId },
      redis,
      database,
      db,
      nodeEnv,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

function wecasNode(name: string, port: number, env: Record<string, string>): WecasNode {
  let child: ChildServer | undefined;
  const node: WecasNode = {
    name,
    port,
    url: `http://127.0.0.1:${port}`,
    running: () => child?.running() ?? false,
    output: () => child?.output() ?? '',
    kill: async () => child?.kill(),
    stop: async () => child?.stop(),
    async start() {
      if (node.running()) return;
      child = await spawnServer({
        name: `wecas node ${name}`,
        command: process.execPath,
        args: ['--import', 'tsx', 'dev/main.ts'],
        cwd: ROOT,
        port,
        env: { ...env, PORT: String(port) },
      });
    },
  };
  return node;
}

async function clusterRedis(options: ClusterOptions, cleanups: Array<() => Promise<unknown>>): Promise<ClusterRedis> {
  const prefix = redisKeyPrefix();
  if (options.redis !== 'own') {
    const url = options.redisUrl ?? DEFAULT_REDIS_URL;
    cleanups.push(() => deleteRedisKeys(url, prefix));
    return { url, prefix };
  }
  const port = await freePort();
  let server = await startRedisServer(port);
  cleanups.push(() => server.stop());
  return {
    url: `redis://127.0.0.1:${port}`,
    prefix,
    kill: () => server.kill(),
    async start() {
      if (!server.running()) server = await startRedisServer(port);
    },
  };
}

/** `count` different free ports (the kernel may hand the same one out twice in a row once it is closed). */
async function distinctFreePorts(count: number, first?: number): Promise<number[]> {
  const ports = new Set<number>(first ? [first] : []);
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
