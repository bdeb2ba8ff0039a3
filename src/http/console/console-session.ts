import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AdminRole } from '../../admin/console-roles.js';
import type { KeyValueStore } from '../../kv/store.js';
import { randomToken } from '../../tickets/ids.js';

/** The console's own cookie, apart from the TGC: signing out of the console leaves single sign-on alone, and back. */
export const CONSOLE_COOKIE = 'wecas_admin';
/** The sign-in's one-time nonce, carried through wecas's login in the service URL (a foreign ticket cannot sign in here). */
export const NONCE_COOKIE = 'wecas_admin_nonce';
export const CONSOLE_PATH = '/admin';

export interface ConsoleSession {
  userId: string;
  /** The role at sign-in; every request reads the role again (a revoked role ends the console's use at once). */
  role: AdminRole;
  /** Every console form carries it: another site cannot know it, so cannot post a form in the administrator's name. */
  csrf: string;
  createdAt: number;
}

/**
 * Console sessions in the shared store (every node sees them), named by a random id in a cookie that is HttpOnly,
 * SameSite=Strict (no other site's page or link brings it along), Secure over https, on /admin only. Short: they
 * end `seconds` after sign-in, whatever happens meanwhile, and sign-in asks the password (renew) again.
 */
export function createConsoleSessions(deps: { kv: KeyValueStore; clock: { now(): number }; seconds: number; secure: boolean }) {
  const { kv, seconds, secure } = deps;
  // Stored under the id's hash: a read of the store does not give out live console sessions.
  const key = (id: string) => `admin-console:${createHash('sha256').update(id).digest('base64url')}`;
  const cookieFlags = { path: CONSOLE_PATH, httpOnly: true, sameSite: 'strict' as const, secure };
  const idOf = (request: FastifyRequest) => {
    const id = request.cookies[CONSOLE_COOKIE];
    return id && /^[A-Za-z0-9]{32}$/.test(id) ? id : undefined;
  };

  return {
    async start(reply: FastifyReply, userId: string, role: AdminRole): Promise<ConsoleSession> {
      const id = randomToken(32);
      const session: ConsoleSession = { userId, role, csrf: randomToken(32), createdAt: deps.clock.now() };
      await kv.put(key(id), session, seconds);
      reply.setCookie(CONSOLE_COOKIE, id, { ...cookieFlags, maxAge: seconds });
      return session;
    },
    async find(request: FastifyRequest): Promise<ConsoleSession | undefined> {
      const id = idOf(request);
      return id ? kv.get<ConsoleSession>(key(id)) : undefined;
    },
    async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
      const id = idOf(request);
      if (id) await kv.delete(key(id));
      reply.clearCookie(CONSOLE_COOKIE, cookieFlags);
    },

    /** A nonce for one sign-in, remembered by this browser (Lax: it must come back from wecas's login, maybe via WeChat). */
    issueNonce(reply: FastifyReply): string {
      const nonce = randomToken(24);
      reply.setCookie(NONCE_COOKIE, nonce, { ...cookieFlags, sameSite: 'lax', maxAge: 15 * 60 });
      return nonce;
    },
    takeNonce(request: FastifyRequest, reply: FastifyReply, given: string | undefined): boolean {
      const expected = request.cookies[NONCE_COOKIE];
      reply.clearCookie(NONCE_COOKIE, { ...cookieFlags, sameSite: 'lax' });
      return !!expected && !!given && sameText(expected, given);
    },
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;

export function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
