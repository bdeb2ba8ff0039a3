import type { AuditLog, ClientInfo } from '../audit/audit-log.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { TicketGrantingTicket } from '../tickets/types.js';
import type { WeChatBinding } from '../users/binding.js';
import type { IdentityStore, WeChatIdentity } from '../users/identities.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import { type WeChatCallback, type WeChatIdentification, withProfile } from './methods/wechat.js';

export interface AccountView {
  user: User;
  identities: WeChatIdentity[];
  sessions: Array<TicketGrantingTicket & { current: boolean }>;
}

/** Why linking another WeChat account from the account page did not happen. */
export type LinkRefusal = 'user_has_other_wechat' | 'wechat_already_bound' | 'not_linked';

export type Account = ReturnType<typeof createAccount>;

/** The signed-in person's own account: what it holds, its WeChat links and its sessions. Knows nothing of HTTP. */
export function createAccount(deps: {
  users: UserStore;
  identities: IdentityStore;
  sessions: SsoSessions;
  binding: WeChatBinding;
  audit: AuditLog;
  /** Absent when WeChat sign-in is not configured. */
  wechat: WeChatIdentification | undefined;
}) {
  const { users, identities, sessions, audit } = deps;

  return {
    canLinkWeChat: deps.wechat !== undefined,

    async view(session: TicketGrantingTicket): Promise<AccountView | undefined> {
      const user = await users.findById(session.userId);
      if (!user) return undefined;
      const live = await sessions.sessionsOf(user.id);
      return { user, identities: await identities.listForUser(user.id), sessions: live.map((s) => ({ ...s, current: s.id === session.id })) };
    },

    /** Unlinking must leave a way back in: a phone (SMS code) or a password. */
    async unlinkWeChat(userId: string, identityId: string, client: ClientInfo): Promise<'unlinked' | 'cannot_unbind' | 'not_found'> {
      const user = await users.findById(userId);
      if (!user) return 'not_found';
      if (!user.phone && !user.hasPassword) return 'cannot_unbind';
      if (!(await identities.unbind(user.id, identityId))) return 'not_found';
      await audit.record({ type: 'wechat.unbound', userId: user.id, client });
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
