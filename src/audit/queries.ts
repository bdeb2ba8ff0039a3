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

/** An event as a page lists it: with its id, the page's cursor. */
export interface ListedAuditEvent extends StoredAuditEvent {
  id: string;
}

export interface AuditFilter {
  userId?: string | undefined;
  type?: string | undefined;
  ip?: string | undefined;
  /** At or after, before (ms). */
  since?: number | undefined;
  until?: number | undefined;
}

/** Where the next page starts: the last event shown (newest first, ties broken by id). */
export interface AuditCursor {
  at: number;
  id: string;
}

/**
 * One page of events, newest first, after `cursor` (keyset paging: a page costs the same wherever it is, even a
 * million events deep). `next` is the cursor of the page after, absent on the last one.
 */
export async function pageAuditEvents(
  db: Db,
  filter: AuditFilter,
  page: { cursor?: AuditCursor | undefined; limit: number },
): Promise<{ events: ListedAuditEvent[]; next?: AuditCursor }> {
  let select = db
    .selectFrom('audit_events as a')
    .leftJoin('users as u', 'u.id', 'a.user_id')
    .select(['a.id', 'a.at', 'a.type', 'a.user_id', 'a.ip', 'a.user_agent', 'a.detail', 'u.username'])
    .orderBy('a.at', 'desc')
    .orderBy('a.id', 'desc')
    .limit(page.limit + 1);
  if (filter.userId !== undefined) select = select.where('a.user_id', '=', filter.userId);
  if (filter.type !== undefined) select = select.where('a.type', '=', filter.type);
  if (filter.ip !== undefined) select = select.where('a.ip', '=', filter.ip);
  if (filter.since !== undefined) select = select.where('a.at', '>=', filter.since);
  if (filter.until !== undefined) select = select.where('a.at', '<', filter.until);
  const cursor = page.cursor;
  if (cursor) select = select.where((eb) => eb.or([eb('a.at', '<', cursor.at), eb.and([eb('a.at', '=', cursor.at), eb('a.id', '<', cursor.id)])]));
  const rows = await select.execute();
  const events = rows.slice(0, page.limit).map((r) => ({
    id: r.id,
    at: Number(r.at),
    type: r.type,
    userId: r.user_id,
    username: r.username ?? null,
    ip: r.ip,
    userAgent: r.user_agent,
    detail: parseDetail(r.detail),
  }));
  const last = events.at(-1);
  return rows.length > page.limit && last ? { events, next: { at: last.at, id: last.id } } : { events };
}

/** Sign-ins per method per day (UTC+8 days, as pages show times) since `since`: day → method → count. */
export async function signInsPerMethodPerDay(db: Db, since: number): Promise<Map<string, Map<string, number>>> {
  const rows = await db.selectFrom('audit_events').select(['at', 'detail']).where('type', '=', 'login.success').where('at', '>=', since).execute();
  const days = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const day = beijingDay(Number(r.at));
    const method = String(parseDetail(r.detail).method ?? 'unknown');
    const perMethod = days.get(day) ?? new Map<string, number>();
    perMethod.set(method, (perMethod.get(method) ?? 0) + 1);
    days.set(day, perMethod);
  }
  return days;
}

/** `2026-11-30`, the day in Beijing time. */
export function beijingDay(ms: number): string {
  return new Date(ms + 8 * 3600_000).toISOString().slice(0, 10);
}
