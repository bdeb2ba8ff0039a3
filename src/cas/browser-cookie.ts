import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../tickets/ids.js';
import type { CasRoutes } from './sign-in.js';

/**
 * A random id per browser (HttpOnly). Login forms, WeChat `state` and pending WeChat identities are bound to
 * it, so a token or state stolen from one browser (or planted in a victim's) does nothing in another.
 */
export const BROWSER_COOKIE = 'wecas_browser';

export function browserCookie(request: FastifyRequest): string | undefined {
  const v = request.cookies[BROWSER_COOKIE];
  return v && /^[A-Za-z0-9]{20,64}$/.test(v) ? v : undefined;
}

export function ensureBrowserCookie(routes: CasRoutes, request: FastifyRequest, reply: FastifyReply): string {
  const existing = browserCookie(request);
  if (existing) return existing;
  const fresh = randomToken(32);
  reply.setCookie(BROWSER_COOKIE, fresh, { path: routes.cookiePath, httpOnly: true, sameSite: 'lax', secure: routes.ctx.config.secureCookies });
  // Later code in this request reads the cookie as if the browser had sent it.
  request.cookies[BROWSER_COOKIE] = fresh;
  return fresh;
}
