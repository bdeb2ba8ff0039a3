// Authorization codes and tokens, with WeChat's lifetimes and errcodes (docs/wechat-open-platform.md §5, §6, §8).
import type { Clock } from './clock.js';
import { newAccessToken, newAuthCode, newRefreshToken, openidFor } from './ids.js';
import { type SnsError, snsError } from './sns-errors.js';

export const CODE_LIFETIME_MS = 10 * 60_000;
export const ACCESS_TOKEN_LIFETIME_MS = 7200_000;
/** Website apps: 30 days, never extended (mobile apps get 180 days). */
export const REFRESH_TOKEN_LIFETIME_MS = 30 * 24 * 3600_000;
export const SCOPE = 'snsapi_login';

interface AuthCode {
  appId: string;
  personaId: string;
  issuedAt: number;
  used: boolean;
}

/** One successful code exchange: the tokens it produced and whom they stand for. */
export interface Grant {
  appId: string;
  personaId: string;
  openid: string;
  scope: string;
  accessToken: string;
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
}

// Codes stay known well past their 10 minutes so a late exchange reports "expired", not "invalid".
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

  issueCode(appId: string, personaId: string): string {
    const now = this.#clock.now();
    for (const [code, c] of this.#codes) if (now - c.issuedAt > CODE_RETENTION_MS) this.#codes.delete(code);
    const code = newAuthCode();
    this.#codes.set(code, { appId, personaId, issuedAt: now, used: false });
    return code;
  }

  /** The caller has already checked appid and secret. */
  exchangeCode(appId: string, code: string): Grant | SnsError {
    const entry = this.#codes.get(code);
    // A code minted for another app is as unknown as a made-up one (WeChat: 40029).
    if (!entry || entry.appId !== appId) return snsError(40029);
    const now = this.#clock.now();
    if (now - entry.issuedAt >= CODE_LIFETIME_MS) return snsError(42003);
    if (entry.used) return snsError(40163);
    entry.used = true;
    const grant: Grant = {
      appId,
      personaId: entry.personaId,
      openid: openidFor(appId, entry.personaId),
      scope: SCOPE,
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
