import type { AuditLog, ClientInfo } from '../audit/audit-log.js';
import type { Accounts } from '../directories/accounts.js';
import { DirectoryUnavailable } from '../directories/directory.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { TicketGrantingTicket } from '../tickets/types.js';
import type { WeChatBinding } from '../users/binding.js';
import type { IdentityStore, WeChatIdentity, WeComLink } from '../users/identities.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import { type WeChatCallback, type WeChatIdentification, withProfile } from './methods/wechat.js';

export interface AccountView {
  user: User;
  /**
   * The account in another directory this record stands for: the directory's name, and the login, name and phone it
   * holds there, read now (`found`); or only the directory's name when it cannot answer now (`unavailable`: the
   * page still shows the rest) or no longer has the account (`gone`). Undefined for wecas's own accounts.
   */
  directoryAccount:
    | { directory: string; status: 'found' | 'unavailable' | 'gone'; login: string | null; displayName: string | null; phone: string | null }
    | undefined;
  identities: WeChatIdentity[];
  /** The WeCom members linked to the account. */
  wecom: WeComLink[];
  sessions: Array<TicketGrantingTicket & { current: boolean }>;
}

/** Why linking another WeChat account from the account page did not happen. */
export type LinkRefusal = 'user_has_other_wechat' | 'wechat_already_bound' | 'not_linked';

export type Account = ReturnType<typeof createAccount>;

/** The signed-in person's own account: what it holds, its WeChat links and its sessions. Knows nothing of HTTP. */
export function createAccount(deps: {
  users: UserStore;
  accounts: Pick<Accounts, 'accountOf'>;
  identities: IdentityStore;
  sessions: SsoSessions;
  binding: WeChatBinding;
  audit: AuditLog;
  /** Absent when WeChat sign-in is not configured. */
  wechat: WeChatIdentification | undefined;
}) {
  const { users, identities, sessions, audit } = deps;

  async function directoryAccountOf(user: User): Promise<AccountView['directoryAccount']> {
    if (user.directory === 'local') return undefined;
    const unread = { directory: user.directory, login: null, displayName: null, phone: null };
    try {
      const account = await deps.accounts.accountOf(user);
      if (!account) return { ...unread, status: 'gone' };
      return { directory: user.directory, status: 'found', login: account.login, displayName: account.displayName, phone: account.phone };
    } catch (err) {
      if (err instanceof DirectoryUnavailable) return { ...unread, status: 'unavailable' };
      throw err;
    }
  }

  return {
    canLinkWeChat: deps.wechat !== undefined,

    async view(session: TicketGrantingTicket): Promise<AccountView | undefined> {
      const user = await users.findById(session.userId);
      if (!user) return undefined;
      const live = await sessions.sessionsOf(user.id);
      return {
        user,
        directoryAccount: await directoryAccountOf(user),
        identities: await identities.listForUser(user.id),
        wecom: await identities.listWeComForUser(user.id),
        sessions: live.map((s) => ({ ...s, current: s.id === session.id })),
      };
    },

    /** Unlinking must leave a way back in: a phone (SMS code), a password, or the account's directory (its password there). */
    async unlinkWeChat(userId: string, identityId: string, client: ClientInfo): Promise<'unlinked' | 'cannot_unbind' | 'not_found'> {
      const user = await users.findById(userId);
      if (!user) return 'not_found';
      if (!user.phone && !user.hasPassword && user.directory === 'local') return 'cannot_unbind';
      if (!(await identities.unbind(user.id, identityId))) return 'not_found';
      await audit.record({ type: 'wechat.unbound', userId: user.id, client });
      return 'unlinked';
    },

    /** A WeCom link goes as a WeChat one does, leaving a way back in. */
    async unlinkWeCom(userId: string, identityId: string, client: ClientInfo): Promise<'unlinked' | 'cannot_unbind' | 'not_found'> {
      const user = await users.findById(userId);
      if (!user) return 'not_found';
      if (!user.phone && !user.hasPassword && user.directory === 'local') return 'cannot_unbind';
      const link = await identities.unbindWeCom(user.id, identityId);
      if (!link) return 'not_found';
      await audit.record({ type: 'wecom.unbound', userId: user.id, corpId: link.corpId, userid: link.userid, client });
      return 'unlinked';
    },

    /** The `state` of a trip to WeChat that links the account scanned to this user. */
    async beginWeChatLink(userId: string, browserId: string): Promise<string | undefined> {
      return deps.wechat?.begin(browserId, { purpose: 'link', userId });
    },

    /** WeChat's callback of a link: the person scanned joins the signed-in user, if the trip was this user's. */
    async completeWeChatLink(
      session: TicketGrantingTicket,
      callback: WeChatCallback,
      browserId: string | undefined,
      client: ClientInfo,
    ): Promise<'linked' | LinkRefusal> {
      if (!deps.wechat) return 'not_linked';
      const identified = await deps.wechat.identify('link', callback, browserId);
      if (!identified.ok || identified.intent.userId !== session.userId || !withProfile(identified.person)) return 'not_linked';
      const linked = await deps.binding.toUser({ userId: session.userId, ...identified.person });
      if (!linked.ok) return linked.reason;
      await audit.record({ type: 'wechat.bound', userId: session.userId, appId: identified.person.subject.appId, via: 'account', client });
      return 'linked';
    },

    /** "Sign out everywhere": every session of the user ends, and its applications are told. */
    async signOutEverywhere(userId: string, client: ClientInfo): Promise<void> {
      await sessions.endAll(userId);
      await audit.record({ type: 'logout', userId, everywhere: true, client });
    },
  };
}
