/**
 * CAS tickets as plain records named after the protocol. Every ticket has an absolute expiry
 * (`expiresAt`, ms); the registry treats an expired ticket as absent.
 */
export type AuthMethod = 'password' | 'sms' | 'wechat' | 'wecom';
/** What proved the second factor: a TOTP app's code, an SMS code to the account's phone, or a one-time recovery code. */
export type SecondFactorMethod = 'totp' | 'sms' | 'recovery-code';

/** A second factor passed after the first, and when. */
export interface SecondFactorRecord {
  method: SecondFactorMethod;
  time: number;
}

export interface TicketGrantingTicket {
  kind: 'TGT';
  id: string;
  userId: string;
  principal: string; // the CAS user name validations return, unless a service names another attribute
  /** What applications may be released about the person, as it was at sign-in (absent in sessions of older versions). */
  attributes?: Record<string, string[]>;
  method: AuthMethod;
  /** The second factor this session passed, when it passed one (a service that requires it takes no other session). */
  mfa?: SecondFactorRecord;
  authTime: number;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number; // min(createdAt + hard limit, lastUsedAt + idle limit)
  clientIp?: string;
  userAgent?: string;
}

export interface ServiceTicket {
  kind: 'ST';
  id: string;
  tgtId: string;
  service: string; // the service URL exactly as given at /login
  serviceId: number; // the registered service it matched
  fromNewLogin: boolean;
  createdAt: number;
  expiresAt: number;
}

export interface ProxyGrantingTicket {
  kind: 'PGT';
  id: string;
  tgtId: string;
  service: string; // the service that validated and obtained this PGT
  proxies: string[]; // pgtUrls of the chain, newest first, including this PGT's own callback
  createdAt: number;
  expiresAt: number; // lives with its TGT
}

export interface ProxyTicket {
  kind: 'PT';
  id: string;
  tgtId: string;
  pgtId: string;
  service: string; // targetService
  serviceId: number;
  proxies: string[];
  createdAt: number;
  expiresAt: number;
}

export type Ticket = TicketGrantingTicket | ServiceTicket | ProxyGrantingTicket | ProxyTicket;
export type TicketKind = Ticket['kind'];
export type TicketOfKind<K extends TicketKind> = Extract<Ticket, { kind: K }>;

/** A service that received a ticket from an SSO session: whom single logout must tell. */
export interface SsoGrant {
  tgtId: string;
  ticketId: string;
  service: string;
  serviceId: number | null;
  createdAt: number;
}

export function tgtIdOf(ticket: Ticket): string | null {
  return ticket.kind === 'TGT' ? ticket.id : ticket.tgtId;
}

export function userIdOf(ticket: Ticket): string | null {
  return ticket.kind === 'TGT' ? ticket.userId : null;
}

/** A ticket of a session lives no longer than the session: its expiry capped by the TGT's. */
export function withinSession<T extends { expiresAt: number }>(ticket: T, tgt: Pick<TicketGrantingTicket, 'expiresAt'>): T {
  return ticket.expiresAt <= tgt.expiresAt ? ticket : { ...ticket, expiresAt: tgt.expiresAt };
}
