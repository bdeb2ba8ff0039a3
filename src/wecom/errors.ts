/**
 * WeCom's errcodes (developer.work.weixin.qq.com, 全局错误码), reduced to what a sign-in can do about them. The raw
 * errcode stays on the error for logs and audit; the person reads a message chosen by `kind`.
 */
export type WeComErrorKind =
  | 'code_invalid' // 40029: unknown, used (a code works once) or expired (5 minutes) code; 41008 no code
  | 'token_invalid' // 40014 invalid access_token, 41001 missing: fetch a new token and try once more
  | 'token_expired' // 42001: the same
  | 'ip_not_trusted' // 60020: this server's address is not on the app's 企业可信IP list
  | 'not_visible' // 60011: the member is outside the app's visible range (可见范围)
  | 'domain_not_trusted' // 50001: the redirect's domain is not the app's 可信域名
  | 'member_not_found' // 60111: no such userid in the corp
  | 'misconfigured' // 40013 corpid, 40001 secret, 40056 agentid, 41002/41004 missing, 48002 API not allowed
  | 'rate_limited' // 45009: API frequency limit
  | 'system_error' // -1: WeCom is busy
  | 'unavailable' // network error, timeout, HTTP 5xx
  | 'malformed' // a body that is not WeCom's JSON
  | 'other';

const KIND_BY_ERRCODE: Record<number, WeComErrorKind> = {
  [-1]: 'system_error',
  40001: 'misconfigured',
  40013: 'misconfigured',
  40014: 'token_invalid',
  40029: 'code_invalid',
  40056: 'misconfigured',
  41001: 'token_invalid',
  41002: 'misconfigured',
  41004: 'misconfigured',
  41008: 'code_invalid',
  42001: 'token_expired',
  45009: 'rate_limited',
  48002: 'misconfigured',
  50001: 'domain_not_trusted',
  60011: 'not_visible',
  60020: 'ip_not_trusted',
  60111: 'member_not_found',
};

export class WeComError extends Error {
  override name = 'WeComError';
  constructor(
    readonly kind: WeComErrorKind,
    /** Which API call failed, e.g. `cgi-bin/auth/getuserinfo`. */
    readonly endpoint: string,
    message: string,
    readonly errcode?: number,
  ) {
    super(message);
  }

  /** WeCom's errmsg carries a hint and the caller's address ("from ip: …"): kept in the message for the log only. */
  static fromErrcode(endpoint: string, errcode: number, errmsg: string): WeComError {
    return new WeComError(KIND_BY_ERRCODE[errcode] ?? 'other', endpoint, `${endpoint}: errcode ${errcode} ${errmsg}`.trim(), errcode);
  }

  /** The access token was refused (42001 expired, 40014 invalid): a fresh token is worth one more try. */
  get tokenRefused(): boolean {
    return this.kind === 'token_expired' || this.kind === 'token_invalid';
  }
}
