import type { Db } from '../store/db.js';
import { AdminRefusal, type UserAdmin } from './users.js';

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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The account an audit filter names, for the API and the console alike: found as people know it (id, login name,
 * phone: admin/users.ts's `find`), or the id a deleted account had; undefined when it names no account.
 */
export async function auditAccountId(users: Pick<UserAdmin, 'find'>, ref: string): Promise<string | undefined> {
  try {
    return (await users.find(ref)).user.id;
  } catch (err) {
    // Not found, or a directory account that never signed in (wecas holds no event of it either).
    if (!(err instanceof AdminRefusal)) throw err;
    return UUID.test(ref) ? ref.toLowerCase() : undefined;
  }
}

/** A cursor that is no cursor this API gave out. */
export class BadCursor extends Error {
  override name = 'BadCursor';
}

/**
 * Newest first, in pages: keyset paging on (at, id), so reading deep into a million events costs what the first
 * page does. Filters by account and time use the audit_events_user and audit_events_at indexes.
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
    detail: parseDetail(r.detail),
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

function parseDetail(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The CSV export's columns, in order. */
export const AUDIT_CSV_HEADER = ['time', 'type', 'account_id', 'login', 'ip', 'user_agent', 'detail'];

export function auditCsvRow(e: AuditEntry): string[] {
  return [new Date(e.at).toISOString(), e.type, e.userId ?? '', e.username ?? '', e.ip ?? '', e.userAgent ?? '', JSON.stringify(e.detail)];
}
