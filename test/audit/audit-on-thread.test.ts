// The audit log's background batches on a SQLite file's thread (src/store/sqlite-thread.ts): written on a connection
// of its own; a failing statement loses only its own rows; a thread that is gone hands the writing back to the main
// thread; and the thread gets them only where it cannot make the requests' own writes wait.
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditBatchesOnThread, createAuditLog } from '../../src/audit/audit-log.js';
import type { Db } from '../../src/store/db.js';
import { startSqliteThread } from '../../src/store/sqlite-thread.js';
import { ManualClock } from '../support/clock.js';
import { migratedSqliteFile, type SqliteFile } from '../support/sqlite-file.js';

let file: string;
let db: Db;
const clock = new ManualClock(Date.parse('2026-11-30T12:00:00Z'));
const validated = { type: 'ticket.validated', userId: 'u1', endpoint: 'serviceValidate', serviceId: 1, kind: 'ST' } as const;

/** A logger that keeps its lines as JSON, to read what an operator would see. */
function logLines() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { lines, logger: pino({ level: 'warn', base: null, timestamp: false }, stream) };
}

async function storedRows(): Promise<number> {
  const { n } = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(n);
}

let opened: SqliteFile;
beforeEach(async () => {
  opened = await migratedSqliteFile();
  ({ db, file } = opened);
});
afterEach(() => opened.close());

describe('audit batches on the SQLite thread', () => {
  it('are written before flush resolves, and the last at close', async () => {
    const thread = startSqliteThread(file);
    const audit = createAuditLog(db, clock, undefined, { flushIntervalMs: 60_000, thread });
    for (let i = 0; i < 250; i++) await audit.record({ ...validated, serviceId: i });
    expect(await storedRows()).toBe(0);
    await audit.flush();
    expect(await storedRows()).toBe(250);
    await audit.record(validated);
    await audit.close();
    expect(await storedRows()).toBe(251);
    await thread.close();
  });

  it('a statement that fails loses only its own rows (one INSERT of 100), and says which events', async () => {
    await sql`CREATE TRIGGER poison BEFORE INSERT ON audit_events WHEN NEW.user_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`.execute(db);
    const { lines, logger } = logLines();
    const thread = startSqliteThread(file);
    const audit = createAuditLog(db, clock, logger, { flushIntervalMs: 60_000, thread });
    // 345 rows: INSERTs of 100, 100, 100 and 45; the poisoned row is in the second.
    for (let i = 0; i < 345; i++) await audit.record({ ...validated, userId: i === 150 ? 'poison' : 'u1' });
    await audit.close();
    await thread.close();
    expect(await storedRows()).toBe(245);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'could not write audit events', err: 'poisoned', events: 100, types: ['ticket.validated'] }),
    ]);
  });

  it('once the thread is gone, batches are written on the main thread, with one line saying so', async () => {
    const thread = startSqliteThread(file);
    await thread.close();
    const { lines, logger } = logLines();
    const audit = createAuditLog(db, clock, logger, { flushIntervalMs: 60_000, thread });
    for (let i = 0; i < 3; i++) await audit.record(validated);
    await audit.flush();
    await audit.record(validated);
    await audit.close();
    expect(await storedRows()).toBe(4);
    expect(lines.map((l) => l.msg)).toEqual(['SQLite thread gone: background audit events are written on the main thread from now on']);
  });

  it('tell onBatch when a batch is written (wecas starts the thread on it); an empty queue tells nothing', async () => {
    let batches = 0;
    const audit = createAuditLog(db, clock, undefined, { flushIntervalMs: 60_000, onBatch: () => batches++ });
    await audit.flush();
    await audit.record({ type: 'login.success', userId: 'u1', method: 'password' });
    expect(batches).toBe(0);
    await audit.record(validated);
    await audit.flush();
    expect(batches).toBe(1);
    await audit.close();
    expect(batches).toBe(1);
  });

  it('go to the thread unless the SQLite registry writes tickets to the same file', () => {
    expect(auditBatchesOnThread('memory')).toBe(true);
    expect(auditBatchesOnThread('redis')).toBe(true);
    expect(auditBatchesOnThread('sql')).toBe(false);
  });
});
