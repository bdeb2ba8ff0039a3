import type { SendResult, VerificationCodes } from '../sms/verification-codes.js';
import type { AccountDeletion, DeletedAccount } from '../users/deletion.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import { checkTypedCode } from './methods/codes.js';
import type { PasswordCredentials } from './methods/password.js';
import type { AttemptContext, Authenticator, CodeRefusal } from './outcome.js';
import type { CodeRequest } from './recovery.js';

/**
 * How the person confirms: their password; an SMS code to the bound number when the account has no password; or
 * nothing they can give (neither), and an administrator deletes it. `directory` when the account is a directory's,
 * which wecas does not own: that directory's administrators do.
 */
export type DeletionState = { kind: 'password' } | { kind: 'code'; phone: string } | { kind: 'no_proof' } | { kind: 'directory'; directory: string };

/** Why a deletion did not happen: a wrong password or code (the limits of sign-in and of codes apply), or no way to confirm. */
export type DeletionRefusal =
  | { ok: false; reason: CodeRefusal; attemptsLeft?: number }
  | { ok: false; reason: 'invalid_credentials' | 'throttled'; retryAfterSeconds?: number }
  | { ok: false; reason: 'missing_fields' }
  | { ok: false; reason: 'not_deletable' };

export type SelfDeletion = ReturnType<typeof createSelfDeletion>;

/**
 * The account page's "delete my account": only for accounts wecas owns (its own directory), confirmed like any other
 * change a browser left signed in must not make alone. Knows nothing of HTTP.
 */
export function createSelfDeletion(deps: {
  users: Pick<UserStore, 'findById'>;
  deletion: AccountDeletion;
  codes: VerificationCodes;
  /** The password check of sign-in, with its throttle per name and per address. */
  password: Authenticator<'password', PasswordCredentials>;
}) {
  const holder = (userId: string) => `delete:${userId}`;

  function stateOf(user: User): DeletionState {
    if (user.directory !== 'local') return { kind: 'directory', directory: user.directory };
    if (user.hasPassword && user.username) return { kind: 'password' };
    if (user.phone) return { kind: 'code', phone: user.phone };
    return { kind: 'no_proof' };
  }

  return {
    async state(userId: string): Promise<DeletionState | undefined> {
      const user = await deps.users.findById(userId);
      return user ? stateOf(user) : undefined;
    },

    /** A code to the account's bound number, for an account confirmed by code. */
    async sendCode(userId: string, request: CodeRequest): Promise<SendResult | { ok: false; reason: 'not_deletable' }> {
      const user = await deps.users.findById(userId);
      const state = user && stateOf(user);
      if (state?.kind !== 'code') return { ok: false, reason: 'not_deletable' };
      return deps.codes.send({
        phone: state.phone,
        ip: request.ip,
        purpose: 'delete',
        holder: holder(userId),
        ...(request.browser ? { browser: request.browser } : {}),
        ...(request.proof ? { proof: request.proof } : {}),
      });
    },

    /** Checks the confirmation, then deletes (users/deletion.ts): sessions end, with single logout. */
    async delete(
      userId: string,
      input: { password: string; code: string },
      attempt: AttemptContext,
    ): Promise<({ ok: true } & DeletedAccount) | DeletionRefusal> {
      const user = await deps.users.findById(userId);
      const state = user && stateOf(user);
      if (!user || !state || state.kind === 'directory' || state.kind === 'no_proof') return { ok: false, reason: 'not_deletable' };
      if (state.kind === 'password') {
        if (!input.password) return { ok: false, reason: 'missing_fields' };
        const outcome = await deps.password.authenticate({ username: user.username ?? '', password: input.password }, attempt);
        if (outcome.kind !== 'authenticated' || outcome.user.id !== user.id) {
          const throttled = outcome.kind === 'refused' && outcome.reason === 'throttled';
          return throttled
            ? { ok: false, reason: 'throttled', ...(outcome.retryAfterSeconds ? { retryAfterSeconds: outcome.retryAfterSeconds } : {}) }
            : { ok: false, reason: 'invalid_credentials' };
        }
      } else {
        const verified = await checkTypedCode(deps.codes, { phone: state.phone, code: input.code, purpose: 'delete', holder: holder(userId) });
        if (!verified.ok)
          return verified.attemptsLeft === undefined
            ? { ok: false, reason: verified.reason }
            : { ok: false, reason: verified.reason, attemptsLeft: verified.attemptsLeft };
      }
      const deleted = await deps.deletion.delete(user, { via: 'account', client: attempt.client });
      return deleted ? { ok: true, ...deleted } : { ok: false, reason: 'not_deletable' };
    },
  };
}
