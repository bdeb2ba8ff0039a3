import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClientInfo } from '../audit/audit-log.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { TicketGrantingTicket } from '../tickets/types.js';
import type { Cookies } from './cookies.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is asking, as the audit trail records it: the client address (behind TRUST_PROXY) and user agent. */
    readonly client: ClientInfo;
    /** The browser's live SSO session, named by its TGC: looked up once per request, its idle limit moved forward. */
    ssoSession(): Promise<TicketGrantingTicket | undefined>;
    ssoSessionLookup: Promise<TicketGrantingTicket | undefined> | null;
  }
}

/** Per-request facts every sign-in route needs, decorated once instead of read in each handler. */
export function decorateRequests(app: FastifyInstance, deps: { sessions: Pick<SsoSessions, 'find'>; cookies: Cookies }): void {
  app.decorateRequest('client', {
    getter(this: FastifyRequest): ClientInfo {
      return { ip: this.ip, userAgent: this.headers['user-agent'] ?? null };
    },
  });
  app.decorateRequest('ssoSessionLookup', null);
  app.decorateRequest('ssoSession', function (this: FastifyRequest) {
    this.ssoSessionLookup ??= deps.sessions.find(deps.cookies.sessionId(this));
    return this.ssoSessionLookup;
  });
}
