// SQLite's group commit (src/store/sqlite-write-groups.ts): the writes of one event-loop turn share one commit, a
// failing one is rolled back alone, and a group never lands inside another transaction of its connection.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { type SqliteWriteGroups, sqliteWriteGroups } from '../../src/store/sqlite-write-groups.js';
import { migratedSqliteFile, type SqliteFile } from '../support/sqlite-file.js';

let opened: SqliteFile;
let db: Db;
let groups: SqliteWriteGroups;
beforeEach(async () => {
  opened = await migratedSqliteFile();
  db = opened.db;
  groups = sqliteWriteGroups(db)!;
});
afterEach(() => opened.close());

const insert = (key: string) => db.insertInto('kv').values({ key, value: 'v', counter: null, expires_at: 0 }).compile();
const keys = async () => (await db.selectFrom('kv').select('key').orderBy('key').execute()).map((r) => r.key);

/** Frames in the WAL since it was last emptied: each commit appends the pages it changed. */
async function walFrames(): Promise<number> {
  const { rows } = await sql<{ log: number }>`PRAGMA wal_checkpoint(PASSIVE)`.execute(db);
  return rows[0]!.log;
}

describe('SQLite write groups', () => {
  it('commit the writes asked for in one turn of the event loop once', async () => {
    await sql`PRAGMA wal_autocheckpoint = 0`.execute(db);
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db);
    const written = await Promise.all(
      Array.from({ length: 50 }, (_, i) => groups.run((run) => run(insert(`k${String(i).padStart(2, '0')}`)).changes)),
    );
    expect(written).toEqual(Array(50).fill(1));
    expect(await keys()).toHaveLength(50);
    // One commit of the few pages 50 small rows fill; a commit each would have appended at least 50 frames.
    expect(await walFrames()).toBeLessThan(10);
  });

  it("keep their savepoints' statement journals in memory, never in a temporary file", async () => {
    // temp_store 2 is MEMORY: past 64 KiB a statement journal would otherwise be written to a file page by page.
    const { rows } = await sql<{ temp_store: number }>`PRAGMA temp_store`.execute(db);
    expect(rows[0]?.temp_store).toBe(2);
  });

  it('roll back a write that fails alone, and tell only its caller', async () => {
    await db.insertInto('kv').values({ key: 'taken', value: 'v', counter: null, expires_at: 0 }).execute();
    const results = await Promise.allSettled([
      groups.run((run) => run(insert('a')).changes),
      groups.run((run) => {
        run(insert('b'));
        return run(insert('taken')).changes; // fails: b goes with it
      }),
      groups.run((run) => run(insert('c')).changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(await keys()).toEqual(['a', 'c', 'taken']);
  });

  it('roll back a single statement that fails alone without a savepoint, rows it wrote before failing included', async () => {
    await db.insertInto('kv').values({ key: 'taken', value: 'v', counter: null, expires_at: 0 }).execute();
    const twoRows = db
      .insertInto('kv')
      .values([
        { key: 'd', value: 'v', counter: null, expires_at: 0 },
        { key: 'taken', value: 'v', counter: null, expires_at: 0 },
      ])
      .compile();
    const results = await Promise.allSettled([
      groups.runStatement(insert('a')),
      groups.runStatement(twoRows), // d is written, then taken fails: SQLite undoes the statement, d with it
      groups.run((run) => run(insert('c')).changes),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE constraint failed/);
    expect(await keys()).toEqual(['a', 'c', 'taken']);
  });

  it('return the rows a statement returns', async () => {
    await db.insertInto('kv').values({ key: 'x', value: 'stored', counter: null, expires_at: 0 }).execute();
    const take = db.deleteFrom('kv').where('key', '=', 'x').returning('value').compile();
    const [first, second] = await Promise.all([groups.run((run) => run(take).rows), groups.run((run) => run(take).rows)]);
    expect([first, second]).toEqual([[{ value: 'stored' }], []]);
  });

  it('wait for a transaction of the connection to end, and are not undone with it', async () => {
    let asked: Promise<number> | undefined;
    await expect(
      db.transaction().execute(async (trx) => {
        await trx.insertInto('kv').values({ key: 'in-transaction', value: 'v', counter: null, expires_at: 0 }).execute();
        asked = groups.run((run) => run(insert('grouped')).changes);
        // Turns of the event loop pass with the transaction open: the group waits for the connection.
        for (let i = 0; i < 3; i++) await new Promise(setImmediate);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await asked).toBe(1);
    expect(await keys()).toEqual(['grouped']);
  });

  it('are none on PostgreSQL-like databases: only a SQLite Db has them', () => {
    expect(sqliteWriteGroups({} as Db)).toBeUndefined();
  });
});
