import type { VerificationCodes } from '../../sms/verification-codes.js';
import type { UserStore } from '../../users/store.js';
import { type Authenticator, refused } from '../outcome.js';
import { checkTypedCode } from './codes.js';

export interface SmsCodeCredentials {
  phone: string;
  code: string;
}

/**
 * Sign-in by SMS code. Before the code is verified every number gets the same answers, whether or not it has an
 * account (no enumeration); only a verified owner of the number learns that it has none. A number nobody has
 * makes an account only where the configuration says so (SMS_LOGIN_CREATES_USERS).
 */
export function createSmsCodeAuthenticator(deps: {
  codes: VerificationCodes;
  users: UserStore;
  createsUsers: boolean;
}): Authenticator<'sms', SmsCodeCredentials> {
  return {
    step: 'sms',
    async authenticate({ phone, code }) {
      const verified = await checkTypedCode(deps.codes, { phone, code, purpose: 'login' });
      if (!verified.ok) return refused('sms', verified.reason, { attemptsLeft: verified.attemptsLeft });
      let user = await deps.users.findByPhone(verified.phone);
      if (!user && deps.createsUsers) user = await deps.users.create({ phone: verified.phone });
      if (!user) return refused('sms', 'no_account');
      if (user.status !== 'active') return refused('sms', 'disabled', { userId: user.id });
      return { kind: 'authenticated', user, method: 'sms' };
    },
  };
}
