import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { createTicketStorage, type TicketStorage } from '../../src/tickets/storage.js';
import { ManualClock } from '../support/clock.js';
import { postgresAvailable, withPostgresSchema } from '../support/postgres.js';
import { redisAvailable, withRedisPrefix } from '../support/redis.js';
import { requireServer } from '../support/servers.js';

/** One backend's ticket storage opened for a test, plus the same storage through other connections (other nodes). */
export interface OpenedStorage {
  clock: ManualClock;
  storage: TicketStorage;
  others: TicketStorage[];
  cleanup(): Promise<void>;
}

export interface StorageBackend {
  name: string;
  /** False when its server is unreachable locally (requireServer printed why; under CI=true it threw). */
  available: boolean;
  /** Redis expires keys on its own clock. */
  expiresOnItsOwnClock: boolean;
  /**
   * Whether `others` can be in a transaction while this connection is. Two SQLite connections in one process
   * cannot: the second waits for the lock synchronously, blocking the thread the first needs to commit. (Two
   * processes on one file, as two nodes would be, wait for each other as they should.)
   */
  overlappingTransactions?: false;
  open(): Promise<OpenedStorage>;
}

/** Every backend createTicketStorage offers, each opened fresh (own schema, key prefix or file) per test. */
export async function storageBackends(): Promise<StorageBackend[]> {
  const [postgres, redis] = await Promise.all([postgresAvailable(), redisAvailable()]);
  return [
    {
      name: 'memory',
      available: true,
      expiresOnItsOwnClock: false,
      async open() {
        const clock = new ManualClock();
        return { clock, storage: createTicketStorage({ kind: 'memory', clock }), others: [], cleanup: async () => {} };
      },
    },
    {
      name: 'SQLite in memory',
      available: true,
      expiresOnItsOwnClock: false,
      async open() {
        const clock = new ManualClock();
        const { db } = openDatabase('sqlite::memory:');
        await migrateToLatest(db);
        return { clock, storage: createTicketStorage({ kind: 'sql', db, clock }), others: [], cleanup: () => db.destroy() };
      },
    },
    {
      // Two connections to one WAL file: the locking two wecas processes sharing a SQLite file rely on.
      name: 'SQLite file, two connections',
      available: true,
      expiresOnItsOwnClock: false,
      overlappingTransactions: false,
      async open() {
        const clock = new ManualClock();
        const dir = mkdtempSync(path.join(tmpdir(), 'wecas-tickets-'));
        const url = `sqlite:${path.join(dir, 'wecas.db')}`;
        const first = openDatabase(url).db;
        await migrateToLatest(first);
        const second = openDatabase(url).db;
        return {
          clock,
          storage: createTicketStorage({ kind: 'sql', db: first, clock }),
          others: [createTicketStorage({ kind: 'sql', db: second, clock })],
          async cleanup() {
            await Promise.all([first.destroy(), second.destroy()]);
            rmSync(dir, { recursive: true, force: true });
          },
        };
      },
    },
    {
      name: 'PostgreSQL',
      available: requireServer('PostgreSQL', postgres),
      expiresOnItsOwnClock: false,
      async open() {
        const clock = new ManualClock();
        const pg = await withPostgresSchema({ poolSize: 8 });
        return {
          clock,
          storage: createTicketStorage({ kind: 'sql', db: pg.db, clock }),
          others: [createTicketStorage({ kind: 'sql', db: pg.open(4), clock })],
          cleanup: pg.cleanup,
        };
      },
    },
    {
      name: 'Redis',
      available: requireServer('Redis', redis),
      expiresOnItsOwnClock: true,
      async open() {
        const clock = new ManualClock();
        const r = await withRedisPrefix();
        const other = await r.open();
        return {
          clock,
          storage: createTicketStorage({ kind: 'redis', redis: r.redis, clock, prefix: r.prefix }),
          others: [createTicketStorage({ kind: 'redis', redis: other, clock, prefix: r.prefix })],
          cleanup: r.cleanup,
        };
      },
    },
  ];
}
