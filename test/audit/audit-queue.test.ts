// The two classes of audit events: security-relevant ones stored before `record` resolves, high-volume ones
// (validations, proxy tickets, single logouts) queued and written in batches, at close, and dropped (counted) when full.
import { sql } from 'kysely';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BACKGROUND_EVENTS, createAuditLog } from '../../src/audit/audit-log.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { sample } from '../observability/prometheus-text.js';
import { ManualClock } from '../support/clock.js';

let db: Db;
const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
const validated = { type: 'ticket.validated', userId: 'u1', endpoint: 'serviceValidate', serviceId: 1, kind: 'ST' } as const;

async function storedTypes(): Promise<string[]> {
  const rows = await db.selectFrom('audit_events').select('type').orderBy('id').execute();
  return rows.map((r) => r.type);
}

/** A logger that keeps its warnings as JSON lines, to read what an operator would see. */
function warnings() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { lines, logger: pino({ level: 'warn', base: null, timestamp: false }, stream) };
}

beforeEach(async () => {
  db = openDatabase('sqlite::memory:').db;
  await migrateToLatest(db);
});
afterEach(async () => db.destroy());

describe('background audit events', () => {
  it('are the per-request protocol events; sign-ins, bindings and admin actions are not among them', () => {
    expect([...BACKGROUND_EVENTS].sort()).toEqual(['slo.failed', 'slo.sent', 'ticket.proxied', 'ticket.validated']);
  });

  it('leave the request: record resolves before the row is written, and the batch lands within the interval', async () => {
    const audit = createAuditLog(db, clock, undefined, { flushIntervalMs: 100 });
    const started = Date.now();
    await audit.record(validated);
    await audit.record({ type: 'ticket.proxied', serviceId: 1, depth: 1 });
    expect(await storedTypes()).toEqual([]);
    await expect.poll(storedTypes, { interval: 5, timeout: 1000 }).toEqual(['ticket.validated', 'ticket.proxied']);
    expect(Date.now() - started).toBeLessThan(400);
    await audit.close();
  });

  it('security-relevant events are stored when record resolves, as before', async () => {
    const audit = createAuditLog(db, clock, undefined, { flushIntervalMs: 60_000 });
    await audit.record({ type: 'login.success', userId: 'u1', method: 'password' });
    await audit.record({ type: 'user.disabled', userId: 'u1', via: 'cli', sessions: 1 });
    expect(await storedTypes()).toEqual(['login.success', 'user.disabled']);
    await audit.close();
  });

  it('a batch longer than one INSERT lands whole and in order (one transaction)', async () => {
    const audit = createAuditLog(db, clock, undefined, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 1234; i++) await audit.record({ ...validated, serviceId: i });
    await audit.close();
    // By id: ids of one millisecond sort in the order they were made (the clock here stands still).
    const rows = await db.selectFrom('audit_events').select('detail').orderBy('id').execute();
    expect(rows.map((r) => (JSON.parse(r.detail) as { serviceId: number }).serviceId)).toEqual(Array.from({ length: 1234 }, (_, i) => i));
  });

  it('when the transaction of a batch fails, its INSERTs are tried one by one: only the failing one is lost, and logged', async () => {
    await sql`CREATE TRIGGER poison BEFORE INSERT ON audit_events WHEN NEW.user_id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`.execute(db);
    const { lines, logger } = warnings();
    const audit = createAuditLog(db, clock, logger, { flushIntervalMs: 60_000 });
    // 1200 rows: INSERTs of 500, 500 and 200; the poisoned row is in the second.
    for (let i = 0; i < 1200; i++) await audit.record({ ...validated, userId: i === 700 ? 'poison' : 'u1' });
    await audit.close();
    expect(
      await db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow(),
    ).toEqual({ n: 700 });
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'could not write audit events', events: 500, types: ['ticket.validated'] }));
  });

  it('close writes what is queued, long before the interval would have', async () => {
    const audit = createAuditLog(db, clock, undefined, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 3; i++) await audit.record(validated);
    await audit.record({ type: 'slo.sent', userId: 'u1', service: 'https://app/', status: 200, attempt: 1, ticket: 'ST-1…' });
    expect(await storedTypes()).toEqual([]);
    await audit.close();
    expect(await storedTypes()).toEqual(['ticket.validated', 'ticket.validated', 'ticket.validated', 'slo.sent']);
  });

  it('a full queue drops the event, counts it in a metric and logs once, without waiting', async () => {
    const metrics = createMetrics();
    const { lines, logger } = warnings();
    const audit = createAuditLog(db, clock, logger, { capacity: 3, flushIntervalMs: 60_000, onDropped: (type) => metrics.auditDropped(type) });
    for (let i = 0; i < 5; i++) await audit.record(validated);
    await audit.record({ type: 'ticket.proxied', serviceId: 1, depth: 1 });
    // A security event is never dropped: it does not go through the queue.
    await audit.record({ type: 'logout', userId: 'u1' });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'wecas_audit_events_dropped_total', { type: 'ticket.validated' })).toBe(2);
    expect(sample(text, 'wecas_audit_events_dropped_total', { type: 'ticket.proxied' })).toBe(1);
    expect(sample(text, 'wecas_audit_events_dropped_total', { type: 'logout' })).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(['audit queue full: dropping background events']);
    await audit.close();
    expect(lines.at(-1)).toEqual({ level: 40, dropped: 3, capacity: 3, msg: 'audit queue was full: background events dropped' });
    expect(await storedTypes()).toEqual(['ticket.validated', 'ticket.validated', 'ticket.validated', 'logout']);
    // Room again once written.
    await audit.record(validated);
    await audit.flush();
    expect((await storedTypes()).length).toBe(5);
  });
});
