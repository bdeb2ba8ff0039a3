/**
 * WeChat's errcodes, reduced to what a sign-in can do about them (docs/wechat-open-platform.md §8, §11.4). The raw errcode stays on the
 * error for logs and audit; the person sees a message chosen by `kind`.
 */
export type WeChatErrorKind =
  | 'code_invalid' // 40029: unknown, foreign or tampered code
  | 'code_used' // 40163: the code was exchanged already
  | 'code_expired' // 42003
  | 'token_invalid' // 40001, 40014, 40030
  | 'token_expired' // 42001, 42002
  | 'openid_mismatch' // 40003
  | 'misconfigured' // 40002, 40013, 40125, 41002, 41004: our AppID/secret or request are wrong
  | 'unauthorized' // 48001, 50001
  | 'rate_limited' // 45011
  | 'system_error' // -1: WeChat's own transient failure
  | 'unavailable' // network error, timeout, HTTP 5xx
  | 'malformed' // a body that is not the JSON WeChat sends
  | 'other';

const KIND_BY_ERRCODE: Record<number, WeChatErrorKind> = {
  [-1]: 'system_error',
  40001: 'token_invalid',
  40002: 'misconfigured', // invalid grant_type: our request is wrong
  40003: 'openid_mismatch',
  40013: 'misconfigured',
  40014: 'token_invalid',
  40029: 'code_invalid',
  40030: 'token_invalid',
  40125: 'misconfigured',
  40163: 'code_used',
  41001: 'token_invalid',
  41002: 'misconfigured',
  41003: 'token_invalid',
  41004: 'misconfigured',
  41008: 'code_invalid',
  41009: 'openid_mismatch',
  42001: 'token_expired',
  42002: 'token_expired',
  42003: 'code_expired',
  45011: 'rate_limited',
  48001: 'unauthorized',
  50001: 'unauthorized',
};

const CODE_REFUSALS: ReadonlySet<string> = new Set<WeChatErrorKind>(['code_invalid', 'code_used', 'code_expired']);

/**
 * Whether WeChat refused the code itself (invalid: forged, mangled or another app's; used already; expired): the
 * fault of the request that brought it (a reloaded callback, a replay), not a failure of WeChat.
 */
export function isCodeRefusal(kind: string): boolean {
  return CODE_REFUSALS.has(kind);
}

export class WeChatError extends Error {
  override name = 'WeChatError';
  constructor(
    readonly kind: WeChatErrorKind,
    /** Which API call failed, e.g. `sns/oauth2/access_token`. */
    readonly endpoint: string,
    message: string,
    readonly errcode?: number,
  ) {
    super(message);
  }

  static fromErrcode(endpoint: string, errcode: number, errmsg: string): WeChatError {
    return new WeChatError(KIND_BY_ERRCODE[errcode] ?? 'other', endpoint, `${endpoint}: errcode ${errcode} ${errmsg}`.trim(), errcode);
  }

  /** Worth one more try: WeChat's system error, or it could not be reached. Never applied to a code exchange. */
  get transient(): boolean {
    return this.kind === 'system_error' || this.kind === 'unavailable';
  }
}
