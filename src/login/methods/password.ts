import type { Accounts } from '../../directories/accounts.js';
import type { DirectoryAccount } from '../../directories/directory.js';
import { dummyVerify } from '../../users/password.js';
import type { User } from '../../users/types.js';
import type { HashGate } from '../hash-gate.js';
import { type Authenticator, type ClientInfo, refused } from '../outcome.js';
import type { LoginThrottle } from '../throttle.js';

export interface PasswordCredentials {
  username: string;
  password: string;
}

export interface PasswordCheckDeps {
  accounts: Accounts;
  throttle: LoginThrottle;
  /** Bounds the hashes one client runs at once, so a burst from one address cannot starve everyone else. */
  gate: HashGate;
}

export type PasswordCheck =
  | { ok: true; account: DirectoryAccount; user: User }
  | {
      ok: false;
      reason: 'missing_fields' | 'invalid_credentials' | 'disabled' | 'throttled';
      username?: string;
      userId?: string;
      retryAfterSeconds?: number;
    };

/**
 * A login name and password checked by the directory that holds the account (the first in the configured order
 * that knows the name), throttled per name and per address. A guesser learns nothing about which names exist: an
 * unknown name, an account without a password and a wrong password all cost one hash and answer
 * `invalid_credentials`; `disabled` is said only to someone who gave the right password.
 */
export async function checkAccountPassword(deps: PasswordCheckDeps, typed: PasswordCredentials, client: ClientInfo): Promise<PasswordCheck> {
  const username = typed.username.trim();
  if (!username || !typed.password) return { ok: false, reason: 'missing_fields' };
  const named = { username: username.slice(0, 64) };
  const ip = client.ip ?? '';
  const decision = await deps.throttle.check(username, ip);
  if (!decision.allowed) return { ok: false, reason: 'throttled', ...named, retryAfterSeconds: decision.retryAfterSeconds };

  const account = await deps.accounts.findByLogin(username);
  const directory = account ? deps.accounts.directory(account.directory) : undefined;
  const matches = await deps.gate.run(ip, () =>
    account && directory ? directory.verifyPassword(account, typed.password) : dummyVerify(typed.password),
  );
  if (!account || !matches) return { ok: false, reason: 'invalid_credentials', ...named };
  const user = await deps.accounts.recordOf(account);
  if (account.disabled || user.status !== 'active') return { ok: false, reason: 'disabled', ...named, userId: user.id };
  await deps.throttle.recordSuccess(username, ip);
  return { ok: true, account, user };
}

/** Sign-in by login name and password. */
export function createPasswordAuthenticator(deps: PasswordCheckDeps): Authenticator<'password', PasswordCredentials> {
  return {
    step: 'password',
    async authenticate(credentials, { client }) {
      const checked = await checkAccountPassword(deps, credentials, client);
      if (!checked.ok) {
        const { reason, ok: _, ...details } = checked;
        return refused('password', reason, details);
      }
      return { kind: 'authenticated', user: checked.user, account: checked.account, method: 'password' };
    },
  };
}
