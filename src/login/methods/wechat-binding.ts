import type { AuditLog } from '../../audit/audit-log.js';
import type { Accounts } from '../../directories/accounts.js';
import type { DirectoryAccount } from '../../directories/directory.js';
import { maskPhone } from '../../sms/mask.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import type { BindOutcome, LinkOutcome, WeChatBinding } from '../../users/binding.js';
import type { IdentityStore } from '../../users/identities.js';
import { hasPassword } from '../../users/password-policy.js';
import type { UserStore } from '../../users/store.js';
import type { User } from '../../users/types.js';
import { type AttemptContext, type Authenticator, type AuthOutcome, type ClientInfo, refused } from '../outcome.js';
import { checkTypedCode } from './codes.js';
import { checkAccountPassword, type PasswordCheckDeps } from './password.js';
import type { PendingIdentities, PendingIdentity } from './wechat.js';

/** A pending WeChat person proves which existing account is theirs: by a phone number and its SMS code, or by the account's own login name and password. */
export type BindingCredentials = { pendingId: string; pending: PendingIdentity } & (
  | { by: 'phone'; phone: string; code: string }
  | { by: 'password'; username: string; password: string }
);

type Bound = { ok: true; user: User; userCreated: boolean; newLink: boolean } | (LinkOutcome & { ok: false }) | (BindOutcome & { ok: false });

/**
 * The step that completes a new WeChat person's sign-in: the WeChat account is linked to the account the person
 * proved is theirs, in whichever directory holds it, and they are signed in as that account. A phone number nobody
 * has makes a new wecas account (as before); a login name must name an existing account.
 */
export function createWeChatBindingAuthenticator(
  deps: {
    codes: VerificationCodes;
    binding: WeChatBinding;
    accounts: Accounts;
    users: UserStore;
    identities: IdentityStore;
    pendingIdentities: PendingIdentities;
    audit: AuditLog;
    /** SMS_LOGIN_PASSWORD_ACCOUNTS: `password` asks the password of every account that has one, proved number or not. */
    passwordAccounts?: 'code' | 'proven' | 'password';
  } & PasswordCheckDeps,
): Authenticator<'wechat-binding', BindingCredentials> {
  /**
   * Whether a bind that lost a race still signs in: it does when this WeChat account was bound to this very user a
   * moment ago (e.g. in another tab); a WeChat account bound to somebody else meanwhile does not make this browser
   * that user.
   */
  async function boundMeanwhileTo(user: User | undefined, pending: PendingIdentity): Promise<boolean> {
    if (user?.status !== 'active') return false;
    const identity = await deps.identities.findWeChat(pending.subject);
    return identity?.userId === user.id;
  }

  async function settle(outcome: BindOutcome | LinkOutcome, user: () => Promise<User | undefined>, pending: PendingIdentity): Promise<Bound> {
    if (outcome.ok) {
      const bound = 'user' in outcome ? outcome.user : await user();
      return bound
        ? { ok: true, user: bound, userCreated: 'userCreated' in outcome && outcome.userCreated, newLink: true }
        : { ok: false, reason: 'wechat_already_bound' };
    }
    const owner = outcome.reason === 'wechat_already_bound' ? await user() : undefined;
    if (owner && (await boundMeanwhileTo(owner, pending))) return { ok: true, user: owner, userCreated: false, newLink: false };
    return outcome;
  }

  /** Links the pending WeChat person to an existing account's wecas record (made the first time a directory account is used). */
  async function linkTo(account: DirectoryAccount, pending: PendingIdentity): Promise<Bound> {
    const user = await deps.accounts.recordOf(account);
    const linked = await deps.binding.toUser({ userId: user.id, subject: pending.subject, profile: pending.profile });
    return settle(linked, async () => user, pending);
  }

  async function byPhone(credentials: BindingCredentials & { by: 'phone' }, { client }: AttemptContext): Promise<AuthOutcome<'wechat-binding'>> {
    const { pendingId, pending } = credentials;
    // The code must have been asked for by this pending identity: a code another browser asked for does not link this one.
    const verified = await checkTypedCode(deps.codes, { phone: credentials.phone, code: credentials.code, purpose: 'bind', holder: pendingId });
    if (!verified.ok) return refused('wechat-binding', verified.reason, { attemptsLeft: verified.attemptsLeft, request: pending.request });

    const found = await deps.accounts.findByPhone(verified.phone);
    if (found?.disabled) return refused('wechat-binding', 'phone_user_disabled', { request: pending.request });
    // A number re-issued by the carrier (二次放号) must not hand over an account with a password: where the number was
    // put on the account (an import, an administrator, the directory) and never used to sign in to it, or where
    // SMS_LOGIN_PASSWORD_ACCOUNTS=password, linking by phone needs the account's password (the form beside this one).
    if (found) {
      const record =
        found.directory === 'local' ? await deps.users.findById(found.id) : await deps.users.findByDirectoryId(found.directory, found.id);
      const proved = record?.provedPhone === verified.phone && deps.passwordAccounts !== 'password';
      if (hasPassword(found, { hasPassword: record?.hasPassword ?? false }) && !proved)
        return refused('wechat-binding', 'password_required', { ...(record ? { userId: record.id } : {}), request: pending.request });
    }
    // A directory account is linked as it is; wecas's own accounts (and a number nobody has, which makes one) bind in
    // one transaction that re-reads the number's owner.
    const bound =
      found && found.directory !== 'local'
        ? await linkTo(found, pending)
        : await settle(
            await deps.binding.byPhone({ phone: verified.phone, subject: pending.subject, profile: pending.profile }),
            async () => (await deps.users.findByPhone(verified.phone)) ?? undefined,
            pending,
          );
    if (!bound.ok) return refused('wechat-binding', bound.reason, { request: pending.request });
    if (bound.userCreated) await deps.audit.record({ type: 'phone.bound', userId: bound.user.id, phone: maskPhone(verified.phone), client });
    if (bound.user.provedPhone !== verified.phone) await deps.users.markPhoneProved(bound.user.id, verified.phone);
    return signIn(credentials, bound, client);
  }

  async function byPassword(
    credentials: BindingCredentials & { by: 'password' },
    { client }: AttemptContext,
  ): Promise<AuthOutcome<'wechat-binding'>> {
    const { pending } = credentials;
    const checked = await checkAccountPassword(deps, credentials, client);
    if (!checked.ok) {
      const { ok: _, reason, ...details } = checked;
      return refused('wechat-binding', reason, { ...details, request: pending.request });
    }
    const bound = await linkTo(checked.account, pending);
    if (!bound.ok) return refused('wechat-binding', bound.reason, { userId: checked.user.id, request: pending.request });
    return signIn(credentials, bound, client);
  }

  async function signIn(credentials: BindingCredentials, bound: Bound & { ok: true }, client: ClientInfo): Promise<AuthOutcome<'wechat-binding'>> {
    const account = await deps.accounts.accountOf(bound.user);
    if (!account || account.disabled) return refused('wechat-binding', 'disabled', { userId: bound.user.id, request: credentials.pending.request });
    await deps.pendingIdentities.finish(credentials.pendingId);
    if (bound.newLink)
      await deps.audit.record({
        type: 'wechat.bound',
        userId: bound.user.id,
        appId: credentials.pending.subject.appId,
        userCreated: bound.userCreated,
        by: credentials.by,
        ...(account.directory !== 'local' ? { directory: account.directory } : {}),
        client,
      });
    return { kind: 'authenticated', user: bound.user, account, method: 'wechat', request: credentials.pending.request };
  }

  return {
    step: 'wechat-binding',
    authenticate: (credentials, attempt) => (credentials.by === 'phone' ? byPhone(credentials, attempt) : byPassword(credentials, attempt)),
  };
}
