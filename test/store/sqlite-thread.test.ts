// A SQLite file's thread (src/store/sqlite-thread.ts) starts when wanted, then checkpoints the WAL in place of the
// main connection, which checkpoints only as a backstop while it lives; if it cannot run, they are on again, logged.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { type SqliteStatement, sqliteThreadFor, startSqliteThread } from '../../src/store/sqlite-thread.js';
import { migratedSqliteFile, type SqliteFile } from '../support/sqlite-file.js';

let dir: string;
let file: string;
let db: Db;
let opened: SqliteFile;
beforeEach(async () => {
  opened = await migratedSqliteFile();
  ({ db, file, dir } = opened);
});
afterEach(() => opened.close());

const autocheckpoint = async () => (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db)).rows[0]?.wal_autocheckpoint;

/** 200 commits of 2 KB each from the main connection. */
async function writeFromMain(): Promise<void> {
  for (let i = 0; i < 200; i++) {
    await db
      .insertInto('kv')
      .values({ key: `k${i}`, value: 'x'.repeat(2048), counter: null, expires_at: 0 })
      .execute();
  }
}

/**
 * The commits in the file's WAL since it last restarted: its valid frames (the header's salts) that end a transaction
 * (a non-zero database size after the commit). The WAL's format: https://www.sqlite.org/fileformat2.html#walformat.
 */
function walCommits(): { salt: number; commits: number } {
  const wal = readFileSync(`${file}-wal`);
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits++;
  }
  return { salt: salt1, commits };
}

const insertKv = (db: Db, key: string): SqliteStatement =>
  db.insertInto('kv').values({ key, value: 'v', counter: null, expires_at: 0 }).compile() as SqliteStatement;

describe("a SQLite file's thread", () => {
  it('once started, checkpoints what the main connection committed, which itself checkpoints only past 10,000 pages', async () => {
    const thread = sqliteThreadFor(db, file);
    try {
      // Not yet wanted: SQLite's own checkpoints, as without a thread.
      expect(await autocheckpoint()).toBe(1000);
      await thread.start();
      // Only a backstop, far past what the test writes.
      expect(await autocheckpoint()).toBe(10_000);
      await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
      const before = statSync(file).size;
      await writeFromMain();
      // The pages reach the database file only through a checkpoint: the thread's, as the main one no longer runs.
      await expect.poll(() => statSync(file).size, { interval: 20, timeout: 5000 }).toBeGreaterThan(before + 200 * 2048);
    } finally {
      await thread.close();
    }
  });

  it('that cannot start gives the checkpoints back to the main connection, with one log line', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'error', base: null, timestamp: false }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const thread = sqliteThreadFor(db, path.join(dir, 'missing', 'wecas.db'), logger);
    try {
      await thread.start();
      await expect.poll(autocheckpoint, { interval: 20, timeout: 5000 }).toBe(1000);
      expect(lines.map((l) => l.msg)).toEqual(['SQLite thread failed: checkpoints and background writes are back on the main thread']);
      await expect(thread.write([])).rejects.toThrow();
    } finally {
      await thread.close();
    }
  });

  it('is never started once closed: a last batch at shutdown leaves the connection as it was', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'error', base: null, timestamp: false }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const thread = sqliteThreadFor(db, file, logger);
    await thread.close();
    await thread.start();
    // Asked again, as every ticket and batch asks: one line said it could not start.
    await thread.start();
    expect(lines.map((l) => l.msg)).toEqual(['SQLite thread could not start']);
    expect(await autocheckpoint()).toBe(1000);
    await expect(thread.write([])).rejects.toThrow('closed');
  });

  it('runs many statements (several transactions of ten), each all or nothing: the failures are named by index', async () => {
    await db.insertInto('kv').values({ key: 'taken', value: 'x', counter: null, expires_at: 0 }).execute();
    const insert = (key: string) => insertKv(db, key);
    // 25 statements: the 4th and the 18th (in the first and second transactions) insert a key that exists.
    const statements = Array.from({ length: 25 }, (_, i) => insert(i === 3 || i === 17 ? 'taken' : `k${i}`));
    const thread = startSqliteThread(file);
    try {
      const failures = await thread.write(statements);
      expect(failures.map((f) => f.index)).toEqual([3, 17]);
      expect(failures[0]!.message).toMatch(/UNIQUE constraint failed/);
      const keys = await db.selectFrom('kv').select('key').where('key', '!=', 'taken').execute();
      expect(keys).toHaveLength(23);
    } finally {
      await thread.close();
    }
  });

  it('commits once a transaction has held the write lock for its time budget, however few statements it ran', async () => {
    // Checkpoints an hour apart: the WAL keeps every commit of the test.
    const commitsOf = async (transactionBudgetMs: number, prefix: string) => {
      const thread = startSqliteThread(file, { checkpointEveryMs: 3_600_000, transactionBudgetMs });
      try {
        const before = walCommits();
        expect(await thread.write(Array.from({ length: 5 }, (_, i) => insertKv(db, `${prefix}${i}`)))).toEqual([]);
        const after = walCommits();
        // A WAL that restarted (new salts) holds only the commits since.
        return after.commits - (after.salt === before.salt ? before.commits : 0);
      } finally {
        await thread.close();
      }
    };
    // An empty WAL, so that no commit of the test crosses SQLite's automatic checkpoint (1,000 pages) and restarts it.
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    await db.insertInto('kv').values({ key: 'first', value: 'x', counter: null, expires_at: 0 }).execute();
    expect(await commitsOf(60_000, 'a')).toBe(1);
    expect(await commitsOf(0, 'b')).toBe(5);
    const keys = await db.selectFrom('kv').select('key').where('key', '!=', 'first').execute();
    expect(keys).toHaveLength(10);
  });
});
