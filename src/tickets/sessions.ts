import type { Clock } from '../clock.js';
import type { Authentication, TicketFactory, TicketService } from './factory.js';
import type { TicketRegistry } from './registry.js';
import { type ServiceTicket, type SsoGrant, type TicketGrantingTicket, withinSession } from './types.js';

/** An SSO session that just ended, with every service it granted a ticket to. */
export interface EndedSession {
  tgt: TicketGrantingTicket;
  grants: SsoGrant[];
}

/**
 * Told of every session that ends, however it ends (logout, "sign out everywhere", a disabled account, a session
 * replaced by another person's sign-in, expiry): single logout. Returns what the browser must still request
 * itself (front-channel logout URLs), for the page that ended the session.
 */
export type SessionEndListener = (ended: EndedSession) => Promise<{ frontChannelUrls: string[] }>;

/** The idle limit moves forward at most once a minute, so SSO traffic does not write the TGT on every request. */
const TOUCH_GRANULARITY_MS = 60_000;

export type SsoSessions = ReturnType<typeof createSsoSessions>;

/** SSO sessions (TGTs) and the service tickets they grant. Knows nothing of HTTP. */
export function createSsoSessions(deps: { registry: TicketRegistry; factory: TicketFactory; clock: Clock; onEnded: SessionEndListener }) {
  const { registry, factory, clock, onEnded } = deps;

  async function notify(ended: EndedSession): Promise<{ tgt: TicketGrantingTicket; frontChannelUrls: string[] }> {
    return { tgt: ended.tgt, frontChannelUrls: (await onEnded(ended)).frontChannelUrls };
  }

  /** The session, its idle limit moved forward when the last move is over a minute old. */
  async function touchedWhenDue(tgt: TicketGrantingTicket): Promise<TicketGrantingTicket> {
    if (clock.now() - tgt.lastUsedAt < TOUCH_GRANULARITY_MS) return tgt;
    const touched = factory.touched(tgt);
    await registry.update(touched);
    return touched;
  }

  /** Every session of a user ended and told; how many, and the front-channel URLs a page may still load. */
  async function endEvery(userId: string, options: { toldAs?: string } = {}): Promise<{ ended: number; frontChannelUrls: string[] }> {
    let ended = 0;
    const frontChannelUrls: string[] = [];
    for (const session of await registry.sessionsOf(userId)) {
      const removed = await registry.removeSession(session.id);
      if (!removed) continue; // ended meanwhile, by someone who told its services
      const told = await notify(options.toldAs ? { ...removed, tgt: { ...removed.tgt, userId: options.toldAs } } : removed);
      frontChannelUrls.push(...told.frontChannelUrls);
      ended++;
    }
    return { ended, frontChannelUrls };
  }

  return {
    async start(auth: Authentication): Promise<TicketGrantingTicket> {
      const tgt = factory.grantingTicket(auth);
      await registry.add(tgt);
      return tgt;
    },

    /**
     * The same person signed in again in this browser: a new session id (a TGC someone planted or copied before
     * this sign-in is worth nothing after it), which inherits the old session's grants, so single logout still
     * reaches every application it granted a ticket to. Those applications are not told anything now: the person
     * is still signed in. Tickets not yet validated and proxy-granting tickets of the old session end with it.
     */
    async rotate(old: TicketGrantingTicket, auth: Authentication): Promise<TicketGrantingTicket> {
      const ended = await registry.removeSession(old.id);
      const tgt = factory.grantingTicket(auth);
      await registry.add(tgt);
      for (const grant of ended?.grants ?? []) await registry.addGrant({ ...grant, tgtId: tgt.id });
      return tgt;
    },

    /** The live session with this id, its idle limit moved forward. */
    async find(tgtId: string | undefined): Promise<TicketGrantingTicket | undefined> {
      if (!tgtId?.startsWith('TGT-')) return undefined;
      const tgt = await registry.get(tgtId, 'TGT');
      return tgt && touchedWhenDue(tgt);
    },

    async grantServiceTicket(tgt: TicketGrantingTicket, service: TicketService, fromNewLogin: boolean): Promise<ServiceTicket> {
      const st = factory.serviceTicket(tgt, service, fromNewLogin);
      // One step: one Redis round trip, one SQL transaction.
      await registry.addServiceTicket(st, grantOf(st));
      return st;
    },

    /**
     * SSO for a service that asks nothing of the session (admitsEverySession): the live session with this id found
     * and its ticket issued in one registry step (one Redis round trip, not a read and then a write), the session's
     * idle limit moved forward as `find` moves it. Undefined, with no ticket issued, when there is no such session.
     */
    async grantServiceTicketFromSession(
      tgtId: string | undefined,
      service: TicketService,
    ): Promise<{ tgt: TicketGrantingTicket; ticket: ServiceTicket } | undefined> {
      if (!tgtId?.startsWith('TGT-')) return undefined;
      // The TGT's expiry is not known before the registry reads it: the registry caps the ticket's by it.
      const st = factory.serviceTicket({ id: tgtId, expiresAt: Number.POSITIVE_INFINITY }, service, false);
      const tgt = await registry.addServiceTicketFromSession(st, grantOf(st));
      if (!tgt) return undefined;
      return { tgt: await touchedWhenDue(tgt), ticket: withinSession(st, tgt) };
    },

    /**
     * Ends one session and tells its services. Returns the session and the front-channel URLs the page must load,
     * or undefined when there was no such live session (already ended, by this call's twin or by expiry).
     */
    async end(tgtId: string | undefined): Promise<{ tgt: TicketGrantingTicket; frontChannelUrls: string[] } | undefined> {
      if (!tgtId?.startsWith('TGT-')) return undefined;
      const removed = await registry.removeSession(tgtId);
      return removed ? notify(removed) : undefined;
    },

    /** Ends every session of a user ("sign out everywhere", a disabled account); returns how many there were. */
    endAll: async (userId: string): Promise<number> => (await endEvery(userId)).ended,

    /**
     * Ends every session of a user, and says which front-channel URLs the page may load (a deleted account's).
     * `toldAs` names the user to the listener by another id (a deleted account's pseudonym): single logout's audit
     * events, written later in the background, then never carry the deleted id.
     */
    endEvery,

    /** Deletes expired tickets; expired sessions are told to their services like any other end. Returns how many. */
    async sweep(): Promise<number> {
      const expired = await registry.sweep();
      for (const ended of expired) await notify(ended);
      return expired.length;
    },

    sessionsOf: (userId: string) => registry.sessionsOf(userId),
    usersWithSessions: () => registry.usersWithSessions(),
  };
}

/** The grant a service ticket records on its session, for single logout. */
function grantOf(st: ServiceTicket): SsoGrant {
  return { tgtId: st.tgtId, ticketId: st.id, service: st.service, serviceId: st.serviceId, createdAt: st.createdAt };
}
