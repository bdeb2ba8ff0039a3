import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/store.js';
import { WeComError } from './errors.js';

/** A token is renewed this long before WeCom says it expires, so no call goes out with one about to lapse. */
export const TOKEN_REFRESH_MARGIN_SECONDS = 300;
/** How long one node may hold the right to renew the token (gettoken answers in well under a second). */
const LEASE_SECONDS = 15;
/** How often a node waiting for another node's renewal looks for the new token, and for how long at most. */
const WAIT_STEP_MS = 50;
const WAIT_MAX_MS = 10_000;

interface CachedToken {
  token: string;
  /** When WeCom said it lapses, in ms since the epoch. */
  expiresAt: number;
  /**
   * When to ask for a new one: the margin before it lapses. WeCom answers gettoken with the same token while it
   * lives (and what remains of its life), so a token fetched inside the margin is kept for half of what remains.
   */
  renewAt: number;
}

export interface FetchedToken {
  token: string;
  expiresInSeconds: number;
}

export type SharedAccessToken = ReturnType<typeof createSharedAccessToken>;

/**
 * WeCom's access token, fetched once for the whole deployment: every node reads it from the shared store, and
 * renews it only when it is missing or within the margin of lapsing, one node at a time (whoever takes the lease;
 * the others keep using the old token while it lasts, or wait for the new one). WeCom limits gettoken calls and
 * each new token does not void the old one before it expires, so nodes never fetch their own.
 */
export function createSharedAccessToken(deps: { kv: KeyValueStore; clock: Clock; key: string; fetchToken: () => Promise<FetchedToken> }) {
  const { kv, clock, key } = deps;
  const leaseKey = `${key}:lease`;
  const fresh = (cached: CachedToken | undefined): cached is CachedToken => !!cached && clock.now() < cached.renewAt;

  /** Renews the token, or waits for the node renewing it. `usable` is a token that may serve meanwhile. */
  async function renew(usable: CachedToken | undefined, refused: string | undefined): Promise<string> {
    const deadline = Date.now() + WAIT_MAX_MS;
    for (;;) {
      if (await kv.putIfAbsent(leaseKey, 1, LEASE_SECONDS)) {
        try {
          // Another node may have renewed it between our read and our lease.
          const current = await kv.get<CachedToken>(key);
          if (fresh(current) && current.token !== refused) return current.token;
          const fetched = await deps.fetchToken();
          const now = clock.now();
          const life = fetched.expiresInSeconds * 1000;
          const record: CachedToken = {
            token: fetched.token,
            expiresAt: now + life,
            renewAt: now + Math.max(life - TOKEN_REFRESH_MARGIN_SECONDS * 1000, life / 2),
          };
          await kv.put(key, record, fetched.expiresInSeconds);
          return fetched.token;
        } finally {
          await kv.delete(leaseKey);
        }
      }
      // Another node is renewing: the old token serves while it lasts.
      if (usable && clock.now() < usable.expiresAt && usable.token !== refused) return usable.token;
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
      const current = await kv.get<CachedToken>(key);
      if (fresh(current) && current.token !== refused) return current.token;
      if (Date.now() > deadline)
        throw new WeComError('unavailable', 'cgi-bin/gettoken', 'another node is renewing the WeCom token and has not finished');
    }
  }

  return {
    async get(): Promise<string> {
      const cached = await kv.get<CachedToken>(key);
      if (fresh(cached)) return cached.token;
      return renew(cached, undefined);
    },

    /** WeCom refused `token` (42001, 40014): a new one, fetched once however many nodes saw the refusal. */
    async replace(token: string): Promise<string> {
      const cached = await kv.get<CachedToken>(key);
      if (cached && cached.token !== token && fresh(cached)) return cached.token;
      return renew(undefined, token);
    },
  };
}
