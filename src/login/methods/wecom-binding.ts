import type { AuditLog } from '../../audit/audit-log.js';
import type { Accounts } from '../../directories/accounts.js';
import { maskPhone } from '../../sms/mask.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import type { IdentityStore } from '../../users/identities.js';
import { type Authenticator, refused } from '../outcome.js';
import { checkTypedCode } from './codes.js';
import type { PendingWeComMember, PendingWeComMembers } from './wecom.js';

/** A pending WeCom member proves which account is theirs: its phone number, and the SMS code sent to it. */
export interface WeComBindingCredentials {
  pendingId: string;
  pending: PendingWeComMember;
  phone: string;
  code: string;
}

/**
 * The step that completes a WeCom sign-in whose userid is no account's login: the code sent to a phone (asked for by
 * this pending member) proves the phone, the account that has that phone — in whichever directory — is linked to the
 * member (corp id + userid), and they are signed in. WeCom sign-in makes no accounts: a phone nobody has is refused.
 */
export function createWeComBindingAuthenticator(deps: {
  codes: VerificationCodes;
  accounts: Accounts;
  identities: IdentityStore;
  pendingMembers: PendingWeComMembers;
  audit: AuditLog;
}): Authenticator<'wecom-binding', WeComBindingCredentials> {
  return {
    step: 'wecom-binding',
    async authenticate({ pendingId, pending, phone, code }, { client }) {
      const { request } = pending;
      const verified = await checkTypedCode(deps.codes, { phone, code, purpose: 'bind', holder: pendingId });
      if (!verified.ok) return refused('wecom-binding', verified.reason, { attemptsLeft: verified.attemptsLeft, request });
      const account = await deps.accounts.findByPhone(verified.phone);
      if (!account) return refused('wecom-binding', 'no_account', { request });
      const user = await deps.accounts.recordOf(account);
      if (account.disabled || user.status !== 'active') return refused('wecom-binding', 'disabled', { userId: user.id, request });
      await deps.identities.linkWeCom(user.id, { corpId: pending.corpId, userid: pending.userid, name: pending.name });
      await deps.pendingMembers.finish(pendingId);
      await deps.audit.record({
        type: 'wecom.bound',
        userId: user.id,
        corpId: pending.corpId,
        userid: pending.userid,
        phone: maskPhone(verified.phone),
        client,
      });
      return { kind: 'authenticated', user, account, method: 'wecom', request };
    },
  };
}
