import type { KeyValueStore } from '../kv/store.js';

export interface AttemptDecision {
  allowed: boolean;
  /** When refused: seconds until the window that refused it ends. */
  retryAfterSeconds: number;
}

/**
 * Second-factor guesses per account, across every way of checking one (a TOTP or recovery code at sign-in, the code
 * that confirms or removes an authenticator): a 6-digit code has a million values, so few tries per window are
 * allowed. As the password throttle does (login/throttle.ts), each try is counted BEFORE its code is checked, so
 * parallel guesses meet a counter that already includes each other; a right code clears the count. SMS codes have
 * their own per-code limit besides (sms/verification-codes.ts).
 */
export interface SecondFactorAttempts {
  check(userId: string): Promise<AttemptDecision>;
  succeeded(userId: string): Promise<void>;
}

export function createSecondFactorAttempts({
  kv,
  maxFailures,
  windowSeconds,
}: {
  kv: KeyValueStore;
  maxFailures: number;
  windowSeconds: number;
}): SecondFactorAttempts {
  const key = (userId: string) => `mfa-fail:user:${userId}`;
  return {
    async check(userId) {
      if ((await kv.increment(key(userId), windowSeconds)) <= maxFailures) return { allowed: true, retryAfterSeconds: 0 };
      return { allowed: false, retryAfterSeconds: Math.max(1, await kv.ttl(key(userId))) };
    },
    async succeeded(userId) {
      await kv.delete(key(userId));
    },
  };
}
