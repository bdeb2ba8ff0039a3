import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { Logger } from 'pino';

export type AuditType =
  | 'login.success'
  | 'login.failure'
  | 'logout'
  | 'ticket.validated'
  | 'ticket.refused'
  | 'ticket.proxied'
  | 'service.refused'
  | 'wechat.bound'
  | 'wechat.unbound'
  | 'wechat.error'
  | 'phone.bound'
  | 'sms.sent'
  | 'sms.failed'
  | 'slo.sent'
  | 'slo.failed';

export interface AuditEvent {
  type: AuditType;
  userId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  /** Context for people reading the log. Never codes, tokens, tickets or secrets. */
  detail?: Record<string, unknown>;
}

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
}

/**
 * Audit events in the database (table audit_events), one row each. Recording never fails the request it
 * describes: a write error is logged instead.
 */
export function createSqlAuditLog(db: Db, clock: Clock, logger?: Pick<Logger, 'error'>): AuditLog {
  return {
    async record(e) {
      try {
        await db
        .insertInto('audit_events')
        .values({
          id: randomUUID(),
          at: clock.now(),
          type: e.type,
          user_id: e.userId ?? null,
          ip: e.ip ?? null,
          user_agent: e.userAgent ? e.userAgent.slice(0, 300) : null,
          detail: JSON.stringify(e.detail ?? {}),
        })
        .execute();
      } catch (err) {
        logger?.error({ err, type: e.type }, 'could not write audit event');
      }
    },
  };
}
