import type { Clock } from '../clock.js';
import { type ConsumedTicket, MAX_GRANTS_PER_SESSION, type TicketRegistry } from './registry.js';
import {
  type ServiceTicket,
  type SsoGrant,
  type Ticket,
  type TicketGrantingTicket,
  type TicketKind,
  type TicketOfKind,
  tgtIdOf,
  withinSession,
} from './types.js';

/**
 * Tickets in this process's memory: fast, lost at restart, not shared between nodes.
 * Node runs JavaScript on one thread, so a synchronous get-and-delete is atomic.
 */
export class MemoryTicketRegistry implements TicketRegistry {
  private readonly tickets = new Map<string, Ticket>();
  private readonly children = new Map<string, Set<string>>(); // TGT id -> ids of tickets descending from it
  /** Per TGT, its grants by service; a Map keeps insertion order, so the first entry is the oldest grant. */
  private readonly grantsByTgt = new Map<string, Map<string, SsoGrant>>();
  // Most people have one session: its id is kept as a plain string, a Set only from the second on (~150 B each saved).
  private readonly sessionsByUser = new Map<string, string | Set<string>>();

  constructor(private readonly clock: Clock) {}

  async add(ticket: Ticket): Promise<void> {
    this.tickets.set(ticket.id, ticket);
    if (ticket.kind === 'TGT') {
      const existing = this.sessionsByUser.get(ticket.userId);
      if (existing === undefined) this.sessionsByUser.set(ticket.userId, ticket.id);
      else if (typeof existing === 'string') this.sessionsByUser.set(ticket.userId, new Set([existing, ticket.id]));
      else existing.add(ticket.id);
    } else {
      setOf(this.children, ticket.tgtId).add(ticket.id);
    }
  }

  async get<K extends TicketKind>(id: string, kind: K): Promise<TicketOfKind<K> | undefined> {
    const t = this.tickets.get(id);
    if (!t || t.kind !== kind || t.expiresAt <= this.clock.now()) return undefined;
    return t as TicketOfKind<K>;
  }

  async update(ticket: Ticket): Promise<void> {
    if (this.tickets.has(ticket.id)) this.tickets.set(ticket.id, ticket);
  }

  async consume(id: string): Promise<Ticket | undefined> {
    const t = this.tickets.get(id);
    if (!t || t.kind === 'TGT' || t.kind === 'PGT') return undefined;
    this.tickets.delete(id);
    this.children.get(t.tgtId)?.delete(id);
    return t;
  }

  async consumeWithSession(id: string): Promise<ConsumedTicket | undefined> {
    const t = this.tickets.get(id);
    if (!t || (t.kind !== 'ST' && t.kind !== 'PT')) return undefined;
    this.tickets.delete(id);
    this.children.get(t.tgtId)?.delete(id);
    const tgt = this.tickets.get(t.tgtId);
    return { ticket: t, tgt: tgt?.kind === 'TGT' && tgt.expiresAt > this.clock.now() ? tgt : undefined };
  }

  async addServiceTicket(ticket: ServiceTicket, grant: SsoGrant): Promise<void> {
    await this.add(ticket);
    await this.addGrant(grant);
  }

  async addServiceTicketFromSession(ticket: ServiceTicket, grant: SsoGrant): Promise<TicketGrantingTicket | undefined> {
    const tgt = await this.get(ticket.tgtId, 'TGT');
    if (!tgt) return undefined;
    await this.addServiceTicket(withinSession(ticket, tgt), grant);
    return tgt;
  }

  async addGrant(grant: SsoGrant): Promise<void> {
    if (!this.tickets.has(grant.tgtId)) return;
    const byService = this.grantsByTgt.get(grant.tgtId) ?? new Map<string, SsoGrant>();
    byService.delete(grant.service); // re-inserted last: the newest
    byService.set(grant.service, grant);
    if (byService.size > MAX_GRANTS_PER_SESSION) byService.delete(byService.keys().next().value!);
    this.grantsByTgt.set(grant.tgtId, byService);
  }

  async grants(tgtId: string): Promise<SsoGrant[]> {
    return [...(this.grantsByTgt.get(tgtId)?.values() ?? [])];
  }

  async removeSession(tgtId: string): Promise<{ tgt: TicketGrantingTicket; grants: SsoGrant[] } | undefined> {
    const tgt = this.tickets.get(tgtId);
    if (tgt?.kind !== 'TGT') return undefined;
    const grants = [...(this.grantsByTgt.get(tgtId)?.values() ?? [])];
    for (const child of this.children.get(tgtId) ?? []) this.tickets.delete(child);
    this.children.delete(tgtId);
    this.grantsByTgt.delete(tgtId);
    this.tickets.delete(tgtId);
    const sessions = this.sessionsByUser.get(tgt.userId);
    if (sessions === tgtId) this.sessionsByUser.delete(tgt.userId);
    else if (sessions instanceof Set) {
      sessions.delete(tgtId);
      if (sessions.size === 0) this.sessionsByUser.delete(tgt.userId);
    }
    return { tgt, grants };
  }

  async sessionsOf(userId: string): Promise<TicketGrantingTicket[]> {
    const now = this.clock.now();
    const out: TicketGrantingTicket[] = [];
    const sessions = this.sessionsByUser.get(userId) ?? [];
    for (const id of typeof sessions === 'string' ? [sessions] : sessions) {
      const t = this.tickets.get(id);
      if (t?.kind === 'TGT' && t.expiresAt > now) out.push(t);
    }
    return out.sort((a, b) => b.createdAt - a.createdAt);
  }

  async usersWithSessions(): Promise<string[]> {
    const users: string[] = [];
    for (const userId of this.sessionsByUser.keys()) if ((await this.sessionsOf(userId)).length > 0) users.push(userId);
    return users;
  }

  async count(kind: TicketKind): Promise<number> {
    const now = this.clock.now();
    let n = 0;
    for (const t of this.tickets.values()) if (t.kind === kind && t.expiresAt > now) n++;
    return n;
  }

  async sweep(): Promise<Array<{ tgt: TicketGrantingTicket; grants: SsoGrant[] }>> {
    const now = this.clock.now();
    const ended: Array<{ tgt: TicketGrantingTicket; grants: SsoGrant[] }> = [];
    for (const t of [...this.tickets.values()]) {
      if (t.expiresAt > now) continue;
      if (t.kind === 'TGT') {
        const removed = await this.removeSession(t.id);
        if (removed) ended.push(removed);
      } else {
        this.tickets.delete(t.id);
        const parent = tgtIdOf(t);
        if (parent) this.children.get(parent)?.delete(t.id);
      }
    }
    return ended;
  }

  async close(): Promise<void> {}
}

function setOf<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  const existing = map.get(key);
  if (existing) return existing;
  const fresh = new Set<V>();
  map.set(key, fresh);
  return fresh;
}
