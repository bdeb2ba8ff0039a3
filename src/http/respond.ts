import type { FastifyReply } from 'fastify';
import type { LoginRequest } from '../cas/login-request.js';
import { appendQueryParam, asciiUrl } from '../services/url.js';

/** Nothing with a ticket, a session or a person's data may be cached, by the browser or on the way. */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').header('expires', '0');
}

/**
 * Back to the service with a ticket as a 302 or in response headers (docs/cas-protocol.md §1.1: `method=GET|HEADER`). `method=POST`
 * needs a page that posts the ticket, which the routes render (see http/routes/sign-in-response.ts). Headers carry the
 * URL as a URI (asciiUrl): a service URL may have Chinese characters in it.
 */
export function redirectWithTicket(
  reply: FastifyReply,
  request: Pick<LoginRequest, 'method' | 'ticketParam'>,
  url: string,
  ticketId: string,
): FastifyReply {
  if (request.method === 'HEADER') return noStore(reply).code(200).header('ticket', ticketId).header('service', asciiUrl(url)).send('');
  return noStore(reply).redirect(appendQueryParam(asciiUrl(url), request.ticketParam, ticketId), 302);
}

/** A redirect that must not be cached: to a service, or on to WeChat with a one-time `state`. Location is ASCII (asciiUrl). */
export function redirectNoStore(reply: FastifyReply, url: string): FastifyReply {
  return noStore(reply).redirect(asciiUrl(url), 302);
}
