import type { Db } from '../store/db.js';

/** An audit event as an administrator reads it, with the login name of its account when it still has one. */
export interface AuditEntry {
  id: string;
  at: number;
  type: string;
  userId: string | null;
  username: string | null;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown>;
}

export interface AuditFilter {
  userId?: string | undefined;
  type?: string | undefined;
  /** At or after (ms). */
  since?: number | undefined;
  /** Before (ms). */
  until?: number | undefined;
  ip?: string | undefined;
  /** The cursor of the page before (`next` of its answer): this page holds the events older than it. */
  before?: string | undefined;
  limit: number;
}

/** A cursor that is no cursor this API gave out. */
export class BadCursor extends Error {
  override name = 'BadCursor';
}

/**
 * Newest first, in pages: keyset paging on (at, id), so reading deep into a million events costs what the first
 * page does. Filters by account, address, type and time use the audit_events_user, audit_events_ip and
 * audit_events_type (0011) and audit_events_at indexes: a filter that matches few events never walks the whole log.
 */
export async function readAuditPage(db: Db, filter: AuditFilter): Promise<{ events: AuditEntry[]; next: string | null }> {
  let query = db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.id', 'a.at', 'a.type', 'a.user_id', 'a.ip', 'a.user_agent', 'a.detail', 'u.username'])
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(filter.limit + 1);
  if (filter.userId !== undefined) query = query.where('a.user_id', '=', filter.userId);
  if (filter.type !== undefined) query = query.where('a.type', '=', filter.type);
  if (filter.since !== undefined) query = query.where('a.at', '>=', filter.since);
  if (filter.until !== undefined) query = query.where('a.at', '<', filter.until);
  if (filter.ip !== undefined) query = query.where('a.ip', '=', filter.ip);
  if (filter.before !== undefined) {
    const { at, id } = parseCursor(filter.before);
    // `at <= cursor` first, so the at index bounds the scan; the OR only sorts out the cursor's own millisecond.
    query = query.where('a.at', '<=', at).where((eb) => eb.or([eb('a.at', '<', at), eb('a.id', '<', id)]));
  }
  const rows = await query.execute();
  const events = rows.slice(0, filter.limit).map((r) => ({
    id: r.id,
    at: Number(r.at),
    type: r.type,
    userId: r.user_id,
    username: r.username ?? null,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: parseAuditDetail(r.detail),
  }));
  const last = events.at(-1);
  return { events, next: rows.length > filter.limit && last ? cursorOf(last) : null };
}

function cursorOf(e: { at: number; id: string }): string {
  return Buffer.from(JSON.stringify([e.at, e.id])).toString('base64url');
}

function parseCursor(text: string): { at: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') return { at: value[0], id: value[1] };
  } catch {}
  throw new BadCursor('the cursor is not one this API gave: pass the `next` of the page before, unchanged');
}

/** An audit event as stored, with the username of its user when there is one (`wecas audit`, tests). */
export type StoredAuditEvent = Omit<AuditEntry, 'id'>;

export interface AuditQuery {
  /** Events of this user (by id). */
  userId?: string;
  type?: string;
  /** Events at or after this time (ms). */
  since?: number;
  limit: number;
}

/** The newest events matching the query: the first page of readAuditPage. */
export async function queryAuditEvents(db: Db, query: AuditQuery): Promise<StoredAuditEvent[]> {
  const { events } = await readAuditPage(db, query);
  return events.map(({ id: _id, ...event }) => event);
}

/** An event's stored detail: a JSON object, or nothing when the text is none. */
export function parseAuditDetail(text: string): Record<string, unknown> {
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
