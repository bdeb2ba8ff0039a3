// The audit writer thread (src/audit/sqlite-thread.ts): background batches of a SQLite file written on a connection
// of its own; a failing statement loses only its own rows; a thread that is gone hands the writing back to the
// main thread; and it is used only where it cannot make the requests' own writes wait.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import { auditThreadWanted, startAuditWriterThread } from '../../src/audit/sqlite-thread.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { ManualClock } from '../support/clock.js';

let dir: string;
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

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'wecas-audit-thread-'));
  file = path.join(dir, 'wecas.db');
  db = openDatabase(`sqlite:${file}`).db;
  await migrateToLatest(db);
});
afterEach(async () => {
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('the audit writer thread', () => {
  it('writes each batch before flush resolves, and ends with the log', async () => {
    const thread = startAuditWriterThread(file);
    const audit = createAuditLog(db, clock, undefined, { flushIntervalMs: 60_000, thread });
    for (let i = 0; i < 250; i++) await audit.record({ ...validated, serviceId: i });
    expect(await storedRows()).toBe(0);
    await audit.flush();
    expect(await storedRows()).toBe(250);
    await audit.record(validated);
    await audit.close();
    expect(await storedRows()).toBe(251);
    await expect(thread.write([])).rejects.toThrow('audit writer thread exited');
  });

  it('a statement that fails loses only its own rows (one INSERT of 100), and says which events', async () => {
    await sql`CREATE TRIGGER poison BEFORE INSERT ON audit_events WHEN NEW.user_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`.execute(db);
    const { lines, logger } = logLines();
    const audit = createAuditLog(db, clock, logger, { flushIntervalMs: 60_000, thread: startAuditWriterThread(file) });
    // 345 rows: INSERTs of 100, 100, 100 and 45; the poisoned row is in the second.
    for (let i = 0; i < 345; i++) await audit.record({ ...validated, userId: i === 150 ? 'poison' : 'u1' });
    await audit.close();
    expect(await storedRows()).toBe(245);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'could not write audit events', err: 'poisoned', events: 100, types: ['ticket.validated'] }),
    ]);
  });

  it('once the thread is gone, batches are written on the main thread, with one line saying so', async () => {
    const thread = startAuditWriterThread(file);
    await thread.close();
    const { lines, logger } = logLines();
    const audit = createAuditLog(db, clock, logger, { flushIntervalMs: 60_000, thread });
    for (let i = 0; i < 3; i++) await audit.record(validated);
    await audit.flush();
    await audit.record(validated);
    await audit.close();
    expect(await storedRows()).toBe(4);
    expect(lines.map((l) => l.msg)).toEqual(['audit writer thread failed: background events are written on the main thread from now on']);
  });

  it('is used for a SQLite file, unless tickets are written to that file too; never for PostgreSQL or SQLite in memory', () => {
    expect(auditThreadWanted('sqlite', '/var/lib/wecas/wecas.db', 'memory')).toBe(true);
    expect(auditThreadWanted('sqlite', '/var/lib/wecas/wecas.db', 'redis')).toBe(true);
    expect(auditThreadWanted('sqlite', '/var/lib/wecas/wecas.db', 'sql')).toBe(false);
    expect(auditThreadWanted('sqlite', ':memory:', 'memory')).toBe(false);
    expect(auditThreadWanted('postgres', 'postgres://db/wecas', 'memory')).toBe(false);
  });
});
