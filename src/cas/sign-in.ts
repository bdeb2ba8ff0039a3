import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { appendQueryParam } from '../services/url.js';
import type { RegisteredService } from '../services/types.js';
import type { AuthMethod, TicketGrantingTicket } from '../tickets/types.js';
import type { User } from '../users/types.js';
import type { Pages } from '../web/pages.js';
import { principalOf } from './attributes.js';
import type { LoginRequest } from './login-request.js';

export const TGC_COOKIE = 'TGC';

/** What the protocol routes share: the domain context, the pages and the cookie settings. */
export interface CasRoutes {
  ctx: AppContext;
  pages: Pages;
  /** Path prefix of the protocol, e.g. `/cas` (possibly empty). */
  prefix: string;
  cookiePath: string;
}

export function setTgc(routes: CasRoutes, reply: FastifyReply, tgt: TicketGrantingTicket): void {
  // A session cookie (no Expires) unless remember-me; HttpOnly; Secure under https; narrowest path (spec 3.2).
  reply.setCookie(TGC_COOKIE, tgt.id, {
    path: routes.cookiePath,
    httpOnly: true,
    secure: routes.ctx.config.secureCookies,
    sameSite: 'lax',
  });
}

export function clearTgc(routes: CasRoutes, reply: FastifyReply): void {
  reply.clearCookie(TGC_COOKIE, { path: routes.cookiePath, httpOnly: true, secure: routes.ctx.config.secureCookies, sameSite: 'lax' });
}

/** The browser's live SSO session, if its TGC names one. */
export async function currentSession(routes: CasRoutes, request: FastifyRequest): Promise<TicketGrantingTicket | undefined> {
  return routes.ctx.sso.find(request.cookies[TGC_COOKIE]);
}

/**
 * Sends the browser back to the service with a ticket, as the login request asked:
 * a 302 (GET), an auto-submitting form (POST) or response headers (HEADER).
 */
export function redirectWithTicket(routes: CasRoutes, request: FastifyRequest, reply: FastifyReply, login: LoginRequest, url: string, ticketId: string) {
  if (login.method === 'POST') {
    return routes.pages.send(request, reply, 'post-redirect', {
      title: routes.pages.translate(request)('post.title'),
      action: url,
      fields: [[login.ticketParam, ticketId]],
      scripts: ['autosubmit.js'],
      formActionOrigin: new URL(url).origin,
    });
  }
  if (login.method === 'HEADER') {
    return noStore(reply).code(200).header('ticket', ticketId).header('service', url).send('');
  }
  return noStore(reply).redirect(appendQueryParam(url, login.ticketParam, ticketId), 302);
}

/** Back to the service without a ticket (gateway with no session: spec 2.1.1). */
export function redirectWithoutTicket(reply: FastifyReply, url: string) {
  return noStore(reply).redirect(url, 302);
}

export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').header('expires', '0');
}

/**
 * The end of every successful primary authentication, whatever the method: one SSO session (reusing the
 * browser's own when it belongs to the same person, so single logout still reaches every application), the TGC,
 * an audit event, then a ticket for the service or the signed-in page.
 */
export async function completeSignIn(
  routes: CasRoutes,
  request: FastifyRequest,
  reply: FastifyReply,
  input: { user: User; method: AuthMethod; login: LoginRequest; service: RegisteredService | undefined },
) {
  const { ctx } = routes;
  const now = ctx.clock.now();
  let tgt = await currentSession(routes, request);
  if (tgt && tgt.userId === input.user.id) {
    tgt = { ...tgt, method: input.method, authTime: now };
    await ctx.tickets.update(tgt);
  } else {
    if (tgt) await endSession(routes, tgt.id);
    tgt = await ctx.sso.start({
      userId: input.user.id,
      principal: principalOf(input.user),
      method: input.method,
      authTime: now,
      clientIp: request.ip,
      ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
    });
  }
  setTgc(routes, reply, tgt);
  await ctx.audit.record({
    type: 'login.success',
    userId: input.user.id,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
    detail: { method: input.method, ...(input.service ? { service: input.service.name } : {}) },
  });
  if (input.service && input.login.service) {
    const st = await ctx.sso.grantServiceTicket(tgt, { url: input.login.service, id: input.service.id }, true);
    return redirectWithTicket(routes, request, reply, input.login, input.login.service, st.id);
  }
  return signedInPage(routes, request, reply, principalOf(input.user));
}

export function signedInPage(routes: CasRoutes, request: FastifyRequest, reply: FastifyReply, principal: string) {
  const t = routes.pages.translate(request);
  return routes.pages.send(request, reply, 'message', {
    title: t('signedin.title'),
    paragraphs: [t('signedin.body', { user: principal })],
    links: [
      { href: `${routes.prefix}/account`, label: t('signedin.account'), primary: true },
      { href: `${routes.prefix}/logout`, label: t('signedin.logout'), primary: false },
    ],
  });
}

/** Ends an SSO session and starts single logout; returns the front-channel URLs for the logout page. */
export async function endSession(routes: CasRoutes, tgtId: string): Promise<string[]> {
  const ended = await routes.ctx.sso.end(tgtId);
  if (!ended) return [];
  const { frontChannelUrls } = await routes.ctx.singleLogout.notify(ended);
  return frontChannelUrls;
}
