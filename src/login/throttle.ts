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
 *
 * Both count an attempt BEFORE its password is checked: a burst of parallel guesses meets counters that already
 * include each other, so no more than the limit are ever checked. A successful sign-in then gives its count back:
 * the IP's (everyone behind one NAT signing in is not a spray) and clears the username's.
 */
export interface LoginThrottle {
  /** Call before checking a password: counts this attempt against the IP, then the username, refusing over either limit. */
  check(username: string, ip: string): Promise<ThrottleDecision>;
  /** The password was right: clears the username's count and gives the IP back this attempt. */
  recordSuccess(username: string, ip: string): Promise<void>;
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
      // An IP over its limit is refused before its username is counted: a spray must not lock its targets out.
      if ((await kv.increment(ipKey(ip), windowSeconds)) > maxFailuresPerIp) return refused(ipKey(ip));
      if ((await kv.increment(userKey(username), windowSeconds)) > maxFailuresPerUser) return refused(userKey(username));
      return { allowed: true, retryAfterSeconds: 0 };
    },
    async recordSuccess(username, ip) {
      await kv.delete(userKey(username));
      await kv.decrement(ipKey(ip));
    },
  };
}
