import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/store.js';
import { type ApiCallObservation, createJsonApi } from '../weixin/json-api.js';
import { WeComError } from './errors.js';
import { createSharedAccessToken } from './token.js';

/** Where and as whom to talk to WeCom; base URLs point at the emulator in development and tests. */
export interface WeComClientConfig {
  corpId: string;
  agentId: string;
  agentSecret: string;
  /** `https://qyapi.weixin.qq.com` */
  apiBaseUrl: string;
  /** `https://login.work.weixin.qq.com` (the web login on computers) */
  loginBaseUrl: string;
  /** `https://open.weixin.qq.com` (authorization inside the WeCom app) */
  openBaseUrl: string;
  timeoutMs: number;
}

/** Who a WeCom code stands for: a member of the corp (whether or not in the app's visible range), or an outsider. */
export type WeComIdentity = { member: true; userid: string } | { member: false; openid: string };

/** What `user/get` tells of a member; mobile and mail only where the app may read them (older apps, or granted). */
export interface WeComMember {
  userid: string;
  name: string;
  department: number[];
  mobile?: string;
  email?: string;
}

export type WeComCallObservation = ApiCallObservation;

/** What a web login is for: the person, the way back, the one-time state and the page's language. */
export interface WeComWebLoginInput {
  redirectUri: string;
  state: string;
  lang?: 'zh' | 'en';
}

/**
 * The release of `@wecom/jssdk` whose login panel the embedded frame reproduces: its `createWWLoginPanel` adds it
 * to the frame's URL as `version`, and WeCom's page may draw the panel by it.
 */
export const WECOM_PANEL_SDK_VERSION = '2.4.4';

/** The panel's size as `@wecom/jssdk` names it; `small` is a 320×380 frame. */
export const WECOM_PANEL_SIZE = { name: 'small', width: 320, height: 380 } as const;

export interface WeComClient {
  readonly corpId: string;
  readonly agentId: string;
  /** The origin of WeCom's web login: the login page's CSP lets a frame load it. */
  readonly loginOrigin: string;
  /** WeCom's web login (a QR the member scans with the WeCom app), full page. */
  webLoginUrl(input: WeComWebLoginInput): string;
  /**
   * The same web login drawn as WeCom's embeddable login panel, the URL `ww.createWWLoginPanel` gives its frame:
   * `redirect_type=top`, so on success WeCom's frame sends the whole window to `redirect_uri?code&state`.
   */
  panelUrl(input: WeComWebLoginInput): string;
  /** Silent authorization inside the WeCom app (`snsapi_base`): no page, the app knows who is signed in. */
  inAppAuthorizeUrl(input: { redirectUri: string; state: string }): string;
  /** `auth/getuserinfo`: the code (single use, 5 minutes) → who it stands for. Never retried with the same code, but after a refused token. */
  identify(code: string): Promise<WeComIdentity>;
  /** `user/get`: the member as the app may see them; 60011 when outside the app's visible range. */
  member(userid: string): Promise<WeComMember>;
}

type Fetch = typeof fetch;

/**
 * WeCom's server API for a self-built app (自建应用). The access token comes from the shared store (one for the
 * whole deployment, see token.ts); a call WeCom answers with 42001 or 40014 gets one new token and one more try
 * (WeCom checks the token before the code, so the code is still unused). Secrets and tokens never go into errors.
 */
export function createWeComClient(
  config: WeComClientConfig,
  deps: { kv: KeyValueStore; clock: Clock; fetch?: Fetch; observe?: (call: WeComCallObservation) => void },
): WeComClient {
  const login = config.loginBaseUrl.replace(/\/+$/, '');
  const open = config.openBaseUrl.replace(/\/+$/, '');

  const call = createJsonApi({
    baseUrl: config.apiBaseUrl,
    timeoutMs: config.timeoutMs,
    fetch: deps.fetch ?? fetch,
    failure: (kind, endpoint, message) => new WeComError(kind, endpoint, message),
    refusal: (endpoint, errcode, errmsg) => WeComError.fromErrcode(endpoint, errcode, errmsg),
    observe: deps.observe,
  });

  const token = createSharedAccessToken({
    kv: deps.kv,
    clock: deps.clock,
    key: `wecom-token:${config.corpId}:${config.agentId}`,
    async fetchToken() {
      const endpoint = 'cgi-bin/gettoken';
      const body = await call(endpoint, { corpid: config.corpId, corpsecret: config.agentSecret });
      const accessToken = str(body.access_token);
      if (!accessToken) throw new WeComError('malformed', endpoint, `${endpoint} answered without access_token`);
      return { token: accessToken, expiresInSeconds: typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 7200 };
    },
  });

  /** A call with the shared token; refused token (42001, 40014): one new token, one more try. */
  async function withToken(endpoint: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const current = await token.get();
    try {
      return await call(endpoint, { access_token: current, ...params });
    } catch (err) {
      if (!(err instanceof WeComError) || !err.tokenRefused) throw err;
      return call(endpoint, { access_token: await token.replace(current), ...params });
    }
  }

  function webLoginParams(input: WeComWebLoginInput): Record<string, string> {
    return {
      login_type: 'CorpApp',
      appid: config.corpId,
      agentid: config.agentId,
      redirect_uri: input.redirectUri,
      state: input.state,
      ...(input.lang === 'en' ? { lang: 'en' } : {}),
    };
  }

  return {
    corpId: config.corpId,
    agentId: config.agentId,
    loginOrigin: new URL(login).origin,
    webLoginUrl(input) {
      return `${login}/wwlogin/sso/login?${new URLSearchParams(webLoginParams(input))}`;
    },
    panelUrl(input) {
      // The SDK's order: the caller's params, then its version.
      const q = new URLSearchParams({
        ...webLoginParams(input),
        redirect_type: 'top',
        panel_size: WECOM_PANEL_SIZE.name,
        version: WECOM_PANEL_SDK_VERSION,
      });
      return `${login}/wwlogin/sso/login?${q}`;
    },
    inAppAuthorizeUrl(input) {
      // WeCom's documented order, agentid last, and the fragment.
      const q = new URLSearchParams({
        appid: config.corpId,
        redirect_uri: input.redirectUri,
        response_type: 'code',
        scope: 'snsapi_base',
        state: input.state,
        agentid: config.agentId,
      });
      return `${open}/connect/oauth2/authorize?${q}#wechat_redirect`;
    },
    async identify(code) {
      const endpoint = 'cgi-bin/auth/getuserinfo';
      const body = await withToken(endpoint, { code });
      // Older answers spell it UserId / OpenId.
      const userid = str(body.userid) ?? str(body.UserId);
      if (userid) return { member: true, userid };
      const openid = str(body.openid) ?? str(body.OpenId);
      if (openid) return { member: false, openid };
      throw new WeComError('malformed', endpoint, `${endpoint} answered without userid or openid`);
    },
    async member(userid) {
      const endpoint = 'cgi-bin/user/get';
      const body = await withToken(endpoint, { userid });
      const got = str(body.userid);
      if (!got) throw new WeComError('malformed', endpoint, `${endpoint} answered without userid`);
      const mobile = str(body.mobile);
      const email = str(body.email) ?? str(body.biz_mail);
      return {
        userid: got,
        name: str(body.name) ?? got,
        department: Array.isArray(body.department) ? body.department.filter((d): d is number => typeof d === 'number') : [],
        ...(mobile ? { mobile } : {}),
        ...(email ? { email } : {}),
      };
    },
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
