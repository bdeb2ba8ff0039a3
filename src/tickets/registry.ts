import type { ProxyTicket, ServiceTicket, SsoGrant, Ticket, TicketGrantingTicket, TicketKind, TicketOfKind } from './types.js';

/**
 * The services one SSO session remembers for single logout. A session keeps one grant per service (its latest
 * ticket), so a busy session's list does not grow with every ticket; past this many services the one granted
 * longest ago is forgotten, and that application is not told of the logout (its own session ends on its own).
 */
export const MAX_GRANTS_PER_SESSION = 100;

/** A consumed single-use ticket with the session it came from (undefined when that session is gone). */
export interface ConsumedTicket {
  ticket: ServiceTicket | ProxyTicket;
  tgt: TicketGrantingTicket | undefined;
}

/**
 * Where tickets live. One contract (test/contract/ticket-registry.contract.ts) runs against every implementation.
 * Expired tickets are never returned. Consumption is atomic: of any number of concurrent `consume` calls for one
 * id, exactly one gets the ticket.
 */
export interface TicketRegistry {
  add(ticket: Ticket): Promise<void>;
  /** The live ticket with this id, if it is of the expected kind. */
  get<K extends TicketKind>(id: string, kind: K): Promise<TicketOfKind<K> | undefined>;
  /** Replaces a live ticket's record (e.g. a TGT's idle expiry moved forward). No-op when it is gone. */
  update(ticket: Ticket): Promise<void>;
  /** Takes a single-use ticket (ST, PT) out of the registry. Returns it whether or not expired, so callers can say why. */
  consume(id: string): Promise<Ticket | undefined>;
  /**
   * `consume` and the ticket's session in one step (one Redis round trip, one SQL statement): what validation needs.
   * The ticket is taken as `consume` takes it (exactly one of concurrent callers gets it); `tgt` is its live TGT,
   * absent when the session ended or expired.
   */
  consumeWithSession(id: string): Promise<ConsumedTicket | undefined>;
  /**
   * Stores a service ticket and records its grant on its TGT (as `add` then `addGrant`), in one step: one Redis
   * round trip, one SQL transaction. The grant is recorded only while the TGT exists.
   */
  addServiceTicket(ticket: ServiceTicket, grant: SsoGrant): Promise<void>;
  /**
   * SSO issuance for a service that asks nothing of the session: the ticket's TGT read and, when it is live, the
   * ticket stored and its grant recorded as addServiceTicket does, in one step (one Redis round trip). The ticket
   * lives no longer than its TGT. Returns the TGT; undefined, with nothing stored, when there is no live one.
   */
  addServiceTicketFromSession(ticket: ServiceTicket, grant: SsoGrant): Promise<TicketGrantingTicket | undefined>;
  /**
   * Records that a TGT granted a ticket to a service (for single logout): it replaces that service's earlier grant
   * and becomes the newest; past MAX_GRANTS_PER_SESSION services the oldest grant is dropped.
   */
  addGrant(grant: SsoGrant): Promise<void>;
  /** A session's grants, one per service, the least recently granted first. */
  grants(tgtId: string): Promise<SsoGrant[]>;
  /**
   * Ends an SSO session: deletes the TGT and every ticket that descends from it (ST, PT, PGT), and its grants.
   * Returns the TGT and the grants it had, or undefined when there was no such session.
   */
  removeSession(tgtId: string): Promise<{ tgt: TicketGrantingTicket; grants: SsoGrant[] } | undefined>;
  /** Live SSO sessions of one user, newest first. */
  sessionsOf(userId: string): Promise<TicketGrantingTicket[]>;
  /** Every user with a live SSO session (each once): whose accounts the directory re-check reads again. */
  usersWithSessions(): Promise<string[]>;
  /** Live tickets of one kind (a gauge for metrics and benchmarks). */
  count(kind: TicketKind): Promise<number>;
  /** Deletes expired tickets; returns the TGTs that expired, so their services can be logged out. */
  sweep(): Promise<Array<{ tgt: TicketGrantingTicket; grants: SsoGrant[] }>>;
  close(): Promise<void>;
}
