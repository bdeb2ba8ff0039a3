import { createHash, timingSafeEqual } from 'node:crypto';
import type { ResponseMethod } from '../cas/login-request.js';
import type { KeyValueStore } from '../kv/store.js';
import { randomToken } from '../tickets/ids.js';

/** A continuation lives at most a minute, and never longer than the ticket it holds. */
export const CONTINUATION_MAX_SECONDS = 60;

const ID = /^[A-Za-z0-9]{32}$/;

/**
 * The way on to the service after a sign-in form: the service URL, the ticket for it, and how the login request
 * asked for it back (a redirect, or a page that posts it).
 */
export interface Continuation {
  url: string;
  ticketId: string;
  ticketParam: 'ticket' | 'SAMLart';
  method: Exclude<ResponseMethod, 'HEADER'>;
}

interface Held {
  /** sha256 of the browser cookie: only the browser that signed in may follow it. */
  browser: string;
  next: Continuation;
}

export type Continuations = ReturnType<typeof createContinuations>;

/**
 * A sign-in form's POST does not send the browser to the service itself: it hands its ticket to a continuation and
 * redirects (303) to wecas's own continuation URL, which a plain GET follows on to the service. A form's CSP
 * `form-action` then only has to allow wecas, whatever chain of redirects the service (a delegating CAS) starts.
 *
 * A continuation is single use (taken atomically), bound to the browser that signed in, and lives no longer than
 * its ticket, at most a minute: its id in a log, a history entry or another browser is worth nothing.
 */
export function createContinuations({ kv, ticketSeconds }: { kv: KeyValueStore; ticketSeconds: number }) {
  const ttlSeconds = Math.max(1, Math.min(CONTINUATION_MAX_SECONDS, ticketSeconds));
  const key = (id: string) => `continuation:${id}`;

  return {
    ttlSeconds,

    /** Keeps the way on for this browser; returns the id its URL carries. */
    async hold(browserId: string, next: Continuation): Promise<string> {
      const id = randomToken(32);
      await kv.put(key(id), { browser: sha256(browserId), next } satisfies Held, ttlSeconds);
      return id;
    },

    /** The way on, once: an unknown, used, expired or other browser's id gives nothing (and is spent all the same). */
    async take(id: string | undefined, browserId: string | undefined): Promise<Continuation | undefined> {
      if (!id || !ID.test(id)) return undefined;
      const held = await kv.take<Held>(key(id));
      if (!held || !browserId) return undefined;
      const expected = Buffer.from(held.browser);
      const given = Buffer.from(sha256(browserId));
      return expected.length === given.length && timingSafeEqual(expected, given) ? held.next : undefined;
    },
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
