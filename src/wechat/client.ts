import { type ApiCallObservation, createJsonApi } from '../weixin/json-api.js';
import { WeChatError } from './errors.js';

/** Where and as whom to talk to WeChat; base URLs point at the emulator in development and tests. */
export interface WeChatClientConfig {
  appId: string;
  appSecret: string;
  /** `https://open.weixin.qq.com` in production. */
  openBaseUrl: string;
  /** `https://api.weixin.qq.com` in production. */
  apiBaseUrl: string;
  timeoutMs: number;
}

export interface WeChatTokens {
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  openid: string;
  scope: string;
  unionid?: string;
  /**
   * An Official Account's `snsapi_base` answered for someone reading WeChat's snapshot of a page (朋友圈 "快照页"):
   * the openid is a stand-in for this visit, not the person's.
   */
  snapshotUser?: true;
}

/** An Official Account's web-authorization scopes: silent (openid only), or asking for the profile and unionid. */
export type OfficialAccountScope = 'snsapi_base' | 'snsapi_userinfo';

export interface WeChatProfile {
  openid: string;
  unionid?: string;
  nickname: string;
  sex: number;
  province: string;
  city: string;
  country: string;
  headimgurl: string;
  privilege: string[];
}

export type WeChatLang = 'zh_CN' | 'zh_TW' | 'en';

export interface WeChatClient {
  readonly appId: string;
  /** The origin of WeChat's QR pages (what a page embedding the QR must allow as a frame source). */
  readonly openOrigin: string;
  /** The full-page QR login URL (qrconnect), with WeChat's customary `#wechat_redirect`. */
  authorizeUrl(input: { redirectUri: string; state: string; lang?: 'cn' | 'en' }): string;
  /** Settings for the embedded QR (wxLogin.js) on our own login page. */
  embedSettings(input: { redirectUri: string; state: string; lang?: 'cn' | 'en' }): { scriptUrl: string; iframeUrl: string; origin: string };
  /** An Official Account's web authorization, for WeChat's own browser (`connect/oauth2/authorize`). */
  officialAccountAuthorizeUrl(input: { redirectUri: string; state: string; scope: OfficialAccountScope }): string;
  exchangeCode(code: string): Promise<WeChatTokens>;
  refresh(refreshToken: string): Promise<WeChatTokens>;
  checkToken(accessToken: string, openid: string): Promise<boolean>;
  userInfo(accessToken: string, openid: string, lang?: WeChatLang): Promise<WeChatProfile>;
}

type Fetch = typeof fetch;

/** One finished API call, for metrics: `errcode` is `0` on success, WeChat's errcode, or the failure kind (`unavailable`, `malformed`). */
export type WeChatCallObservation = ApiCallObservation;

/**
 * The WeChat Open Platform website-login client (snsapi_login). Every call has a timeout. Retries: a code
 * exchange is never retried (a code works once: a retry after a lost answer gets 40163 and hides the real
 * outcome); refresh, auth check and userinfo are retried once on a transient failure, since repeating them
 * changes nothing at WeChat. Secrets and tokens never go into error messages.
 */
export function createWeChatClient(
  config: WeChatClientConfig,
  fetchImpl: Fetch = fetch,
  observe?: (call: WeChatCallObservation) => void,
): WeChatClient {
  const open = config.openBaseUrl.replace(/\/+$/, '');

  const call = createJsonApi({
    baseUrl: config.apiBaseUrl,
    timeoutMs: config.timeoutMs,
    fetch: fetchImpl,
    failure: (kind, endpoint, message) => new WeChatError(kind, endpoint, message),
    refusal: (endpoint, errcode, errmsg) => WeChatError.fromErrcode(endpoint, errcode, errmsg),
    observe,
  });

  async function callWithOneRetry(endpoint: string, params: Record<string, string>) {
    try {
      return await call(endpoint, params);
    } catch (err) {
      if (err instanceof WeChatError && err.transient) return call(endpoint, params);
      throw err;
    }
  }

  function tokensFrom(endpoint: string, b: Record<string, unknown>): WeChatTokens {
    const accessToken = str(b.access_token);
    const refreshToken = str(b.refresh_token);
    const openid = str(b.openid);
    if (!accessToken || !refreshToken || !openid)
      throw new WeChatError('malformed', endpoint, `${endpoint} answered without access_token, refresh_token or openid`);
    const unionid = str(b.unionid);
    return {
      accessToken,
      refreshToken,
      openid,
      expiresIn: typeof b.expires_in === 'number' ? b.expires_in : 7200,
      scope: str(b.scope) ?? '',
      ...(unionid ? { unionid } : {}),
      ...(b.is_snapshotuser === 1 ? { snapshotUser: true as const } : {}),
    };
  }

  function qrconnectUrl(input: { redirectUri: string; state: string; lang?: 'cn' | 'en' }, extra: Record<string, string> = {}): string {
    const q = new URLSearchParams({
      appid: config.appId,
      redirect_uri: input.redirectUri,
      response_type: 'code',
      scope: 'snsapi_login',
      state: input.state,
      ...(input.lang === 'en' ? { lang: 'en' } : {}),
      ...extra,
    });
    return `${open}/connect/qrconnect?${q}`;
  }

  return {
    appId: config.appId,
    openOrigin: new URL(open).origin,
    authorizeUrl: (input) => `${qrconnectUrl(input)}#wechat_redirect`,
    officialAccountAuthorizeUrl(input) {
      // WeChat wants these parameters in this order, and the fragment, or its page fails on some clients.
      const q = new URLSearchParams({
        appid: config.appId,
        redirect_uri: input.redirectUri,
        response_type: 'code',
        scope: input.scope,
        state: input.state,
      });
      return `${open}/connect/oauth2/authorize?${q}#wechat_redirect`;
    },
    embedSettings(input) {
      // What wxLogin.js builds (docs/wechat-open-platform.md §4): no response_type, login_type=jssdk. self_redirect=false: WeChat moves
      // the top window to our callback, whose answer (a redirect to the application) must not land in the iframe.
      const q = new URLSearchParams({
        appid: config.appId,
        scope: 'snsapi_login',
        redirect_uri: input.redirectUri,
        state: input.state,
        login_type: 'jssdk',
        self_redirect: 'false',
        styletype: '',
        sizetype: '',
        bgcolor: '',
        rst: '',
        stylelite: '1',
        ...(input.lang === 'en' ? { lang: 'en' } : {}),
      });
      return {
        scriptUrl: `${open}/connect/${input.lang === 'en' ? 'en' : 'zh_CN'}/htmledition/js/wxLogin.js`,
        iframeUrl: `${open}/connect/qrconnect?${q}`,
        origin: new URL(open).origin,
      };
    },
    async exchangeCode(code) {
      const endpoint = 'sns/oauth2/access_token';
      const body = await call(endpoint, { appid: config.appId, secret: config.appSecret, code, grant_type: 'authorization_code' });
      return tokensFrom(endpoint, body);
    },
    async refresh(refreshToken) {
      const endpoint = 'sns/oauth2/refresh_token';
      const body = await callWithOneRetry(endpoint, { appid: config.appId, grant_type: 'refresh_token', refresh_token: refreshToken });
      return tokensFrom(endpoint, body);
    },
    async checkToken(accessToken, openid) {
      try {
        await callWithOneRetry('sns/auth', { access_token: accessToken, openid });
        return true;
      } catch (err) {
        if (err instanceof WeChatError && (err.kind === 'token_invalid' || err.kind === 'token_expired' || err.kind === 'openid_mismatch'))
          return false;
        throw err;
      }
    },
    async userInfo(accessToken, openid, lang = 'zh_CN') {
      const endpoint = 'sns/userinfo';
      const b = await callWithOneRetry(endpoint, { access_token: accessToken, openid, lang });
      const gotOpenid = str(b.openid);
      if (!gotOpenid) throw new WeChatError('malformed', endpoint, `${endpoint} answered without openid`);
      if (gotOpenid !== openid) throw new WeChatError('openid_mismatch', endpoint, `${endpoint} answered for another openid`);
      const unionid = str(b.unionid);
      return {
        openid: gotOpenid,
        ...(unionid ? { unionid } : {}),
        nickname: str(b.nickname) ?? '',
        sex: typeof b.sex === 'number' ? b.sex : 0,
        province: str(b.province) ?? '',
        city: str(b.city) ?? '',
        country: str(b.country) ?? '',
        headimgurl: str(b.headimgurl) ?? '',
        privilege: Array.isArray(b.privilege) ? b.privilege.filter((p): p is string => typeof p === 'string') : [],
      };
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
