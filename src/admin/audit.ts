import type { AuditEntry } from '../audit/queries.js';

// The audit log read in pages lives with the audit log (audit/queries.ts), shared with `wecas audit`.
export { type AuditEntry, type AuditFilter, BadCursor, readAuditPage } from '../audit/queries.js';

/** The CSV export's columns, in order. */
export const AUDIT_CSV_HEADER = ['time', 'type', 'account_id', 'login', 'ip', 'user_agent', 'detail'];

export function auditCsvRow(e: AuditEntry): string[] {
  return [new Date(e.at).toISOString(), e.type, e.userId ?? '', e.username ?? '', e.ip ?? '', e.userAgent ?? '', JSON.stringify(e.detail)];
}
