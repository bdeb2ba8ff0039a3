import type { LoginRequest } from '../../cas/login-request.js';
import type { Accounts } from '../../directories/accounts.js';
import type { KeyValueStore } from '../../kv/store.js';
import { randomToken } from '../../tickets/ids.js';
import type { IdentityStore } from '../../users/identities.js';
import type { UserStore } from '../../users/store.js';
import type { WeComClient } from '../../wecom/client.js';
import { WeComError } from '../../wecom/errors.js';
import { type Authenticator, refused } from '../outcome.js';
import { createBrowserStates, hashBrowser } from './browser-states.js';

/** A WeCom `state` lives 10 minutes, as WeChat's does; WeCom's own code lives 5. */
export const WECOM_STATE_TTL_SECONDS = 600;

/** Where the person went: WeCom's web login (a QR, from a computer), or the silent authorization inside the WeCom app. */
export type WeComChannel = 'web' | 'app';

interface WeComStateRecord {
  request: LoginRequest;
  channel: WeComChannel;
}

/** A member who signed in with WeCom but is no account's login yet: kept server-side, bound to one browser. */
export interface PendingWeComMember {
  corpId: string;
  userid: string;
  name: string;
  request: LoginRequest;
  browser: string;
}

export type PendingWeComMembers = ReturnType<typeof createPendingWeComMembers>;

/** Pending WeCom members, under a random id (the browser holds only the id, in a cookie), 10 minutes, finished once bound. */
export function createPendingWeComMembers(kv: KeyValueStore) {
  return {
    async hold(member: Omit<PendingWeComMember, 'browser'>, browserId: string): Promise<{ pendingId: string; member: PendingWeComMember }> {
      const pendingId = randomToken(32);
      const pending = { ...member, browser: hashBrowser(browserId) };
      await kv.put(`wecom-pending:${pendingId}`, pending, WECOM_STATE_TTL_SECONDS);
      return { pendingId, member: pending };
    },
    async find(pendingId: string | undefined, browserId: string | undefined): Promise<PendingWeComMember | undefined> {
      if (!pendingId || !/^[A-Za-z0-9]{16,64}$/.test(pendingId) || !browserId) return undefined;
      const pending = await kv.get<PendingWeComMember>(`wecom-pending:${pendingId}`);
      return pending && pending.browser === hashBrowser(browserId) ? pending : undefined;
    },
    async finish(pendingId: string): Promise<void> {
      await kv.take(`wecom-pending:${pendingId}`);
    },
  };
}

/** WeCom's redirect back to us. */
export interface WeComCallback {
  state: string | undefined;
  code: string | undefined;
}

export type WeComStates = ReturnType<typeof createWeComStates>;

/** The `state` of a trip to WeCom: browser-bound, single use, as WeChat's (browser-states.ts). */
export function createWeComStates(kv: KeyValueStore) {
  const states = createBrowserStates<WeComStateRecord>(kv, 'wecom-state:', WECOM_STATE_TTL_SECONDS);
  return {
    begin: (browserId: string, request: LoginRequest, channel: WeComChannel) => states.begin(browserId, { request, channel }),
    claim: (state: string | undefined, browserId: string | undefined) => states.claim(state, browserId),
  };
}

/** WeCom's failures the person is told about by name; every other failure is "WeCom could not be reached". */
const REASON_OF_KIND = { code_invalid: 'code_invalid', ip_not_trusted: 'ip_not_trusted', not_visible: 'not_visible' } as const;

/**
 * WeCom sign-in: the callback's code → the member's userid (auth/getuserinfo) → the member as the app may read
 * them (user/get, which also says whether the member is in the app's visible range). A member linked before signs
 * in; otherwise the userid is looked up as an account's login (the 工号, WECOM_USERID_ATTRIBUTE=login) and, when
 * one matches, linked. A userid that matches no account waits, pending, for the binding step (wecom-binding.ts).
 * Someone who is not a member (an openid) or outside the visible range is refused, and nothing is written.
 */
export function createWeComAuthenticator(deps: {
  client: WeComClient;
  states: WeComStates;
  identities: IdentityStore;
  users: UserStore;
  accounts: Accounts;
  userIdAttribute: 'login' | 'none';
  pendingMembers: PendingWeComMembers;
}): Authenticator<'wecom', WeComCallback> {
  const { client } = deps;
  return {
    step: 'wecom',
    async authenticate(callback, { browserId }) {
      const claimed = await deps.states.claim(callback.state, browserId);
      if (!claimed.ok) return refused('wecom', claimed.reason);
      const { request } = claimed.value;
      if (!callback.code) return refused('wecom', 'declined', { request });
      let member: Awaited<ReturnType<WeComClient['member']>>;
      try {
        const identity = await client.identify(callback.code);
        if (!identity.member) return refused('wecom', 'not_member', { request, retryHelps: false });
        member = await client.member(identity.userid);
      } catch (err) {
        if (!(err instanceof WeComError)) throw err;
        const reason = (REASON_OF_KIND as Record<string, 'code_invalid' | 'ip_not_trusted' | 'not_visible'>)[err.kind] ?? 'wecom_error';
        return refused('wecom', reason, {
          request,
          wecomError: { kind: err.kind, endpoint: err.endpoint, errcode: err.errcode ?? null },
          // Only a fresh code or a WeCom that answers again can help; our configuration and WeCom's lists cannot change by trying.
          retryHelps: reason === 'code_invalid' || err.kind === 'unavailable' || err.kind === 'system_error' || err.kind === 'rate_limited',
        });
      }
      const linked = await deps.identities.findWeCom(client.corpId, member.userid);
      if (linked) {
        const user = await deps.users.findById(linked.userId);
        const account = user ? await deps.accounts.accountOf(user) : undefined;
        if (!user || !account || account.disabled || user.status !== 'active')
          return refused('wecom', 'disabled', { request, retryHelps: false, ...(user ? { userId: user.id } : {}) });
        await deps.identities.recordWeComSignIn(linked.id, member.name);
        return { kind: 'authenticated', user, account, method: 'wecom', request };
      }
      const account = deps.userIdAttribute === 'login' ? await deps.accounts.findByLogin(member.userid) : undefined;
      // Nobody's login: the member proves which account is theirs by its phone, once (the binding step).
      if (!account) {
        const held = await deps.pendingMembers.hold({ corpId: client.corpId, userid: member.userid, name: member.name, request }, browserId!);
        return { kind: 'needs_binding', ...held };
      }
      const user = await deps.accounts.recordOf(account);
      if (account.disabled || user.status !== 'active') return refused('wecom', 'disabled', { request, retryHelps: false, userId: user.id });
      await deps.identities.linkWeCom(user.id, { corpId: client.corpId, userid: member.userid, name: member.name });
      return { kind: 'authenticated', user, account, method: 'wecom', request };
    },
  };
}
