import { type Kysely, sql } from 'kysely';
import { type Db, type DbDialect, SQLITE_BUSY_TIMEOUT_MS } from './db.js';
import type { Database } from './schema.js';

/**
 * Rewrites the one row of `readiness_heartbeat`: proof that the database takes writes, not only reads (a full disk,
 * a read-only file or database, a write lock held elsewhere all still answer `select 1`). The database itself gives
 * up after `timeoutMs`, so a probe never leaves a write waiting behind it: PostgreSQL by a statement timeout,
 * SQLite by a shorter busy timeout for this write alone (better-sqlite3 waits synchronously, where no JavaScript
 * timer can interrupt it).
 */
export async function writeHeartbeat(db: Db, dialect: DbDialect, now: number, timeoutMs: number): Promise<void> {
  const waitMs = Math.max(1, Math.floor(timeoutMs));
  if (dialect === 'postgres') {
    await db.transaction().execute(async (trx) => {
      await sql`set local statement_timeout = ${sql.raw(String(waitMs))}`.execute(trx);
      await upsertHeartbeat(trx, now);
    });
    return;
  }
  // One connection held throughout, so no other query runs with the shorter busy timeout.
  await db.connection().execute(async (connection) => {
    await sql`pragma busy_timeout = ${sql.raw(String(waitMs))}`.execute(connection);
    try {
      await upsertHeartbeat(connection, now);
    } finally {
      await sql`pragma busy_timeout = ${sql.raw(String(SQLITE_BUSY_TIMEOUT_MS))}`.execute(connection);
    }
  });
}

async function upsertHeartbeat(db: Kysely<Database>, now: number): Promise<void> {
  await db
    .insertInto('readiness_heartbeat')
    .values({ id: 1, written_at: now })
    .onConflict((conflict) => conflict.column('id').doUpdateSet({ written_at: now }))
    .execute();
}
