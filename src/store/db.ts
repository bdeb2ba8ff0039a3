import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type DbDialect = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  db: Db;
  dialect: DbDialect;
  /** Human-readable location for logs: never includes a password. */
  location: string;
}

// PostgreSQL bigint (int8) arrives as a string by default; our bigints are millisecond times and ids that fit a double.
pg.types.setTypeParser(20, (v) => Number(v));

/** Opens the database named by a normalised DATABASE_URL (`sqlite:/abs/file`, `sqlite::memory:` or `postgres://…`). */
export function openDatabase(url: string): OpenedDatabase {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', location: redactUrl(url) };
  }
  const file = url.slice('sqlite:'.length);
  if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) }), dialect: 'sqlite', location: file };
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** SQLite stores booleans as 0/1; PostgreSQL returns true/false. */
export function toBool(v: boolean | number): boolean {
  return v === true || v === 1;
}
