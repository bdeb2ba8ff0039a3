import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { deleteKeysWithPrefix } from '../../scripts/redis-keys.js';
import { openRedis } from '../../src/store/redis.js';
import { type Availability, probe } from './servers.js';

export { requireServer } from './servers.js';

/** Override with TEST_REDIS_URL. */
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisAvailable(): Promise<Availability> {
  return probe(async () => {
    const redis = await openRedis(REDIS_URL, { connectTimeoutMs: 2000 });
    redis.disconnect();
  });
}

export interface RedisPrefix {
  redis: Redis;
  /** Unique to this call, ends with `:`; every key a test writes must start with it. */
  prefix: string;
  /** Another client, as a second wecas node would have; cleanup closes it too. */
  open(): Promise<Redis>;
  /** Deletes every key under the prefix and closes the clients. */
  cleanup(): Promise<void>;
}

/** A connection and a unique key prefix, so test files running in parallel never share keys. */
export async function withRedisPrefix(): Promise<RedisPrefix> {
  const prefix = `wecas-test:${randomBytes(6).toString('hex')}:`;
  const clients: Redis[] = [];
  const open = async () => {
    const client = await openRedis(REDIS_URL);
    clients.push(client);
    return client;
  };
  const redis = await open();
  const cleanup = async () => {
    await deleteKeysWithPrefix(redis, prefix);
    await Promise.all(clients.map((c) => c.quit()));
  };
  return { redis, prefix, open, cleanup };
}
