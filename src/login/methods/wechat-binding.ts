import type { AuditLog } from '../../audit/audit-log.js';
import { maskPhone } from '../../sms/mask.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import type { BindOutcome, WeChatBinding } from '../../users/binding.js';
import type { IdentityStore } from '../../users/identities.js';
import type { UserStore } from '../../users/store.js';
import type { User } from '../../users/types.js';
import { type Authenticator, refused } from '../outcome.js';
import { checkTypedCode } from './codes.js';
import type { PendingIdentities, PendingIdentity } from './wechat.js';

export interface BindingCredentials {
  pendingId: string;
  pending: PendingIdentity;
  phone: string;
  code: string;
}

/**
 * The step that completes a new WeChat person's sign-in: a verified phone number links the WeChat account to the
 * number's account (one is made when nobody has the number), and the person is signed in as that account.
 */
export function createWeChatBindingAuthenticator(deps: {
  codes: VerificationCodes;
  binding: WeChatBinding;
  users: UserStore;
  identities: IdentityStore;
  pendingIdentities: PendingIdentities;
  audit: AuditLog;
}): Authenticator<'wechat-binding', BindingCredentials> {
  /**
   * The user to sign in after a bind attempt. A bind that lost a race to the same person (this WeChat account
   * bound to this phone's user a moment ago, e.g. in another tab) still signs that person in; a WeChat account
   * bound to somebody else meanwhile does not make this browser the phone's user.
   */
  async function userAfter(outcome: BindOutcome, phone: string, pending: PendingIdentity): Promise<User | undefined> {
    if (outcome.ok) return outcome.user;
    if (outcome.reason !== 'wechat_already_bound') return undefined;
    const owner = await deps.users.findByPhone(phone);
    const identity = await deps.identities.findWeChat(pending.subject);
    return owner && owner.status === 'active' && identity?.userId === owner.id ? owner : undefined;
  }

  return {
    step: 'wechat-binding',
    async authenticate({ pendingId, pending, phone, code }, { client }) {
      // The code must have been asked for by this pending identity: a code another browser asked for does not link this one.
      const verified = await checkTypedCode(deps.codes, { phone, code, purpose: 'bind', holder: pendingId });
      if (!verified.ok) return refused('wechat-binding', verified.reason, { attemptsLeft: verified.attemptsLeft, request: pending.request });

      const outcome = await deps.binding.byPhone({ phone: verified.phone, subject: pending.subject, profile: pending.profile });
      const user = await userAfter(outcome, verified.phone, pending);
      if (!user) return refused('wechat-binding', outcome.ok ? 'wechat_already_bound' : outcome.reason, { request: pending.request });
      await deps.pendingIdentities.finish(pendingId);
      if (outcome.ok) {
        if (outcome.userCreated) await deps.audit.record({ type: 'phone.bound', userId: user.id, phone: maskPhone(verified.phone), client });
        await deps.audit.record({ type: 'wechat.bound', userId: user.id, appId: pending.subject.appId, userCreated: outcome.userCreated, client });
      }
      return { kind: 'authenticated', user, method: 'wechat', request: pending.request };
    },
  };
}
