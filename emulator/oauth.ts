// Authorization codes and tokens, with WeChat's lifetimes and errcodes (docs/wechat-open-platform.md §5, §6, §8).
import type { Clock } from './clock.js';
import { newAccessToken, newAuthCode, newRefreshToken, newVirtualOpenid, openidFor } from './ids.js';
import { type SnsError, snsError } from './sns-errors.js';

/** Website QR login codes: 10 minutes. */
export const CODE_LIFETIME_MS = 10 * 60_000;
/** Official Account web authorization codes: "5分钟未被使用自动过期". */
export const OA_CODE_LIFETIME_MS = 5 * 60_000;
export const ACCESS_TOKEN_LIFETIME_MS = 7200_000;
/** Website apps: 30 days, never extended (mobile apps get 180 days). */
export const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600_000;
export const SCOPE = 'snsapi_login';

/** `snsapi_login`: website QR login. `snsapi_base` / `snsapi_userinfo`: Official Account web authorization. */
export type Scope = 'snsapi_login' | 'snsapi_base' | 'snsapi_userinfo';

export interface CodeOptions {
  /** Default `snsapi_login`. */
  scope?: Scope;
  /** Default CODE_LIFETIME_MS (website); Official Account codes use OA_CODE_LIFETIME_MS. */
  lifetimeMs?: number;
  /** Minted on a snapshot page (快照页): exchanges to a virtual openid with `is_snapshotuser: 1`. */
  snapshot?: boolean;
}

interface AuthCode {
  appId: string;
  personaId: string;
  issuedAt: number;
  used: boolean;
  scope: Scope;
  lifetimeMs: number;
  snapshot: boolean;
}

/** One successful code exchange: the tokens it produced and whom they stand for. */
export interface Grant {
  appId: string;
  personaId: string;
  openid: string;
  scope: Scope;
  /** A snapshot-page virtual account (`is_snapshotuser: 1`); its openid is not the person's. */
  snapshot: boolean;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

// Codes stay known well past their 5 or 10 minutes so a late exchange reports "expired", not "invalid".
const CODE_RETENTION_MS = 24 * 3600_000;

export class OAuthStore {
  readonly #clock: Clock;
  readonly #codes = new Map<string, AuthCode>();
  readonly #grantsByAccessToken = new Map<string, Grant>();
  readonly #grantsByRefreshToken = new Map<string, Grant>();
  /** Access tokens replaced by a refresh: WeChat calls these "not latest" (40001). */
  readonly #supersededAccessTokens = new Set<string>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  issueCode(appId: string, personaId: string, options: CodeOptions = {}): string {
    const now = this.#clock.now();
    for (const [code, c] of this.#codes) if (now - c.issuedAt > CODE_RETENTION_MS) this.#codes.delete(code);
    const code = newAuthCode();
    this.#codes.set(code, {
      appId,
      personaId,
      issuedAt: now,
      used: false,
      scope: options.scope ?? SCOPE,
      lifetimeMs: options.lifetimeMs ?? CODE_LIFETIME_MS,
      snapshot: options.snapshot ?? false,
    });
    return code;
  }

  /** The caller has already checked appid and secret. */
  exchangeCode(appId: string, code: string): Grant | SnsError {
    const entry = this.#codes.get(code);
    // A code minted for another app is as unknown as a made-up one (WeChat: 40029).
    if (!entry || entry.appId !== appId) return snsError(40029);
    const now = this.#clock.now();
    if (now - entry.issuedAt >= entry.lifetimeMs) return snsError(42003);
    if (entry.used) return snsError(40163);
    entry.used = true;
    const grant: Grant = {
      appId,
      personaId: entry.personaId,
      openid: entry.snapshot ? newVirtualOpenid() : openidFor(appId, entry.personaId),
      scope: entry.scope,
      snapshot: entry.snapshot,
      accessToken: newAccessToken(),
      accessTokenExpiresAt: now + ACCESS_TOKEN_LIFETIME_MS,
      refreshToken: newRefreshToken(),
      refreshTokenExpiresAt: now + REFRESH_TOKEN_LIFETIME_MS,
    };
    this.#grantsByAccessToken.set(grant.accessToken, grant);
    this.#grantsByRefreshToken.set(grant.refreshToken, grant);
    return grant;
  }

  /**
   * WeChat's refresh: an expired access token is replaced by a new one; a live one is kept and its
   * expiry extended. The refresh token itself is neither replaced nor extended.
   */
  refresh(appId: string, refreshToken: string): Grant | SnsError {
    const grant = this.#grantsByRefreshToken.get(refreshToken);
    if (!grant || grant.appId !== appId) return snsError(40030);
    const now = this.#clock.now();
    if (now >= grant.refreshTokenExpiresAt) return snsError(42002);
    if (now >= grant.accessTokenExpiresAt) {
      this.#grantsByAccessToken.delete(grant.accessToken);
      this.#supersededAccessTokens.add(grant.accessToken);
      grant.accessToken = newAccessToken();
      this.#grantsByAccessToken.set(grant.accessToken, grant);
    }
    grant.accessTokenExpiresAt = now + ACCESS_TOKEN_LIFETIME_MS;
    return grant;
  }

  /** For sns/auth and sns/userinfo: the token must be known, current, unexpired and belong to `openid`. */
  checkAccessToken(accessToken: string, openid: string): Grant | SnsError {
    // Unverified which of 40001/40014 WeChat picks when; we use 40001 for a token replaced by a
    // refresh ("not latest") and 40014 for one never issued.
    if (this.#supersededAccessTokens.has(accessToken)) return snsError(40001);
    const grant = this.#grantsByAccessToken.get(accessToken);
    if (!grant) return snsError(40014);
    if (this.#clock.now() >= grant.accessTokenExpiresAt) return snsError(42001);
    if (grant.openid !== openid) return snsError(40003);
    return grant;
  }

  clear(): void {
    this.#codes.clear();
    this.#grantsByAccessToken.clear();
    this.#grantsByRefreshToken.clear();
    this.#supersededAccessTokens.clear();
  }
}
