import type { LoginRequest } from '../../cas/login-request.js';
import type { Accounts } from '../../directories/accounts.js';
import type { KeyValueStore } from '../../kv/store.js';
import { randomToken } from '../../tickets/ids.js';
import type { IdentityStore, WeChatProfileSnapshot, WeChatSubject } from '../../users/identities.js';
import type { UserStore } from '../../users/store.js';
import type { OfficialAccountScope, WeChatClient, WeChatLang } from '../../wechat/client.js';
import { isCodeRefusal, WeChatError } from '../../wechat/errors.js';
import { type AttemptContext, type Authenticator, refused } from '../outcome.js';
import { createBrowserStates, hashBrowser } from './browser-states.js';

/** WeChat's `state` and a pending identity live 10 minutes, as WeChat's own code does. */
export const WECHAT_STATE_TTL_SECONDS = 600;
export const PENDING_IDENTITY_TTL_SECONDS = 600;

/**
 * What a code from WeChat looks like: WeChat's are 32 letters and digits (docs/wechat-open-platform.md §5.2, observed,
 * not documented), so 16 to 64 leaves room for a change of length and none for anything else.
 */
const WECHAT_CODE = /^[0-9A-Za-z]{16,64}$/;

/**
 * What a trip to WeChat is for, kept server-side with its `state` (never inside `state` itself): a sign-in, which
 * resumes its CAS login request afterwards, or linking another WeChat account to a signed-in user.
 */
export type WeChatIntent = { purpose: 'login'; request: LoginRequest } | { purpose: 'link'; userId: string };

/**
 * Where the person went to WeChat: the website app's QR, or (inside WeChat's browser) the Official Account's web
 * authorization with a scope. The callback trades the code with that app's own credentials.
 */
export type WeChatChannel = { app: 'website' } | { app: 'official-account'; scope: OfficialAccountScope };

interface StateRecord {
  intent: WeChatIntent;
  channel?: WeChatChannel; // absent in states made before Official Accounts: the website app
}

/** A WeChat person as WeChat's callback tells us: who (the subject) and what they look like (the profile). */
export interface WeChatPerson {
  subject: WeChatSubject;
  profile: WeChatProfileSnapshot;
}

/** A WeChat person not linked to any account yet, waiting (bound to one browser) for the binding step. */
export interface PendingIdentity extends WeChatPerson {
  browser: string;
  request: LoginRequest;
}

/** WeChat's redirect back to us: `state` and `code` as given, and the language the profile is read in. */
export interface WeChatCallback {
  state: string | undefined;
  code: string | undefined;
  lang: WeChatLang;
}

/** Who the callback says it is: a silent (`snsapi_base`) authorization tells the openid only, no profile. */
export interface IdentifiedPerson {
  subject: WeChatSubject;
  profile: WeChatProfileSnapshot | undefined;
}

/** Whether WeChat told the profile too (every authorization but an Official Account's silent one). */
export function withProfile(person: IdentifiedPerson): person is WeChatPerson {
  return person.profile !== undefined;
}

export type Identification<P extends WeChatIntent['purpose']> =
  | { ok: true; person: IdentifiedPerson; intent: Extract<WeChatIntent, { purpose: P }>; channel: WeChatChannel }
  | {
      ok: false;
      reason: 'state_missing' | 'state_unknown_or_expired' | 'state_other_browser' | 'declined' | 'code_refused' | 'wechat_error' | 'snapshot_user';
      intent?: Extract<WeChatIntent, { purpose: P }>;
      error?: WeChatError;
    };

export type WeChatIdentification = ReturnType<typeof createWeChatIdentification>;

/**
 * The WeChat half of every WeChat flow, without HTTP: make `state`, and turn WeChat's callback into a person.
 * The callback checks `state` before anything else (taken, so it works once), trades the code exactly once and
 * reads the profile.
 */
export function createWeChatIdentification({
  kv,
  client,
  officialAccount,
}: {
  kv: KeyValueStore;
  client: WeChatClient;
  /** The 服务号's client, when one is configured (sign-in inside WeChat's browser). */
  officialAccount?: WeChatClient | undefined;
}) {
  const states = createBrowserStates<StateRecord>(kv, 'wx-state:', WECHAT_STATE_TTL_SECONDS);
  const clientOf = (channel: WeChatChannel | undefined) => (channel?.app === 'official-account' ? officialAccount : client);
  return {
    client,
    officialAccount,

    async begin(browserId: string, intent: WeChatIntent, channel: WeChatChannel = { app: 'website' }): Promise<string> {
      return states.begin(browserId, { intent, channel });
    },

    async identify<P extends WeChatIntent['purpose']>(
      purpose: P,
      callback: WeChatCallback,
      browserId: string | undefined,
    ): Promise<Identification<P>> {
      const claimed = await states.claim(callback.state, browserId, (record) => record.intent.purpose === purpose);
      if (!claimed.ok) return { ok: false, reason: claimed.reason };
      const record = claimed.value;
      const intent = record.intent as Extract<WeChatIntent, { purpose: P }>;
      // No code: the person refused on their phone (WeChat's older behaviour redirects with state only).
      if (!callback.code) return { ok: false, reason: 'declined', intent };
      // A code WeChat never issues (another alphabet, another length, 16 KB of it) does not go to WeChat at all.
      if (!WECHAT_CODE.test(callback.code)) return { ok: false, reason: 'code_refused', intent };
      const channel = record.channel ?? { app: 'website' };
      const app = clientOf(channel);
      // A state made for an Official Account that has since been unconfigured: start again.
      if (!app) return { ok: false, reason: 'state_unknown_or_expired', intent };
      try {
        const tokens = await app.exchangeCode(callback.code);
        // A snapshot page's openid stands for nobody: it must not create, link or sign in an account.
        if (tokens.snapshotUser) return { ok: false, reason: 'snapshot_user', intent };
        const subject = { appId: app.appId, openid: tokens.openid, unionid: tokens.unionid };
        // A silent authorization's token may not read the profile (WeChat answers 48001).
        if (channel.app === 'official-account' && channel.scope === 'snsapi_base')
          return { ok: true, intent, channel, person: { subject, profile: undefined } };
        const info = await app.userInfo(tokens.accessToken, tokens.openid, callback.lang);
        const { nickname, headimgurl, sex, province, city, country } = info;
        return {
          ok: true,
          intent,
          channel,
          person: {
            subject: { ...subject, unionid: tokens.unionid ?? info.unionid },
            profile: { nickname, headimgurl, sex, province, city, country },
          },
        };
      } catch (err) {
        // WeChat refusing the code (a reloaded callback, a used or forged code) is the request's fault, not WeChat's.
        if (err instanceof WeChatError) return { ok: false, reason: isCodeRefusal(err.kind) ? 'code_refused' : 'wechat_error', intent, error: err };
        throw err;
      }
    },
  };
}

/** Pending identities: kept server-side under a random id (the browser holds only the id, in a cookie). */
export function createPendingIdentities(kv: KeyValueStore) {
  return {
    async hold(person: WeChatPerson, browserId: string, request: LoginRequest): Promise<{ pendingId: string; pending: PendingIdentity }> {
      const pendingId = randomToken(32);
      const pending: PendingIdentity = { ...person, browser: hashBrowser(browserId), request };
      await kv.put(`wx-pending:${pendingId}`, pending, PENDING_IDENTITY_TTL_SECONDS);
      return { pendingId, pending };
    },

    /** The pending identity of this browser, if it is still waiting. */
    async find(pendingId: string | undefined, browserId: string | undefined): Promise<PendingIdentity | undefined> {
      if (!pendingId || !/^[A-Za-z0-9]{16,64}$/.test(pendingId) || !browserId) return undefined;
      const pending = await kv.get<PendingIdentity>(`wx-pending:${pendingId}`);
      return pending && pending.browser === hashBrowser(browserId) ? pending : undefined;
    },

    /** Ends a pending identity once it is bound (single use). */
    async finish(pendingId: string): Promise<void> {
      await kv.take(`wx-pending:${pendingId}`);
    },
  };
}

export type PendingIdentities = ReturnType<typeof createPendingIdentities>;

/**
 * WeChat sign-in (the website QR, or an Official Account inside WeChat): the callback's person, looked up by
 * unionid first, then by this app's openid. A known, active person is authenticated (their nickname and avatar
 * refreshed); an unknown one waits, pending, for the binding step, once WeChat told their profile.
 */
export function createWeChatAuthenticator(deps: {
  identification: WeChatIdentification;
  pendingIdentities: PendingIdentities;
  identities: IdentityStore;
  users: UserStore;
  accounts: Accounts;
}): Authenticator<'wechat', WeChatCallback> {
  return {
    step: 'wechat',
    async authenticate(callback: WeChatCallback, { browserId }: AttemptContext) {
      const identified = await deps.identification.identify('login', callback, browserId);
      if (!identified.ok) {
        const { reason, intent, error } = identified;
        return refused('wechat', reason, {
          ...(intent ? { request: intent.request } : {}),
          ...(error
            ? {
                wechatError: { kind: error.kind, endpoint: error.endpoint, errcode: error.errcode ?? null },
                retryHelps: error.kind !== 'misconfigured',
              }
            : {}),
          // A snapshot page cannot sign in however often it is tried: the full page can.
          ...(reason === 'snapshot_user' ? { retryHelps: false } : {}),
        });
      }
      const { person, intent } = identified;
      const identity = await deps.identities.findWeChat(person.subject);
      if (!identity) {
        // Unknown after a silent authorization: ask WeChat for the profile (and unionid) before anything else.
        if (!withProfile(person)) return { kind: 'needs_profile', request: intent.request };
        return { kind: 'needs_binding', ...(await deps.pendingIdentities.hold(person, browserId!, intent.request)) };
      }
      const user = await deps.users.findById(identity.userId);
      // The linked account is read again from its directory: one disabled or removed there does not sign in here.
      const account = user ? await deps.accounts.accountOf(user) : undefined;
      if (!user || !account || account.disabled || user.status !== 'active')
        return refused('wechat', 'disabled', { request: intent.request, retryHelps: false, ...(user ? { userId: user.id } : {}) });
      // Found by unionid through another app (a PC scan, then a tap inside WeChat): this app's openid joins the
      // same account, so the next silent authorization knows the person without asking for the profile.
      if (identity.appId !== person.subject.appId && withProfile(person)) await deps.identities.addForApp(identity.userId, person);
      await deps.identities.recordSignIn(identity.id, person.profile);
      const refreshed = withProfile(person)
        ? await deps.users.update(user.id, {
            ...(person.profile.nickname ? { displayName: user.displayName ?? person.profile.nickname } : {}),
            ...(person.profile.headimgurl ? { avatarUrl: person.profile.headimgurl } : {}),
          })
        : user;
      return { kind: 'authenticated', user: refreshed ?? user, account, method: 'wechat', request: intent.request };
    },
  };
}
