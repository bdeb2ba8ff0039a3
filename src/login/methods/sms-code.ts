import type { Accounts } from '../../directories/accounts.js';
import { localAccountOf } from '../../directories/local.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import { hasPassword } from '../../users/password-policy.js';
import type { UserStore } from '../../users/store.js';
import { type Authenticator, refused } from '../outcome.js';
import { checkTypedCode } from './codes.js';

export interface SmsCodeCredentials {
  phone: string;
  code: string;
}

/**
 * Sign-in by SMS code to the account that has the number, in whichever directory holds it. Before the code is
 * verified every number gets the same answers, whether or not it has an account (no enumeration); only a verified
 * owner of the number learns that it has none. A number nobody has makes a wecas account only where the
 * configuration says so (SMS_LOGIN_CREATES_USERS).
 */
export function createSmsCodeAuthenticator(deps: {
  codes: VerificationCodes;
  accounts: Accounts;
  users: UserStore;
  createsUsers: boolean;
  /**
   * Whether the code alone signs in to an account that has a password (SMS_LOGIN_PASSWORD_ACCOUNTS): `code` yes;
   * `proven` only with the number that has signed in to it before; `password` never. A carrier re-issues numbers
   * (二次放号): with `code`, the new holder of an account's old number signs in as that account.
   */
  passwordAccounts?: 'code' | 'proven' | 'password';
}): Authenticator<'sms', SmsCodeCredentials> {
  const rule = deps.passwordAccounts ?? 'proven';
  return {
    step: 'sms',
    async authenticate({ phone, code }) {
      const verified = await checkTypedCode(deps.codes, { phone, code, purpose: 'login' });
      if (!verified.ok) return refused('sms', verified.reason, { attemptsLeft: verified.attemptsLeft });
      let account = await deps.accounts.findByPhone(verified.phone);
      if (!account && deps.createsUsers) account = localAccountOf(await deps.users.create({ phone: verified.phone }));
      if (!account) return refused('sms', 'no_account');
      const user = await deps.accounts.recordOf(account);
      if (account.disabled || user.status !== 'active') return refused('sms', 'disabled', { userId: user.id });
      if (rule !== 'code' && hasPassword(account, user) && (rule === 'password' || user.provedPhone !== verified.phone))
        return refused('sms', 'password_required', { userId: user.id });
      if (user.provedPhone !== verified.phone) await deps.users.markPhoneProved(user.id, verified.phone);
      return { kind: 'authenticated', user: { ...user, provedPhone: verified.phone }, account, method: 'sms' };
    },
  };
}
