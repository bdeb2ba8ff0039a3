import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../kv/store.js';
import { randomToken } from '../tickets/ids.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import type { IdentityStore, WeChatIdentity, WeChatProfileSnapshot, WeChatSubject } from '../users/identities.js';
import type { WeChatClient, WeChatLang } from '../wechat/client.js';
import { WeChatError } from '../wechat/errors.js';

/** WeChat's `state` and a pending identity live 10 minutes, as WeChat's own code does. */
export const WECHAT_STATE_TTL_SECONDS = 600;
export const PENDING_IDENTITY_TTL_SECONDS = 600;

/** What the sign-in was for, carried through WeChat inside our state record (never inside `state` itself). */
export interface WeChatLoginIntent {
  purpose: 'login' | 'bind';
  /** The CAS login request's query string (service, renew, method), to resume it after the callback. */
  loginQuery: string;
  /** For `bind`: the signed-in user who asked to bind a WeChat account. */
  userId?: string;
}

interface StateRecord {
  browser: string; // sha256 of the browser cookie: the state only works in the browser that started it
  intent: WeChatLoginIntent;
}

/** A WeChat person not bound to any user yet, waiting for a phone number. */
export interface PendingIdentity {
  browser: string;
  subject: WeChatSubject;
  profile: WeChatProfileSnapshot;
  intent: WeChatLoginIntent;
}

export type WeChatCallbackOutcome =
  | { kind: 'bad_state'; reason: 'missing' | 'unknown_or_expired' | 'other_browser' }
  | { kind: 'declined'; intent: WeChatLoginIntent }
  | { kind: 'wechat_error'; error: WeChatError; intent: WeChatLoginIntent }
  | { kind: 'signed_in'; user: User; identity: WeChatIdentity; intent: WeChatLoginIntent }
  | { kind: 'user_disabled'; intent: WeChatLoginIntent }
  | { kind: 'needs_phone'; pendingId: string; pending: PendingIdentity }
  | { kind: 'bind'; subject: WeChatSubject; profile: WeChatProfileSnapshot; intent: WeChatLoginIntent };

export type WeChatLogin = ReturnType<typeof createWeChatLogin>;

/**
 * The WeChat half of sign-in, without HTTP: make `state`, and turn WeChat's callback into an outcome.
 * The callback checks `state` before anything else, trades the code exactly once, reads the profile,
 * then looks the person up by unionid first, then by this app's openid.
 */
export function createWeChatLogin(deps: { kv: KeyValueStore; client: WeChatClient; identities: IdentityStore; users: UserStore }) {
  const { kv, client, identities, users } = deps;

  return {
    client,

    async begin(browserCookie: string, intent: WeChatLoginIntent): Promise<string> {
      const state = randomToken(32);
      const record: StateRecord = { browser: sha256(browserCookie), intent };
      await kv.put(`wx-state:${state}`, record, WECHAT_STATE_TTL_SECONDS);
      return state;
    },

    async callback(input: { state?: string | undefined; code?: string | undefined; browserCookie?: string | undefined; lang: WeChatLang }): Promise<WeChatCallbackOutcome> {
      if (!input.state || !/^[A-Za-z0-9]{16,64}$/.test(input.state)) return { kind: 'bad_state', reason: 'missing' };
      // Taken, not read: a replayed callback (or the same one on two nodes at once) finds nothing the second time.
      const record = await kv.take<StateRecord>(`wx-state:${input.state}`);
      if (!record) return { kind: 'bad_state', reason: 'unknown_or_expired' };
      if (!input.browserCookie || record.browser !== sha256(input.browserCookie)) return { kind: 'bad_state', reason: 'other_browser' };
      const { intent } = record;
      // No code: the person refused on their phone (WeChat's older behaviour redirects with state only).
      if (!input.code) return { kind: 'declined', intent };

      let subject: WeChatSubject;
      let profile: WeChatProfileSnapshot;
      try {
        const tokens = await client.exchangeCode(input.code);
        const info = await client.userInfo(tokens.accessToken, tokens.openid, input.lang);
        subject = { appId: client.appId, openid: tokens.openid, unionid: tokens.unionid ?? info.unionid };
        profile = {
          nickname: info.nickname,
          headimgurl: info.headimgurl,
          sex: info.sex,
          province: info.province,
          city: info.city,
          country: info.country,
        };
      } catch (err) {
        if (err instanceof WeChatError) return { kind: 'wechat_error', error: err, intent };
        throw err;
      }

      if (intent.purpose === 'bind') return { kind: 'bind', subject, profile, intent };

      const identity = await identities.findWeChat(subject);
      if (identity) {
        const user = await users.findById(identity.userId);
        if (!user || user.status !== 'active') return { kind: 'user_disabled', intent };
        await identities.recordSignIn(identity.id, profile);
        const refreshed = await users.update(user.id, {
          ...(profile.nickname ? { displayName: user.displayName ?? profile.nickname } : {}),
          ...(profile.headimgurl ? { avatarUrl: profile.headimgurl } : {}),
        });
        return { kind: 'signed_in', user: refreshed ?? user, identity, intent };
      }

      const pendingId = randomToken(32);
      const pending: PendingIdentity = { browser: record.browser, subject, profile, intent };
      await kv.put(`wx-pending:${pendingId}`, pending, PENDING_IDENTITY_TTL_SECONDS);
      return { kind: 'needs_phone', pendingId, pending };
    },

    /** The pending identity of this browser, if it is still waiting. */
    async pending(pendingId: string | undefined, browserCookie: string | undefined): Promise<PendingIdentity | undefined> {
      if (!pendingId || !/^[A-Za-z0-9]{16,64}$/.test(pendingId) || !browserCookie) return undefined;
      const p = await kv.get<PendingIdentity>(`wx-pending:${pendingId}`);
      return p && p.browser === sha256(browserCookie) ? p : undefined;
    },

    /** Ends a pending identity once it is bound (single use). */
    async finishPending(pendingId: string): Promise<PendingIdentity | undefined> {
      return kv.take<PendingIdentity>(`wx-pending:${pendingId}`);
    },
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
