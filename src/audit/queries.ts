import type { Db } from '../store/db.js';

/** An audit event as stored, with the username of its user when there is one. */
export interface StoredAuditEvent {
  at: number;
  type: string;
  userId: string | null;
  username: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

export interface AuditQuery {
  /** Events of this user (by id). */
  userId?: string;
  type?: string;
  /** Events at or after this time (ms). */
  since?: number;
  limit: number;
}

/** Newest first; every filter is served by an index (audit_events_at, audit_events_user). */
export async function queryAuditEvents(db: Db, query: AuditQuery): Promise<StoredAuditEvent[]> {
  let select = db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.at', 'a.type', 'a.user_id', 'a.ip', 'a.user_agent', 'a.detail', 'u.username'])
    .orderBy('a.at', 'desc')
    .limit(query.limit);
  if (query.userId !== undefined) select = select.where('a.user_id', '=', query.userId);
  if (query.type !== undefined) select = select.where('a.type', '=', query.type);
  if (query.since !== undefined) select = select.where('a.at', '>=', query.since);
  const rows = await select.execute();
  return rows.map((r) => ({
    at: r.at,
    type: r.type,
    userId: r.user_id,
    username: r.username ?? null,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: parseDetail(r.detail),
  }));
}

function parseDetail(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** Rows deleted per statement, so pruning a large backlog never holds the database's write lock for long. */
const PRUNE_BATCH = 1000;

/** Deletes audit events older than `before` (ms), in batches; returns how many went. */
export async function pruneAuditEvents(db: Db, before: number): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await db
      .deleteFrom('audit_events')
      .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('at', '<', before).limit(PRUNE_BATCH))
      .executeTakeFirst();
    const deleted = Number(result.numDeletedRows);
    total += deleted;
    if (deleted < PRUNE_BATCH) return total;
  }
}
