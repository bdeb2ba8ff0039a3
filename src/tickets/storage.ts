import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { MemoryKeyValueStore } from '../kv/memory-store.js';
import { RedisKeyValueStore } from '../kv/redis-store.js';
import { SqlKeyValueStore } from '../kv/sql-store.js';
import type { KeyValueStore } from '../kv/store.js';
import type { Db } from '../store/db.js';
import { MemoryTicketRegistry } from './memory-registry.js';
import { RedisTicketRegistry } from './redis-registry.js';
import type { TicketRegistry } from './registry.js';
import { SqlTicketRegistry } from './sql-registry.js';

export type TicketStorageKind = 'memory' | 'sql' | 'redis';

export interface TicketStorageOptions {
  kind: TicketStorageKind;
  /** Required for `sql`. */
  db?: Db;
  /** Required for `redis` (see openRedis). */
  redis?: Redis;
  clock: Clock;
  /** Redis key prefix, default `wecas:`. */
  prefix?: string;
}

/** Tickets and short-lived state always live in the same kind of backend. Neither owns the db or Redis client. */
export interface TicketStorage {
  tickets: TicketRegistry;
  kv: KeyValueStore;
}

export function createTicketStorage(options: TicketStorageOptions): TicketStorage {
  const { kind, clock } = options;
  switch (kind) {
    case 'memory':
      return { tickets: new MemoryTicketRegistry(clock), kv: new MemoryKeyValueStore(clock) };
    case 'sql': {
      if (!options.db) throw new Error('ticket storage "sql" needs a database');
      return { tickets: new SqlTicketRegistry(options.db, clock), kv: new SqlKeyValueStore(options.db, clock) };
    }
    case 'redis': {
      if (!options.redis) throw new Error('ticket storage "redis" needs a Redis client (set REDIS_URL)');
      return {
        tickets: new RedisTicketRegistry(options.redis, clock, options.prefix),
        kv: new RedisKeyValueStore(options.redis, options.prefix),
      };
    }
  }
}
