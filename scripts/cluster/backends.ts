import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openRedis } from '../../src/store/redis.js';
import { deleteKeysWithPrefix } from '../redis-keys.js';
import { type ChildServer, spawnServer } from './processes.js';

/** A database made for one cluster run: every node's DATABASE_URL; `drop` removes it, connections and all. */
export interface ScratchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * CREATE DATABASE with a unique name on the server `adminUrl` names (its user must be allowed to create databases).
 * A database rather than a schema: wecas's own migrations run in it unchanged, as in production.
 */
export async function createScratchDatabase(adminUrl: string): Promise<ScratchDatabase> {
  const name = `wecas_cluster_${randomBytes(5).toString('hex')}`;
  await withAdmin(adminUrl, (admin) => admin.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    name,
    // WITH (FORCE) ends the connections of nodes that were killed and never closed their pools (PostgreSQL 13+).
    drop: () => withAdmin(adminUrl, (admin) => admin.query(`drop database if exists "${name}" with (force)`)),
  };
}

async function withAdmin(adminUrl: string, work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  try {
    await admin.connect();
    await work(admin);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/** A key prefix for one run on a shared Redis (REDIS_PREFIX); `clear` deletes every key under it. */
export function redisKeyPrefix(): string {
  return `wecas-cluster:${randomBytes(5).toString('hex')}:`;
}

export async function deleteRedisKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = await openRedis(redisUrl, { connectTimeoutMs: 2000 });
  try {
    await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

export const REDIS_SERVER_BINARY = process.env.REDIS_SERVER ?? 'redis-server';

/**
 * A redis-server of the cluster's own, without persistence (`--save "" --appendonly no`), as the fault tests
 * need one they may kill and restart. Restarting it starts empty: that is the point.
 */
export function startRedisServer(port: number): Promise<ChildServer> {
  return spawnServer({
    name: `redis-server :${port}`,
    command: REDIS_SERVER_BINARY,
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp'],
    port,
  });
}
