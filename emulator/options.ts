// The configuration wecas (or `emulator/main.ts`) hands to the emulator.

/**
 * One app registered on the emulated Open Platform account: a website app (网站应用, QR login) or a verified
 * Official Account (服务号, web authorization inside WeChat). Every app of one emulator shares the unionid.
 */
export interface EmulatorAppConfig {
  /** `website` (default): `connect/qrconnect`. `official-account`: `connect/oauth2/authorize` inside WeChat. */
  kind?: 'website' | 'official-account';
  appId: string;
  appSecret: string;
  /** Shown on the QR page and on the phone, as WeChat shows the app's registered name. */
  name: string;
  /** Icon shown on the phone; defaults to an icon the emulator draws itself. */
  iconUrl?: string;
  /**
   * 授权回调域 (website) or 网页授权域名 (Official Account): host[:port], e.g. "localhost:8080". Without a port any
   * port of that host is accepted.
   */
  callbackDomain: string;
  /** Website apps: WeChat's older deny behaviour, redirect to `redirect_uri?state=STATE` (no code) instead of staying. */
  legacyDenyRedirect?: boolean;
}

export interface EmulatorOptions {
  apps: EmulatorAppConfig[];
  /** Absolute URL where the emulator's routes are reachable, e.g. "http://localhost:8080/__wechat". */
  publicBaseUrl: string;
  /** Mount the `/__control/...` endpoints (dev and tests only). */
  testControl: boolean;
  /** Source of "now" in ms; the emulator adds its own adjustable offset on top (`advanceClock`). */
  clock?: { now(): number };
}

/** Timings and switches that tests and the control API may change at run time. */
export interface EmulatorSettings {
  /** How long a QR (uuid) stays scannable. WeChat does not document it; scrapers give up after ~5 min. */
  qrLifetimeMs: number;
  /** How long the status long-poll is held open when nothing changes (WeChat: ~25–30 s). */
  longPollHoldMs: number;
  /**
   * What `sns/userinfo` reveals:
   * - `current`: WeChat since 2021-10 — `sex: 0`, empty province/city/country, `language: ""`;
   * - `legacy`: the real sex and region, localised by `lang`;
   * - `placeholder`: nickname `微信用户` and the grey default avatar (robustness tests).
   */
  profileMode: 'current' | 'legacy' | 'placeholder';
  /** Content-Type of `sns/*` responses; WeChat sends text/plain, not application/json. */
  snsContentType: string;
  /** When set, every new QR is scanned and confirmed at once by this persona (headless tests). */
  autoApprovePersonaId: string | null;
}

export const DEFAULT_SETTINGS: Readonly<EmulatorSettings> = {
  qrLifetimeMs: 5 * 60_000,
  longPollHoldMs: 25_000,
  profileMode: 'current',
  snsContentType: 'text/plain',
  autoApprovePersonaId: null,
};
