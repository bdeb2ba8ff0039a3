import type { Clock } from '../clock.js';
import { type ExpirationPolicy, tgtExpiry } from './expiration.js';
import { newTicketId } from './ids.js';
import type { AuthMethod, ProxyGrantingTicket, ProxyTicket, SecondFactorRecord, ServiceTicket, TicketGrantingTicket } from './types.js';

/** Who signed in, how and when: what a TGT remembers of a successful authentication. */
export interface Authentication {
  userId: string;
  principal: string;
  /** Every attribute a service may be released, as the account is at sign-in. */
  attributes?: Record<string, string[]>;
  method: AuthMethod;
  mfa?: SecondFactorRecord | undefined;
  authTime: number;
  clientIp?: string | undefined;
  userAgent?: string | undefined;
}

/** The registered service a ticket is for: the URL as the client sent it, and the registration it matched. */
export interface TicketService {
  url: string;
  id: number;
}

export type TicketFactory = ReturnType<typeof createTicketFactory>;

/**
 * Makes every kind of CAS ticket: ids from the CSPRNG, lifetimes from the expiration policy. It only makes the
 * records; storing them (and the grants single logout needs) is the caller's business.
 */
export function createTicketFactory({ clock, policy }: { clock: Clock; policy: ExpirationPolicy }) {
  return {
    policy,

    grantingTicket(auth: Authentication): TicketGrantingTicket {
      const now = clock.now();
      const tgt: TicketGrantingTicket = {
        kind: 'TGT',
        id: newTicketId('TGT'),
        userId: auth.userId,
        principal: auth.principal,
        ...(auth.attributes ? { attributes: auth.attributes } : {}),
        method: auth.method,
        ...(auth.mfa ? { mfa: auth.mfa } : {}),
        authTime: auth.authTime,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: 0,
        ...(auth.clientIp ? { clientIp: auth.clientIp } : {}),
        ...(auth.userAgent ? { userAgent: auth.userAgent.slice(0, 200) } : {}),
      };
      tgt.expiresAt = tgtExpiry(tgt, policy);
      return tgt;
    },

    /** The same session used again: its idle limit moves forward from now. */
    touched(tgt: TicketGrantingTicket): TicketGrantingTicket {
      const touched = { ...tgt, lastUsedAt: clock.now() };
      touched.expiresAt = tgtExpiry(touched, policy);
      return touched;
    },

    serviceTicket(tgt: Pick<TicketGrantingTicket, 'id' | 'expiresAt'>, service: TicketService, fromNewLogin: boolean): ServiceTicket {
      const now = clock.now();
      return {
        kind: 'ST',
        id: newTicketId('ST'),
        tgtId: tgt.id,
        service: service.url,
        serviceId: service.id,
        fromNewLogin,
        createdAt: now,
        expiresAt: Math.min(now + policy.serviceTicketMs, tgt.expiresAt),
      };
    },

    /**
     * A PGT for the service that just validated `ticket`, and the PGTIOU that correlates its delivery to the
     * validation response. A PGT lives with its TGT: the TGT's hard limit bounds it, ending the session deletes it.
     */
    proxyGrantingTicket(tgt: TicketGrantingTicket, ticket: ServiceTicket | ProxyTicket, pgtUrl: string): { pgt: ProxyGrantingTicket; iou: string } {
      const pgt: ProxyGrantingTicket = {
        kind: 'PGT',
        id: newTicketId('PGT'),
        tgtId: tgt.id,
        service: ticket.service,
        proxies: [pgtUrl, ...(ticket.kind === 'PT' ? ticket.proxies : [])],
        createdAt: clock.now(),
        expiresAt: tgt.createdAt + policy.tgtHardMs,
      };
      return { pgt, iou: newTicketId('PGTIOU') };
    },

    proxyTicket(tgt: TicketGrantingTicket, pgt: ProxyGrantingTicket, target: TicketService): ProxyTicket {
      const now = clock.now();
      return {
        kind: 'PT',
        id: newTicketId('PT'),
        tgtId: tgt.id,
        pgtId: pgt.id,
        service: target.url,
        serviceId: target.id,
        proxies: pgt.proxies,
        createdAt: now,
        expiresAt: Math.min(now + policy.proxyTicketMs, tgt.expiresAt),
      };
    },
  };
}
