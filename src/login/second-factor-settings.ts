import type { ClientInfo } from '../audit/audit-log.js';
import type { Accounts } from '../directories/accounts.js';
import type { SecondFactorStatus, SecondFactors, TotpEnrolment } from '../mfa/second-factors.js';
import type { TicketGrantingTicket } from '../tickets/types.js';
import type { UserStore } from '../users/store.js';
import type { PasswordCredentials } from './methods/password.js';
import type { AttemptContext, Authenticator } from './outcome.js';

export type SecondFactorSettings = ReturnType<typeof createSecondFactorSettings>;

/** Why turning the authenticator off did not happen. */
export type DisableRefusal = 'wrong' | 'throttled' | 'not_enrolled';

/**
 * The account page's second factor: set up an authenticator app (a secret, confirmed by a first code, then
 * recovery codes shown once) and turn it off, which needs a current code (or a recovery code) or the password, so a
 * browser left signed in is not enough to remove it. Knows nothing of HTTP.
 */
export function createSecondFactorSettings(deps: {
  factors: SecondFactors;
  users: Pick<UserStore, 'findById'>;
  accounts: Pick<Accounts, 'accountOf'>;
  /** The password check of sign-in, with its throttle. */
  password: Authenticator<'password', PasswordCredentials>;
}) {
  const { factors } = deps;
  /** The name the app shows beside the issuer: the person's CAS user name. */
  const label = (session: TicketGrantingTicket) => session.principal;

  return {
    status: (userId: string): Promise<SecondFactorStatus> => factors.status(userId),

    async begin(session: TicketGrantingTicket): Promise<TotpEnrolment | undefined> {
      if (await factors.hasTotp(session.userId)) return undefined;
      return factors.beginTotp(session.userId, label(session));
    },

    pending: (session: TicketGrantingTicket) => factors.pendingTotp(session.userId, label(session)),

    confirm: (session: TicketGrantingTicket, code: string, client: ClientInfo) => factors.confirmTotp(session.userId, code, client),

    async disable(
      session: TicketGrantingTicket,
      input: { code: string; password: string },
      attempt: AttemptContext,
    ): Promise<'disabled' | DisableRefusal> {
      const userId = session.userId;
      if (!(await factors.hasTotp(userId))) return 'not_enrolled';
      const code = input.code.trim();
      if (code) {
        // Six digits: the app's code; anything else: a recovery code.
        const checked = /^\d{6}$/.test(code) ? await factors.checkTotp(userId, code) : await factors.checkRecoveryCode(userId, code);
        if (!checked.ok) return checked.reason === 'throttled' ? 'throttled' : 'wrong';
        await factors.disableTotp(userId, 'code', attempt.client);
        return 'disabled';
      }
      if (!input.password) return 'wrong';
      const user = await deps.users.findById(userId);
      const login = user ? (user.directory === 'local' ? user.username : ((await deps.accounts.accountOf(user))?.login ?? null)) : null;
      if (!login) return 'wrong';
      const outcome = await deps.password.authenticate({ username: login, password: input.password }, attempt);
      if (outcome.kind !== 'authenticated' || outcome.user.id !== userId)
        return outcome.kind === 'refused' && outcome.reason === 'throttled' ? 'throttled' : 'wrong';
      await factors.disableTotp(userId, 'password', attempt.client);
      return 'disabled';
    },
  };
}
