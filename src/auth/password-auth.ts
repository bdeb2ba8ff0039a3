import { dummyVerify, verifyPassword } from '../users/password.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import type { LoginThrottle } from './throttle.js';

export type PasswordResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid_credentials' | 'disabled' | 'throttled'; retryAfterSeconds?: number };

export interface PasswordAuthenticator {
  authenticate(username: string, password: string, ip: string): Promise<PasswordResult>;
}

/**
 * Username-and-password sign-in. A guesser learns nothing about which usernames exist: an unknown username,
 * a user without a password and a wrong password all cost one scrypt and answer `invalid_credentials`;
 * `disabled` is said only to someone who gave the right password.
 */
export function createPasswordAuthenticator({ users, throttle }: { users: UserStore; throttle: LoginThrottle }): PasswordAuthenticator {
  return {
    async authenticate(username, password, ip) {
      const decision = await throttle.check(username, ip);
      if (!decision.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };

      const found = await users.findForSignIn(username);
      const matches = found?.passwordHash
        ? await verifyPassword(found.passwordHash, password)
        : await dummyVerify(password);
      if (!found || !matches) {
        await throttle.recordFailure(ip);
        return { ok: false, reason: 'invalid_credentials' };
      }
      if (found.user.status === 'disabled') return { ok: false, reason: 'disabled' };
      await throttle.recordSuccess(username);
      return { ok: true, user: found.user };
    },
  };
}
