import type { AuditEvent, AuditLog } from '../audit/audit-log.js';
import type { VerificationCodes } from '../sms/verification-codes.js';
import type { TicketRegistry } from '../tickets/registry.js';
import type { TicketKind } from '../tickets/types.js';
import { isCodeRefusal } from '../wechat/errors.js';
import type { Metrics, RateLimit } from './metrics.js';

/*
 * Metrics are taken at the seams the domain already has, so the domain folders never import prom-client:
 * the audit log (every sign-in, validation and SMS send is an audit event already), the ticket registry (every
 * ticket issued passes through `add`), the verification codes (their refusals) and the WeChat client's observer.
 */

/** Counts what the audit events say happened, then records them. */
export function observeAuditLog<A extends AuditLog>(audit: A, metrics: Metrics): A & AuditLog {
  return {
    ...audit,
    record(event) {
      countAuditEvent(event, metrics);
      return audit.record(event);
    },
  };
}

function countAuditEvent(event: AuditEvent, metrics: Metrics): void {
  switch (event.type) {
    case 'login.success':
      metrics.signIn(event.method, 'success');
      break;
    case 'login.failure':
      if (event.reason === 'throttled') metrics.rateLimited('login');
      metrics.signIn(event.method, event.reason);
      break;
    case 'wechat.error':
      // A code WeChat refused (a reload, a used or forged code) is counted with the malformed ones, apart from WeChat failing.
      metrics.signIn('wechat', isCodeRefusal(event.kind) ? 'code_refused' : 'wechat_error');
      break;
    case 'wecom.error':
      metrics.signIn('wecom', 'wecom_error');
      break;
    // The second step of a sign-in, counted as a method of its own (`mfa-totp`, `mfa-sms`, `mfa-recovery-code`).
    case 'mfa.success':
      metrics.signIn(`mfa-${event.factor}`, 'success');
      break;
    case 'mfa.failure':
      if (event.reason === 'throttled') metrics.rateLimited('second_factor');
      metrics.signIn(`mfa-${event.factor}`, event.reason);
      break;
    case 'ticket.validated':
      metrics.ticketValidated(event.kind, 'success');
      break;
    case 'sms.sent':
      metrics.smsSend(event.provider, 'sent');
      break;
    case 'sms.failed':
      metrics.smsSend(event.provider, event.kind);
      break;
  }
}

/** Counts every ticket issued, by kind, and tells `onIssued` of it. Everything else goes straight through. */
export function observeTicketRegistry(registry: TicketRegistry, metrics: Metrics, onIssued?: () => void): TicketRegistry {
  const issued = (kind: TicketKind) => {
    metrics.ticketIssued(kind);
    onIssued?.();
  };
  return {
    async add(ticket) {
      await registry.add(ticket);
      issued(ticket.kind);
    },
    get: (id, kind) => registry.get(id, kind),
    update: (ticket) => registry.update(ticket),
    consume: (id) => registry.consume(id),
    consumeWithSession: (id) => registry.consumeWithSession(id),
    async addServiceTicket(ticket, grant) {
      await registry.addServiceTicket(ticket, grant);
      issued(ticket.kind);
    },
    async addServiceTicketFromSession(ticket, grant) {
      const tgt = await registry.addServiceTicketFromSession(ticket, grant);
      if (tgt) issued(ticket.kind);
      return tgt;
    },
    addGrant: (grant) => registry.addGrant(grant),
    grants: (tgtId) => registry.grants(tgtId),
    removeSession: (tgtId) => registry.removeSession(tgtId),
    sessionsOf: (userId) => registry.sessionsOf(userId),
    usersWithSessions: () => registry.usersWithSessions(),
    count: (kind) => registry.count(kind),
    sweep: () => registry.sweep(),
    close: () => registry.close(),
  };
}

const SEND_LIMITS: Partial<Record<string, RateLimit>> = {
  too_soon: 'sms_resend',
  phone_daily_cap: 'sms_phone_daily',
  phone_ceiling: 'sms_phone_ceiling',
  ip_hourly_cap: 'sms_ip_hourly',
  proof_missing: 'sms_proof',
  proof_failed: 'sms_proof',
  budget_spent: 'sms_daily_budget',
};

/** Counts the SMS limits' refusals: resend interval, daily caps per number, hourly cap per IP, proofs, the budget, attempts per code. */
export function observeVerificationCodes(codes: VerificationCodes, metrics: Metrics): VerificationCodes {
  return {
    async send(request) {
      const result = await codes.send(request);
      const limit = result.ok ? undefined : SEND_LIMITS[result.reason];
      if (limit) metrics.rateLimited(limit);
      return result;
    },
    async verify(request) {
      const result = await codes.verify(request);
      if (!result.ok && result.reason === 'too_many_attempts') metrics.rateLimited('sms_attempts');
      return result;
    },
    discard: (phone) => codes.discard(phone),
  };
}
