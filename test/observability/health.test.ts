// /health/live and /health/ready: JSON, 200/503, nothing secret; the database and Redis checks fail when the
// database pool is closed, PostgreSQL or Redis is on a closed port, the Redis connection is gone, or the database
// answers reads but takes no writes (a SQLite file locked by another connection, a read-only PostgreSQL).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Redis } from 'ioredis';
import { type DatabaseConnection, DummyDriver, Kysely, PostgresDialect, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createReadiness } from '../../src/observability/health.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { createPostgresPool } from '../../src/store/postgres.js';
import type { Database } from '../../src/store/schema.js';
import { type CasTestApp, createCasTestApp } from '../support/cas-app.js';
import { testConfig } from '../support/config.js';
import { POSTGRES_URL, postgresAvailable, withPostgresSchema } from '../support/postgres.js';
import { REDIS_URL, redisAvailable, requireServer } from '../support/redis.js';

/** Nothing listens here: connections are refused at once. */
const CLOSED_PORT = 1;

let t: CasTestApp | undefined;
afterEach(async () => {
  await t?.close().catch(() => undefined);
  t = undefined;
});

describe('/health endpoints of the app', () => {
  it('live: 200 with a JSON status, no store', async () => {
    t = await createCasTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/health/live' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'live' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('ready: 200 with each check while the database answers', async () => {
    t = await createCasTestApp();
    const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ready');
    expect(body.checks.database).toMatchObject({ ok: true });
    expect(body.checks.wechat).toEqual({ ok: true, configured: false });
    expect(body.checks.sms).toEqual({ ok: true, provider: 'console' });
    expect(body.checks.redis).toBeUndefined(); // not configured, not checked
  });

  it('ready: writes its heartbeat row, so a database that takes writes is what it proves', async () => {
    t = await createCasTestApp();
    expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    const rows = await t.ctx.db.selectFrom('readiness_heartbeat').selectAll().execute();
    expect(rows).toEqual([{ id: 1, written_at: t.clock.now() }]);
  });

  it("ready: 503 while another connection holds the SQLite file's write lock, 200 once it lets go", async () => {
    const file = path.join(scratchDir, 'locked.db');
    t = await createCasTestApp({ DATABASE_URL: `sqlite:${file}` });
    const other = new SqliteDatabase(file); // another process's connection, as `wecas user add` would have
    try {
      other.exec('begin exclusive');
      const locked = await t.app.inject({ method: 'GET', url: '/health/ready' });
      expect(locked.statusCode).toBe(503);
      expect(locked.json()).toMatchObject({ status: 'not_ready', checks: { database: { ok: false, error: 'SQLITE_BUSY' } } });
      expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
      other.exec('rollback');
      expect((await t.app.inject({ method: 'GET', url: '/health/ready' })).statusCode).toBe(200);
    } finally {
      other.close();
    }
  });

  it('ready: 503 once the database pool is closed, and live stays 200', async () => {
    t = await createCasTestApp();
    await t.ctx.db.destroy();
    const res = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'not_ready', checks: { database: { ok: false } } });
    expect((await t.app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
  });
});

const scratchDir = mkdtempSync(path.join(tmpdir(), 'wecas-health-'));
afterAll(() => rmSync(scratchDir, { recursive: true, force: true }));

describe('readiness checks', () => {
  const config = testConfig();

  it('PostgreSQL on a closed port: database not ok, with an error code and no URL', async () => {
    const { db } = openDatabase(`postgres://postgres:hunter2@127.0.0.1:${CLOSED_PORT}/test`);
    try {
      const report = await createReadiness({ db, dialect: 'postgres', config }).check();
      expect(report.status).toBe('not_ready');
      expect(report.checks.database).toMatchObject({ ok: false, error: 'ECONNREFUSED' });
      expect(JSON.stringify(report)).not.toMatch(/hunter2|postgres:/);
    } finally {
      await db.destroy();
    }
  });

  it('a database slower than the timeout counts as down', async () => {
    const report = await createReadiness({ db: hangingDatabase(), dialect: 'sqlite', config, timeoutMs: 50 }).check();
    expect(report.checks.database).toMatchObject({ ok: false, error: 'timeout' });
  });

  it('Redis on a closed port: redis not ok', async () => {
    const { db } = openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    const redis = new Redis(`redis://127.0.0.1:${CLOSED_PORT}`, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    try {
      const report = await createReadiness({ db, dialect: 'sqlite', redis, config }).check();
      expect(report.status).toBe('not_ready');
      expect(report.checks.database).toMatchObject({ ok: true });
      expect(report.checks.redis).toMatchObject({ ok: false });
    } finally {
      redis.disconnect();
      await db.destroy();
    }
  });

  it('production without WeChat is not ready (the config schema refuses it; this guards a hand-built config)', async () => {
    const { db } = openDatabase('sqlite::memory:');
    try {
      const noWechat = { ...config, mode: 'production' as const, wechat: undefined };
      const report = await createReadiness({ db, dialect: 'sqlite', config: noWechat }).check();
      expect(report).toMatchObject({ status: 'not_ready', checks: { wechat: { ok: false } } });
    } finally {
      await db.destroy();
    }
  });
});

describe.runIf(requireServer('PostgreSQL', await postgresAvailable()))('readiness on PostgreSQL', () => {
  it('a database that answers reads but refuses writes (read-only transactions) is not ready', async () => {
    const schema = await withPostgresSchema();
    // A node whose connections can only read, as on a standby or a database set read-only.
    const readOnly = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: () =>
          createPostgresPool({
            connectionString: POSTGRES_URL,
            max: 2,
            options: `-c search_path=${schema.schema} -c default_transaction_read_only=on`,
          }),
      }),
    });
    try {
      expect(await createReadiness({ db: schema.db, dialect: 'postgres', config: testConfig() }).check()).toMatchObject({ status: 'ready' });
      const report = await createReadiness({ db: readOnly, dialect: 'postgres', config: testConfig() }).check();
      expect(report).toMatchObject({ status: 'not_ready', checks: { database: { ok: false, error: '25006' } } });
    } finally {
      await readOnly.destroy();
      await schema.cleanup();
    }
  });
});

describe.runIf(requireServer('Redis', await redisAvailable()))('/health/ready with REDIS_URL', () => {
  it('200 while Redis answers PING, 503 after its connection is gone', async () => {
    t = await createCasTestApp({ REDIS_URL, REDIS_PREFIX: `wecas-test:health-${process.pid}:` });
    const ready = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks.redis).toMatchObject({ ok: true });

    t.ctx.redis!.disconnect();
    const down = await t.app.inject({ method: 'GET', url: '/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks.redis).toMatchObject({ ok: false });
  });
});

/** A database whose queries never answer, as behind a dead network path. */
function hangingDatabase(): Kysely<Database> {
  class HangingDriver extends DummyDriver {
    override async acquireConnection(): Promise<DatabaseConnection> {
      return { executeQuery: () => new Promise(() => undefined), streamQuery: async function* () {} };
    }
  }
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new HangingDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });
}
