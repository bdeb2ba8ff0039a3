import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { type Db, redactUrl } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { createPostgresPool, preparingHotStatements } from '../../src/store/postgres.js';
import type { Database } from '../../src/store/schema.js';
import { type Availability, probe } from './servers.js';

export { requireServer } from './servers.js';

/** The test database: trust auth, user postgres, database `test`. Override with TEST_POSTGRES_URL. */
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresAvailable(): Promise<Availability> {
  return probe(async () => {
    const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (err) {
      throw new Error(`PostgreSQL at ${redactUrl(POSTGRES_URL)} is unreachable: ${err instanceof Error ? err.message : err}`);
    } finally {
      await client.end().catch(() => {});
    }
  });
}

export interface PostgresSchema {
  /** Migrated, every connection bound to the schema. */
  db: Db;
  schema: string;
  /** Another pool on the same schema, as a second wecas node would have; cleanup ends it too. */
  open(poolSize?: number): Db;
  /** Runs DDL on this schema's tables while no other test file creates, migrates or drops a schema. */
  alteringTables(work: () => Promise<unknown>): Promise<void>;
  /** Ends every pool and drops the schema. */
  cleanup(): Promise<void>;
}

/**
 * A uniquely named, migrated schema in the test database, so test files running in parallel never share tables.
 * Every connection starts with `search_path` set to it (a startup parameter, so it holds before the first query).
 */
export async function withPostgresSchema(options: { poolSize?: number } = {}): Promise<PostgresSchema> {
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const pools: Db[] = [];
  const open = (poolSize = options.poolSize ?? 5): Db => {
    // As openDatabase opens it: the hot statements prepared on each connection.
    const pool = async () =>
      preparingHotStatements(await createPostgresPool({ connectionString: POSTGRES_URL, max: poolSize, options: `-c search_path=${schema}` }));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    pools.push(db);
    return db;
  };
  const db = open();
  const cleanup = async () => {
    await Promise.all(pools.map((p) => p.destroy()));
    await whileHoldingSchemaLock((admin) => admin.query(`drop schema if exists "${schema}" cascade`));
  };
  try {
    await whileHoldingSchemaLock(async (admin) => {
      await admin.query(`create schema "${schema}"`);
      await migrateToLatest(db, { schema });
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  const alteringTables = (work: () => Promise<unknown>) => whileHoldingSchemaLock(() => work());
  return { db, schema, open, alteringTables, cleanup };
}

/**
 * Creating, migrating, altering and dropping test schemas take turns: Kysely's migrator lists the tables of every
 * schema, and that catalog query fails ("schema … does not exist", "relation … does not exist") when another test
 * file drops its schema or renames a table at the same moment.
 */
async function whileHoldingSchemaLock(work: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`select pg_advisory_lock(hashtext('wecas test schemas'))`); // released when the session ends
    await work(admin);
  } finally {
    await admin.end();
  }
}
