import { ipBucket } from '../kv/ip-bucket.js';
import type { KeyValueStore } from '../kv/store.js';

export interface ThrottleDecision {
  allowed: boolean;
  /** When refused: seconds until the window that refused it ends. 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * Limits password guessing two ways, because attackers guess two ways: many passwords against one account
 * (stopped per username, wherever they come from) and one common password against many accounts from one place
 * (stopped per IP, since every username's own count stays low). Counters are key-value counters, so every node
 * sees the same counts; each is a fixed window started by its first count.
 */
export interface LoginThrottle {
  /**
   * Call before checking a password. Refuses while the IP has too many failures; otherwise counts this attempt
   * against the username and refuses once the username is over its limit. Counting before the check (not after a
   * failure) means a burst of parallel guesses cannot all slip through before the first failure is recorded.
   */
  check(username: string, ip: string): Promise<ThrottleDecision>;
  /** The password was wrong: counts against the IP (the username's count was taken by `check`). */
  recordFailure(ip: string): Promise<void>;
  /** The password was right: clears the username's count. The IP's count stays, so a spray that finds one weak
   * password does not reset the limit on the rest. */
  recordSuccess(username: string): Promise<void>;
}

export interface LoginThrottleOptions {
  kv: KeyValueStore;
  maxFailuresPerUser: number;
  maxFailuresPerIp: number;
  windowSeconds: number;
}

export function createLoginThrottle({ kv, maxFailuresPerUser, maxFailuresPerIp, windowSeconds }: LoginThrottleOptions): LoginThrottle {
  // Lower-cased like stored usernames, and capped (real usernames are at most 64) so junk cannot make huge keys.
  const userKey = (username: string) => `login-fail:user:${username.trim().toLowerCase().slice(0, 64)}`;
  const ipKey = (ip: string) => `login-fail:ip:${ipBucket(ip)}`;
  const refused = async (key: string): Promise<ThrottleDecision> => ({
    allowed: false,
    retryAfterSeconds: Math.max(1, await kv.ttl(key)),
  });

  return {
    async check(username, ip) {
      // The IP is only read: its count must not include the successful sign-ins of everyone behind one NAT.
      // The price: a parallel burst from one IP may overshoot its limit by the burst's size, once per window;
      // each account in the burst still gets no more than its own limit.
      if ((await kv.counter(ipKey(ip))) >= maxFailuresPerIp) return refused(ipKey(ip));
      const attempts = await kv.increment(userKey(username), windowSeconds);
      if (attempts > maxFailuresPerUser) return refused(userKey(username));
      return { allowed: true, retryAfterSeconds: 0 };
    },
    async recordFailure(ip) {
      await kv.increment(ipKey(ip), windowSeconds);
    },
    async recordSuccess(username) {
      await kv.delete(userKey(username));
    },
  };
}
