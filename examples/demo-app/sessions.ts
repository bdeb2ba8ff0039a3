import { randomBytes } from 'node:crypto';
import type { CasPrincipal } from './cas-client.js';

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

  create(principal: CasPrincipal, ticket: string): DemoSession {
    const session: DemoSession = { id: randomBytes(24).toString('base64url'), principal, ticket, createdAt: Date.now() };
    this.byId.set(session.id, session);
    this.idByTicket.set(ticket, session.id);
    return session;
  }

  get(id: string | undefined): DemoSession | undefined {
    return id ? this.byId.get(id) : undefined;
  }

  destroy(id: string | undefined): boolean {
    const session = this.get(id);
    if (!session) return false;
    this.byId.delete(session.id);
    this.idByTicket.delete(session.ticket);
    return true;
  }

  destroyByTicket(ticket: string): boolean {
    return this.destroy(this.idByTicket.get(ticket));
  }

  get size(): number {
    return this.byId.size;
  }
}
