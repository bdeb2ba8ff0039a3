import type { Redis } from 'ioredis';
import { escapeGlob } from '../src/store/redis.js';

/** Deletes every key under a prefix, a SCAN page at a time (tests, benchmarks and cluster runs clean up with it). */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${escapeGlob(prefix)}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
