import type { Clock } from '../clock.js';
import { type ExpirationPolicy, tgtExpiry } from './expiration.js';
import { newTicketId } from './ids.js';
import type { TicketRegistry } from './registry.js';
import type { AuthMethod, ServiceTicket, SsoGrant, TicketGrantingTicket } from './types.js';

/** Who signed in, how and when: what a TGT remembers of a successful authentication. */
export interface Authentication {
  userId: string;
  principal: string;
  method: AuthMethod;
  authTime: number;
  rememberMe?: boolean;
  clientIp?: string;
  userAgent?: string;
}

/** The idle limit moves forward at most once a minute, so SSO traffic does not write the TGT on every request. */
const TOUCH_GRANULARITY_MS = 60_000;

export type SsoSessions = ReturnType<typeof createSsoSessions>;

/** SSO sessions (TGTs) and the service tickets they grant. Knows nothing of HTTP. */
export function createSsoSessions({ registry, clock, policy }: { registry: TicketRegistry; clock: Clock; policy: ExpirationPolicy }) {
  return {
    policy,

    async start(auth: Authentication): Promise<TicketGrantingTicket> {
      const now = clock.now();
      const tgt: TicketGrantingTicket = {
        kind: 'TGT',
        id: newTicketId('TGT'),
        userId: auth.userId,
        principal: auth.principal,
        method: auth.method,
        authTime: auth.authTime,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: 0,
        rememberMe: auth.rememberMe ?? false,
        ...(auth.clientIp ? { clientIp: auth.clientIp } : {}),
        ...(auth.userAgent ? { userAgent: auth.userAgent.slice(0, 200) } : {}),
      };
      tgt.expiresAt = tgtExpiry(tgt, policy);
      await registry.add(tgt);
      return tgt;
    },

    /** The live session with this id, its idle limit moved forward. */
    async find(tgtId: string | undefined): Promise<TicketGrantingTicket | undefined> {
      if (!tgtId || !tgtId.startsWith('TGT-')) return undefined;
      const tgt = await registry.get(tgtId, 'TGT');
      if (!tgt) return undefined;
      const now = clock.now();
      if (now - tgt.lastUsedAt >= TOUCH_GRANULARITY_MS) {
        const touched = { ...tgt, lastUsedAt: now };
        touched.expiresAt = tgtExpiry(touched, policy);
        await registry.update(touched);
        return touched;
      }
      return tgt;
    },

    async grantServiceTicket(
      tgt: TicketGrantingTicket,
      service: { url: string; id: number },
      fromNewLogin: boolean,
    ): Promise<ServiceTicket> {
      const now = clock.now();
      const st: ServiceTicket = {
        kind: 'ST',
        id: newTicketId('ST'),
        tgtId: tgt.id,
        service: service.url,
        serviceId: service.id,
        fromNewLogin,
        createdAt: now,
        expiresAt: Math.min(now + policy.serviceTicketMs, tgt.expiresAt),
      };
      await registry.add(st);
      await registry.addGrant({ tgtId: tgt.id, ticketId: st.id, service: service.url, serviceId: service.id, createdAt: now });
      return st;
    },

    /** Ends the session; returns what single logout needs, or undefined when it had already ended. */
    async end(tgtId: string | undefined): Promise<{ tgt: TicketGrantingTicket; grants: SsoGrant[] } | undefined> {
      if (!tgtId || !tgtId.startsWith('TGT-')) return undefined;
      return registry.removeSession(tgtId);
    },

    sessionsOf: (userId: string) => registry.sessionsOf(userId),
  };
}
