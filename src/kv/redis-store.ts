import type { Redis } from 'ioredis';
import type { KeyValueStore } from './store.js';

/**
 * INCR, and start the window only on the first increment. One script runs atomically in Redis, so no
 * concurrent caller can slip between INCR and PEXPIRE and leave a counter without expiry.
 */
const INCREMENT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n`;

/** DECR a live counter, never below 0; a missing key stays missing (DECR alone would create it at -1, without expiry). */
const DECREMENT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n > 0 then redis.call('DECR', KEYS[1]) end
return 0`;

/**
 * Short-lived state in Redis, shared by every node. Keys are `<prefix>kv:<key>`; values are JSON strings,
 * counters are Redis integers. Redis expires keys on its own clock, so this store takes no Clock.
 * The client is shared: closing the store does not close it.
 */
export class RedisKeyValueStore implements KeyValueStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'wecas:',
  ) {}

  private key(key: string): string {
    return `${this.prefix}kv:${key}`;
  }

  async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key(key), JSON.stringify(value ?? null), 'PX', ttlSeconds * 1000);
  }

  async putIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    // SET NX is one command: of concurrent callers exactly one creates the key (an expired key no longer exists).
    const ok = await this.redis.set(this.key(key), JSON.stringify(value ?? null), 'PX', ttlSeconds * 1000, 'NX');
    return ok === 'OK';
  }

  async get<T>(key: string): Promise<T | undefined> {
    return parse<T>(await this.redis.get(this.key(key)));
  }

  async take<T>(key: string): Promise<T | undefined> {
    // GETDEL is one command: only one concurrent caller receives the value.
    return parse<T>(await this.redis.getdel(this.key(key)));
  }

  async delete(key: string): Promise<void> {
    await this.redis.del(this.key(key));
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    return Number(await this.redis.eval(INCREMENT, 1, this.key(key), ttlSeconds * 1000));
  }

  async decrement(key: string): Promise<void> {
    await this.redis.eval(DECREMENT, 1, this.key(key));
  }

  async counter(key: string): Promise<number> {
    return Number((await this.redis.get(this.key(key))) ?? 0);
  }

  async ttl(key: string): Promise<number> {
    const ms = await this.redis.pttl(this.key(key)); // -2: no such key; -1: no expiry (never set by this store)
    return ms > 0 ? Math.ceil(ms / 1000) : 0;
  }

  async close(): Promise<void> {}
}

function parse<T>(json: string | null): T | undefined {
  return json === null ? undefined : (JSON.parse(json) as T);
}
