import type { Config } from '../config.js';
import type { TicketGrantingTicket } from './types.js';

/** How long each kind of ticket lives (Apereo's defaults: ST/PT 10 s single use, TGT 8 h hard and 2 h idle). */
export interface ExpirationPolicy {
  serviceTicketMs: number;
  proxyTicketMs: number;
  tgtHardMs: number;
  tgtIdleMs: number;
}

export function expirationPolicyFrom(tickets: Config['tickets']): ExpirationPolicy {
  return {
    serviceTicketMs: tickets.serviceTicketSeconds * 1000,
    proxyTicketMs: tickets.proxyTicketSeconds * 1000,
    tgtHardMs: tickets.sessionHardSeconds * 1000,
    tgtIdleMs: tickets.sessionIdleSeconds * 1000,
  };
}

/** A TGT ends at whichever comes first: its hard limit, or the idle limit after its last use. */
export function tgtExpiry(tgt: Pick<TicketGrantingTicket, 'createdAt' | 'lastUsedAt'>, policy: ExpirationPolicy): number {
  return Math.min(tgt.createdAt + policy.tgtHardMs, tgt.lastUsedAt + policy.tgtIdleMs);
}
