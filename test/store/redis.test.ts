import { describe, expect, it } from 'vitest';
import { escapeGlob, openRedis } from '../../src/store/redis.js';
import { REDIS_URL, redisAvailable, requireServer } from '../support/redis.js';

const redisUp = requireServer('Redis', await redisAvailable());

describe('openRedis', () => {
  it('fails with the address, password hidden, when nothing listens there', async () => {
    // Port 1 on loopback refuses at once, so this needs no server and no waiting.
    const opening = openRedis('redis://:s3cret@127.0.0.1:1/0', { connectTimeoutMs: 1000 });
    await expect(opening).rejects.toThrow(/^Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/0 is unreachable: .*ECONNREFUSED/);
    await expect(opening).rejects.not.toThrow(/s3cret/);
  });

  it.runIf(redisUp)('returns a connected client', async () => {
    const redis = await openRedis(REDIS_URL);
    try {
      expect(redis.status).toBe('ready');
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await redis.quit();
    }
  });
});

describe('escapeGlob', () => {
  it('makes SCAN MATCH read a prefix literally', () => {
    expect(escapeGlob('wecas:')).toBe('wecas:');
    expect(escapeGlob('a*b?[c]\\')).toBe('a\\*b\\?\\[c\\]\\\\');
  });
});
