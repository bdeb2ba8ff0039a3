import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, type SqliteDatabase as KyselySqliteDatabase, PostgresDialect, SqliteDialect, type SqliteStatement } from 'kysely';
import { createPostgresPool, preparingHotStatements } from './postgres.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type DbDialect = 'sqlite' | 'postgres';

export interface OpenedDatabase {
  db: Db;
  dialect: DbDialect;
  /** Human-readable location for logs: never includes a password. */
  location: string;
}

export interface OpenDatabaseOptions {
  /** Told when PostgreSQL closes a pooled connection, idle or in use (see createPostgresPool). */
  onConnectionError?: (err: Error) => void;
}

/** How long a SQLite write waits for another connection's write lock before it fails with SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

/** Opens the database named by a normalised DATABASE_URL (`sqlite:/abs/file`, `sqlite::memory:` or `postgres://…`). */
export function openDatabase(url: string, options: OpenDatabaseOptions = {}): OpenedDatabase {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = async () => preparingHotStatements(await createPostgresPool({ connectionString: url }, options.onConnectionError));
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres', location: redactUrl(url) };
  }
  const file = url.slice('sqlite:'.length);
  const database = openSqliteFile(file);
  const reusing = reusingStatements(database);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: reusing }) });
  sqliteHandles.set(db, { database, prepare: (sql) => reusing.prepare(sql) });
  return { db, dialect: 'sqlite', location: file };
}

/** The better-sqlite3 connection behind a SQLite Db, and the prepared statements Kysely runs on it. */
export interface SqliteHandle {
  database: SqliteDatabase.Database;
  /** The statement for this SQL, prepared once and shared with Kysely's queries (reusingStatements). */
  prepare(sql: string): SqliteStatement;
}

const sqliteHandles = new WeakMap<Db, SqliteHandle>();

/**
 * The connection behind a SQLite Db (undefined for PostgreSQL), for writes that must run as one synchronous step
 * (store/sqlite-write-groups.ts). Use it only while holding Kysely's connection.
 */
export function sqliteHandleOf(db: Db): SqliteHandle | undefined {
  return sqliteHandles.get(db);
}

/**
 * The SQLite file, created with its directory when missing, in WAL mode. SQLite's own messages name neither the
 * file nor the cause ("unable to open database file"): a failure here says which file, and whether this user may
 * write to it or its directory.
 */
function openSqliteFile(file: string): SqliteDatabase.Database {
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    const sqlite = new SqliteDatabase(file);
    try {
      sqlite.pragma('journal_mode = WAL');
      sqlite.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
      sqlite.pragma('foreign_keys = ON');
      sqlite.pragma('synchronous = NORMAL');
      // The registry's write groups give each operation a savepoint, whose statement journal would otherwise spill
      // to a temporary file past 64 KiB (a pwrite per page). wecas's queries sort by their indexes, so nothing
      // large is sorted in memory instead (docs/benchmarks.md, sixth pass).
      sqlite.pragma('temp_store = MEMORY');
    } catch (err) {
      sqlite.close();
      throw err;
    }
    return sqlite;
  } catch (err) {
    const why = [err instanceof Error ? err.message : String(err), file === ':memory:' ? undefined : unwritablePart(file)];
    throw new Error(`Cannot open the SQLite database ${file}: ${why.filter(Boolean).join('; ')}`, { cause: err });
  }
}

/** Which of a database file and its directory this process may not write to, if either. */
function unwritablePart(file: string): string | undefined {
  const dir = path.dirname(file);
  if (existsSync(dir) && !writable(dir)) return `the directory ${dir} is not writable by this user`;
  if (existsSync(file) && !writable(file)) return 'the file is not writable by this user';
  return undefined;
}

function writable(target: string): boolean {
  try {
    accessSync(target, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Distinct SQL texts kept prepared; wecas has a few dozen, so the limit only guards against a runaway. */
const MAX_PREPARED_STATEMENTS = 1000;

/**
 * Kysely prepares every query anew, and better-sqlite3 compiles SQL on each prepare: about 6% of a validation's time
 * in the benchmark profile (docs/benchmarks.md). Statements are reusable (their parameters come with each call, and
 * SQLite re-prepares them itself after a schema change), so keep them by SQL text. Nothing here streams results,
 * which is the one use (`iterate`) a shared statement could not serve twice at once.
 */
function reusingStatements(database: SqliteDatabase.Database): KyselySqliteDatabase {
  const prepared = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      let statement = prepared.get(sql);
      if (!statement) {
        if (prepared.size >= MAX_PREPARED_STATEMENTS) prepared.clear();
        statement = database.prepare(sql);
        prepared.set(sql, statement);
      }
      return statement;
    },
  };
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
