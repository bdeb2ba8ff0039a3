import { deleteKeysWithPrefix } from '../scripts/redis-keys.js';
import { openRedis } from '../src/store/redis.js';
import { newTicketId } from '../src/tickets/ids.js';
import { RedisTicketRegistry } from '../src/tickets/redis-registry.js';
import type { TicketGrantingTicket } from '../src/tickets/types.js';
import { ManualClock } from '../test/support/clock.js';

/**
 * Bytes of Redis memory per live TGT: `used_memory` (INFO memory) before and after adding `n` TGTs through the
 * RedisTicketRegistry under a prefix of our own, which is deleted afterwards. n = 0 only checks that Redis answers.
 */
export async function measureRedisBytesPerTgt(url: string, n: number): Promise<number> {
  const redis = await openRedis(url, { connectTimeoutMs: 1000 });
  const prefix = `wecas-bench-memory-${process.pid}:`;
  try {
    if (n === 0) return 0;
    const registry = new RedisTicketRegistry(redis, new ManualClock(Date.now()), prefix);
    const before = await usedMemory(redis);
    const now = Date.now();
    for (let start = 0; start < n; start += 500) {
      await Promise.all(
        Array.from({ length: Math.min(500, n - start) }, (_, k) => {
          const i = start + k;
          const tgt: TicketGrantingTicket = {
            kind: 'TGT',
            id: newTicketId('TGT'),
            userId: crypto.randomUUID(),
            principal: `filler-${i}`,
            method: 'wechat',
            authTime: now,
            createdAt: now,
            lastUsedAt: now,
            expiresAt: now + 2 * 3600_000,
            clientIp: '10.1.2.3',
            userAgent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
          };
          return registry.add(tgt);
        }),
      );
    }
    return ((await usedMemory(redis)) - before) / n;
  } finally {
    await deleteKeysWithPrefix(redis, prefix);
    redis.disconnect();
  }
}

/** Deletes every key under the prefixes the benchmark's Redis nodes used: the Redis is shared, its tests SCAN it. */
export async function deleteRedisKeys(url: string, prefixes: string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const redis = await openRedis(url, { connectTimeoutMs: 1000 });
  try {
    for (const prefix of prefixes) await deleteKeysWithPrefix(redis, prefix);
  } finally {
    redis.disconnect();
  }
}

async function usedMemory(redis: { info(section: string): Promise<string> }): Promise<number> {
  const info = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1]);
}
