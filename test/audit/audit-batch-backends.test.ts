// The background writer's batches on both databases, and on the thread of a SQLite file (store/sqlite-thread.ts): whole chunks through
// the INSERT compiled once, the rest through the query builder; every column lands where it belongs.
import { describe, expect, it } from 'vitest';
import { createAuditLog } from '../../src/audit/audit-log.js';
import type { Db } from '../../src/store/db.js';
import { type SqliteThread, startSqliteThread } from '../../src/store/sqlite-thread.js';
import { ManualClock } from '../support/clock.js';
import { databaseBackends } from '../support/database-backends.js';
import { migratedSqliteFile } from '../support/sqlite-file.js';

interface BatchBackend {
  name: string;
  open(): Promise<{ db: Db; close(): Promise<void>; thread?: SqliteThread }>;
}

/** A SQLite file, its background batches written by the writer thread on a connection of its own. */
const sqliteFileWithThread: BatchBackend = {
  name: 'a SQLite file, by the writer thread',
  async open() {
    const opened = await migratedSqliteFile();
    return { ...opened, thread: startSqliteThread(opened.file) };
  },
};
const backends: BatchBackend[] = [...(await databaseBackends()), sqliteFileWithThread];

describe.each(backends)('background audit batches on $name', (backend) => {
  it('a batch of 1234 events (12 compiled chunks and a rest of 34) stores each event whole', async () => {
    const opened = await backend.open();
    try {
      const clock = new ManualClock(Date.parse('2026-11-30T12:00:00Z'));
      const { thread } = opened;
      const audit = createAuditLog(opened.db, clock, undefined, { flushIntervalMs: 60_000, ...(thread ? { thread } : {}) });
      for (let i = 0; i < 1234; i++) {
        clock.advance(1);
        await audit.record({
          type: i % 2 ? 'ticket.validated' : 'ticket.proxied',
          ...(i % 2 ? { userId: `user-${i}`, endpoint: 'serviceValidate', serviceId: i, kind: 'ST' as const } : { serviceId: i, depth: 1 }),
          client: { ip: `10.0.${i % 250}.1`, userAgent: i % 3 ? `agent ${i}` : null },
        } as Parameters<typeof audit.record>[0]);
      }
      await audit.close();
      await thread?.close();
      const rows = await opened.db.selectFrom('audit_events').selectAll().orderBy('at').execute();
      expect(rows).toHaveLength(1234);
      const start = Date.parse('2026-11-30T12:00:00Z');
      rows.forEach((row, i) => {
        expect({ ...row, at: Number(row.at), id: typeof row.id, detail: JSON.parse(row.detail) }).toEqual({
          id: 'string',
          at: start + i + 1,
          type: i % 2 ? 'ticket.validated' : 'ticket.proxied',
          user_id: i % 2 ? `user-${i}` : null,
          ip: `10.0.${i % 250}.1`,
          user_agent: i % 3 ? `agent ${i}` : null,
          detail: i % 2 ? { endpoint: 'serviceValidate', serviceId: i, kind: 'ST' } : { serviceId: i, depth: 1 },
        });
      });
    } finally {
      await opened.close();
    }
  });
});
