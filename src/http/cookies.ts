import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../tickets/ids.js';

/** Every cookie wecas sets, by name. Their flags are decided below and nowhere else. */
export const COOKIE_NAMES = {
  /** The ticket-granting cookie: the SSO session's id (docs/cas-protocol.md §3.2: TGC). */
  session: 'TGC',
  /** A random id per browser: login forms, WeChat `state` and pending identities are bound to it. */
  browser: 'wecas_browser',
  /** The id of this browser's WeChat identity waiting for its binding step (the identity stays server-side). */
  pendingWeChat: 'wecas_wxp',
  /** The id of this browser's WeCom member waiting to link an account (the member stays server-side). */
  pendingWeCom: 'wecas_wwp',
  /** The language a person chose with the switch link. */
  locale: 'wecas_lang',
} as const;

export type Cookies = ReturnType<typeof createCookies>;

/**
 * The cookies' flags: HttpOnly (but the language), SameSite=Lax so the redirect back from WeChat carries them,
 * Secure whenever wecas is served over https, on the narrowest path that works. Session cookies all: none
 * outlives the browser but the language choice.
 */
export function createCookies({ path, secure }: { path: string; secure: boolean }) {
  const flags: CookieSerializeOptions = { path, httpOnly: true, sameSite: 'lax', secure };

  function browserId(request: FastifyRequest): string | undefined {
    const v = request.cookies[COOKIE_NAMES.browser];
    return v && /^[A-Za-z0-9]{20,64}$/.test(v) ? v : undefined;
  }

  return {
    sessionId: (request: FastifyRequest): string | undefined => request.cookies[COOKIE_NAMES.session],
    setSession: (reply: FastifyReply, tgtId: string) => reply.setCookie(COOKIE_NAMES.session, tgtId, flags),
    clearSession: (reply: FastifyReply) => reply.clearCookie(COOKIE_NAMES.session, flags),

    browserId,
    /** This browser's id, given one now if it has none; later code in this request reads it as if sent. */
    ensureBrowserId(request: FastifyRequest, reply: FastifyReply): string {
      const existing = browserId(request);
      if (existing) return existing;
      const fresh = randomToken(32);
      reply.setCookie(COOKIE_NAMES.browser, fresh, flags);
      request.cookies[COOKIE_NAMES.browser] = fresh;
      return fresh;
    },

    pendingWeChatId: (request: FastifyRequest): string | undefined => request.cookies[COOKIE_NAMES.pendingWeChat],
    setPendingWeChat: (reply: FastifyReply, pendingId: string) => reply.setCookie(COOKIE_NAMES.pendingWeChat, pendingId, flags),
    clearPendingWeChat: (reply: FastifyReply) => reply.clearCookie(COOKIE_NAMES.pendingWeChat, flags),

    pendingWeComId: (request: FastifyRequest): string | undefined => request.cookies[COOKIE_NAMES.pendingWeCom],
    setPendingWeCom: (reply: FastifyReply, pendingId: string) => reply.setCookie(COOKIE_NAMES.pendingWeCom, pendingId, flags),
    clearPendingWeCom: (reply: FastifyReply) => reply.clearCookie(COOKIE_NAMES.pendingWeCom, flags),

    // Absent outside the pages' scope (the protocol endpoints parse no cookies): an error page there speaks Accept-Language.
    localeChoice: (request: FastifyRequest): string | undefined => request.cookies?.[COOKIE_NAMES.locale],
    /** Remembered for a year on every path: pages outside the CAS prefix (the outbox, errors) speak it too. */
    setLocale: (reply: FastifyReply, locale: string) =>
      reply.setCookie(COOKIE_NAMES.locale, locale, { path: '/', sameSite: 'lax', secure, maxAge: 365 * 24 * 3600 }),
  };
}
