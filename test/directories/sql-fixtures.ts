// Existing-style user tables for the sql directory's tests: a `staff` table in PostgreSQL, as a school's HR system
// might keep it, and a `people` table in a SQLite file, shaped differently on purpose (the login is the key, groups
// as JSON, a 0/1 lock flag, numbers with their country code).
import { createHash, pbkdf2Sync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { argon2i, argon2id, bcrypt } from 'hash-wasm';
import { sql } from 'kysely';
import type { SqlDirectorySettings } from '../../src/config.js';
import type { Db } from '../../src/store/db.js';
import { POSTGRES_URL } from '../support/postgres.js';

/** One row of an existing table, in wecas's terms; each fixture writes it in its own columns and forms. */
export interface StaffRow {
  login: string;
  passwordHash: string | null;
  name: string;
  /** As the table holds it, not E.164. */
  mobile: string | null;
  email: string | null;
  groups: string[];
  active: boolean;
  title?: string;
}

export const hashes = {
  bcrypt: (password: string) => bcrypt({ password, salt: randomBytes(16), costFactor: 4, outputType: 'encoded' }),
  ssha(password: string) {
    const salt = randomBytes(8);
    return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
  },
  /** Django's form, the salt a text (a few iterations: the tests check the format, not its strength). */
  pbkdf2(password: string) {
    const salt = randomBytes(9).toString('base64url');
    return `pbkdf2_sha256$1000$${salt}$${pbkdf2Sync(password, salt, 1000, 32, 'sha256').toString('base64')}`;
  },
  /** 1 MiB: the reference vectors' 64 MiB, read through a table twice per backend, would be most of the suite's time. */
  argon2id: (password: string) =>
    argon2id({ password, salt: randomBytes(16), iterations: 2, parallelism: 1, memorySize: 1024, hashLength: 32, outputType: 'encoded' }),
  argon2i: (password: string) =>
    argon2i({ password, salt: randomBytes(16), iterations: 2, parallelism: 2, memorySize: 1024, hashLength: 24, outputType: 'encoded' }),
};

/** Settings as config.ts would give them, with the test's URL and queries. */
export function sqlSettings(overrides: Partial<SqlDirectorySettings> & Pick<SqlDirectorySettings, 'databaseUrl' | 'queries'>): SqlDirectorySettings {
  return {
    name: 'hr',
    phoneParameter: 'national',
    groups: { format: 'delimited', delimiter: ',' },
    activeStatuses: undefined,
    legacyUnsaltedHashes: false,
    timeoutMs: 5000,
    ...overrides,
  };
}

// ── PostgreSQL: staff(id serial, job_no, pwd, name, mobile, email, dept, status, title) ────────────────────────────

const STAFF_COLUMNS = `id, job_no AS login, pwd AS password_hash, name AS display_name, mobile AS phone, email AS mail,
  dept AS groups, status AS disabled, title`;

export const STAFF_QUERIES: SqlDirectorySettings['queries'] = {
  byLogin: `SELECT ${STAFF_COLUMNS} FROM staff WHERE lower(job_no) = lower($1)`,
  byPhone: `SELECT ${STAFF_COLUMNS} FROM staff WHERE replace(mobile, ' ', '') = $1`,
  byId: `SELECT ${STAFF_COLUMNS} FROM staff WHERE id = $1`,
};

/** The URL of the test database with every connection's search_path on `schema`. */
export function postgresUrlFor(schema: string): string {
  const url = new URL(POSTGRES_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export async function createStaffTable(db: Db, rows: StaffRow[]): Promise<void> {
  await sql`create table staff (id serial primary key, job_no varchar(20) not null unique, pwd varchar(200), name text,
    mobile varchar(20), email text, dept text, status varchar(10) not null, title text)`.execute(db);
  for (const row of rows) await insertStaff(db, row);
}

export async function insertStaff(db: Db, row: StaffRow): Promise<void> {
  await sql`insert into staff (job_no, pwd, name, mobile, email, dept, status, title) values (${row.login}, ${row.passwordHash},
    ${row.name}, ${row.mobile}, ${row.email}, ${row.groups.join(',')}, ${row.active ? '在职' : '离职'}, ${row.title ?? null})`.execute(db);
}

/** A URL where nothing listens: a port the system just gave out and took back. */
export async function closedPostgresUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `postgres://postgres@127.0.0.1:${port}/test`;
}

// ── SQLite: people(uid primary key, secret, full_name, cell, mail, roles JSON, locked 0/1) ─────────────────────────

const PEOPLE_COLUMNS =
  'uid AS id, uid AS login, secret AS password_hash, full_name AS display_name, cell AS phone, mail, roles AS groups, locked AS disabled';

/** No by-id query: the login is the key. */
export const PEOPLE_QUERIES: SqlDirectorySettings['queries'] = {
  byLogin: `SELECT ${PEOPLE_COLUMNS} FROM people WHERE uid = ? COLLATE NOCASE`,
  byPhone: `SELECT ${PEOPLE_COLUMNS} FROM people WHERE replace(cell, ' ', '') = ?`,
  byId: undefined,
};

export interface SqliteFile {
  url: string;
  /** A writable connection for the test to change rows with (the directory opens the file read-only). */
  db: SqliteDatabase.Database;
  cleanup(): void;
}

export function createPeopleFile(rows: StaffRow[]): SqliteFile {
  const dir = mkdtempSync(path.join(tmpdir(), 'wecas-sql-directory-'));
  const file = path.join(dir, 'people.db');
  const db = new SqliteDatabase(file);
  db.exec('create table people (uid text primary key, secret text, full_name text, cell text, mail text, roles text, locked integer not null)');
  for (const row of rows) insertPeople(db, row);
  return {
    url: `sqlite:${file}`,
    db,
    cleanup() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function insertPeople(db: SqliteDatabase.Database, row: StaffRow): void {
  db.prepare('insert into people values (?, ?, ?, ?, ?, ?, ?)').run(
    row.login,
    row.passwordHash,
    row.name,
    row.mobile,
    row.email,
    JSON.stringify(row.groups),
    row.active ? 0 : 1,
  );
}
