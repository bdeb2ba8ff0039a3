import { dummyVerify, verifyPassword } from '../../users/password.js';
import type { UserStore } from '../../users/store.js';
import type { HashGate } from '../hash-gate.js';
import { type Authenticator, refused } from '../outcome.js';
import type { LoginThrottle } from '../throttle.js';

export interface PasswordCredentials {
  username: string;
  password: string;
}

/**
 * Username-and-password sign-in. A guesser learns nothing about which usernames exist: an unknown username,
 * a user without a password and a wrong password all cost one scrypt and answer `invalid_credentials`;
 * `disabled` is said only to someone who gave the right password.
 */
export function createPasswordAuthenticator({
  users,
  throttle,
  gate,
}: {
  users: UserStore;
  throttle: LoginThrottle;
  /** Bounds the hashes one client runs at once, so a burst from one address cannot starve everyone else. */
  gate: HashGate;
}): Authenticator<'password', PasswordCredentials> {
  return {
    step: 'password',
    async authenticate({ username: typed, password }, { client }) {
      const username = typed.trim();
      if (!username || !password) return refused('password', 'missing_fields');
      const named = { username: username.slice(0, 64) };
      const ip = client.ip ?? '';
      const decision = await throttle.check(username, ip);
      if (!decision.allowed) return refused('password', 'throttled', { ...named, retryAfterSeconds: decision.retryAfterSeconds });

      const found = await users.findForSignIn(username);
      const hash = found?.passwordHash;
      const matches = await gate.run(ip, () => (hash ? verifyPassword(hash, password) : dummyVerify(password)));
      if (!found || !matches) return refused('password', 'invalid_credentials', named);
      if (found.user.status === 'disabled') return refused('password', 'disabled', { ...named, userId: found.user.id });
      await throttle.recordSuccess(username, ip);
      return { kind: 'authenticated', user: found.user, method: 'password' };
    },
  };
}
