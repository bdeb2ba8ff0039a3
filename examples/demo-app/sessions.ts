import { randomBytes } from 'node:crypto';
import type { CasPrincipal } from './cas-client.js';

/** How a session ended: the person signed out here, or the CAS server ended it (back-channel single logout). */
export type SessionEnd = 'signed-out' | 'single-logout';

/** How many ended sessions are remembered (to tell "you have signed out" from "not signed in yet"). */
const ENDED_REMEMBERED = 10_000;

export interface DemoSession {
  id: string;
  principal: CasPrincipal;
  /** The service ticket the session was made from: a back-channel logout names it. */
  ticket: string;
  createdAt: number;
}

/**
 * The app's own sessions, in memory (a demo: a restart signs everyone out). Kept by session id for the cookie
 * and by service ticket for single logout, because the CAS server only knows the ticket.
 */
export class SessionStore {
  private readonly byId = new Map<string, DemoSession>();
  private readonly idByTicket = new Map<string, string>();
  /** Ended session ids, oldest first: the browser's cookie still names one after a sign-out. */
  private readonly ended = new Map<string, SessionEnd>();

  create(principal: CasPrincipal, ticket: string): DemoSession {
    const session: DemoSession = { id: randomBytes(24).toString('base64url'), principal, ticket, createdAt: Date.now() };
    this.byId.set(session.id, session);
    this.idByTicket.set(ticket, session.id);
    return session;
  }

  get(id: string | undefined): DemoSession | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  destroy(id: string | undefined, how: SessionEnd = 'signed-out'): boolean {
    const session = this.get(id);
    if (!session) return false;
    this.byId.delete(session.id);
    this.idByTicket.delete(session.ticket);
    this.ended.set(session.id, how);
    if (this.ended.size > ENDED_REMEMBERED) this.ended.delete(this.ended.keys().next().value as string);
    return true;
  }

  destroyByTicket(ticket: string): boolean {
    return this.destroy(this.idByTicket.get(ticket), 'single-logout');
  }

  /** How the session with this id ended; undefined if it never existed here (or is long forgotten). */
  endOf(id: string | undefined): SessionEnd | undefined {
    return id ? this.ended.get(id) : undefined;
  }

  get size(): number {
    return this.byId.size;
  }
}
