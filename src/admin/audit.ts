import type { AuditEntry } from '../audit/queries.js';
import { AdminRefusal, type UserAdmin } from './users.js';

// The audit log read in pages lives with the audit log (audit/queries.ts), shared with `wecas audit`.
export { type AuditEntry, type AuditFilter, BadCursor, readAuditPage } from '../audit/queries.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** What a deleted account's events carry instead of its id (audit/pseudonyms.ts). */
const PSEUDONYM = /^deleted-[A-Za-z0-9]{20}$/;

/**
 * The account an audit filter names, for the API and the console alike: found as people know it (id, login name,
 * phone: admin/users.ts's `find`), an id wecas no longer holds, or a deleted account's pseudonym; undefined when it
 * names no account.
 */
export async function auditAccountId(users: Pick<UserAdmin, 'find'>, ref: string): Promise<string | undefined> {
  try {
    return (await users.find(ref)).user.id;
  } catch (err) {
    // Not found, or a directory account that never signed in (wecas holds no event of it either).
    if (!(err instanceof AdminRefusal)) throw err;
    if (PSEUDONYM.test(ref)) return ref;
    return UUID.test(ref) ? ref.toLowerCase() : undefined;
  }
}

/** The CSV export's columns, in order. */
export const AUDIT_CSV_HEADER = ['time', 'type', 'account_id', 'login', 'ip', 'user_agent', 'detail'];

export function auditCsvRow(e: AuditEntry): string[] {
  return [new Date(e.at).toISOString(), e.type, e.userId ?? '', e.username ?? '', e.ip ?? '', e.userAgent ?? '', JSON.stringify(e.detail)];
}
