// The emulator's whole state and every control over it. The HTTP routes and in-process tests both
// drive this one object.
import { EmulatorClock } from './clock.js';
import { type Fault, FaultInjector, type SnsApi } from './faults.js';
import { type Lang, langParam } from './i18n.js';
import { OA_CODE_LIFETIME_MS, OAuthStore } from './oauth.js';
import { DEFAULT_SETTINGS, type EmulatorAppConfig, type EmulatorOptions, type EmulatorSettings } from './options.js';
import { DEFAULT_PERSONA_ID, type NewPersona, type Persona, PersonaDirectory } from './personas.js';
import { type NewQrSession, type QrSession, QrSessions } from './qr-sessions.js';

export interface RegisteredApp extends EmulatorAppConfig {
  kind: 'website' | 'official-account';
  legacyDenyRedirect: boolean;
}

/** A `connect/oauth2/authorize` request that passed WeChat's checks. */
export interface OaAuthorization {
  app: RegisteredApp;
  redirectUri: string;
  scope: 'snsapi_base' | 'snsapi_userinfo';
  state: string;
}

/** Where an Official Account authorization sends the browser, and with what. */
export interface OaOutcome {
  /** Absent after a refusal. */
  code?: string;
  /** True when the code stands for a snapshot-page virtual account. */
  snapshot: boolean;
  redirectUrl: string;
}

/** Quick login asked for while no desktop WeChat is signed in on "this PC". */
export class NoDesktopClientError extends Error {
  constructor() {
    super('no desktop WeChat is signed in');
  }
}

export class UnknownPersonaError extends Error {
  constructor(readonly personaId: string) {
    super(`unknown persona: ${personaId}`);
  }
}

/** Sizes WeChat serves for `headimgurl` (last path segment); 0 means 640×640. */
export const AVATAR_SIZES = [0, 46, 64, 96, 132] as const;
/** Avatar key of the grey default avatar shown for the `微信用户` placeholder profile. */
export const PLACEHOLDER_AVATAR_KEY = 'placeholder-grey';

/** Appends query parameters to a URL that may already carry a query (WeChat uses `&` then). */
export function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

export class Emulator {
  /** Without trailing slash. */
  readonly publicBaseUrl: string;
  readonly testControl: boolean;
  readonly clock: EmulatorClock;
  readonly personas = new PersonaDirectory();
  readonly qr: QrSessions;
  readonly oauth: OAuthStore;
  readonly faults = new FaultInjector();
  settings: EmulatorSettings;
  /** Snapshot-page mode (朋友圈快照页): for everyone, or for these personas. */
  readonly snapshot = { all: false, personas: new Set<string>() };
  /**
   * The persona signed in to "this PC's" desktop WeChat (Windows 3.9.11+ / Mac 4.0.0+), which the QR page offers
   * for quick login (快速登录); null: no desktop client. One switch for every browser: the emulator has no local client.
   */
  desktopClient: string | null = null;
  /** Requests per route path (relative to the mount point), control and asset routes excepted. */
  readonly calls = new Map<string, number>();
  readonly #appConfigs: readonly EmulatorAppConfig[];
  readonly #initialSettings: EmulatorSettings;
  #apps = new Map<string, RegisteredApp>();

  constructor(options: EmulatorOptions, settings: Partial<EmulatorSettings> = {}) {
    this.publicBaseUrl = new URL(options.publicBaseUrl).href.replace(/\/+$/, '');
    this.testControl = options.testControl;
    this.clock = new EmulatorClock(options.clock);
    this.qr = new QrSessions(this.clock);
    this.oauth = new OAuthStore(this.clock);
    this.#appConfigs = options.apps;
    this.#initialSettings = { ...DEFAULT_SETTINGS, ...settings };
    this.settings = { ...this.#initialSettings };
    this.#loadApps();
  }

  app(appId: string): RegisteredApp | undefined {
    return this.#apps.get(appId);
  }

  apps(): RegisteredApp[] {
    return [...this.#apps.values()];
  }

  /** Switches an app between today's deny behaviour (stay on the page) and the older redirect. */
  setLegacyDenyRedirect(appId: string, legacy: boolean): RegisteredApp | undefined {
    const app = this.#apps.get(appId);
    if (app) app.legacyDenyRedirect = legacy;
    return app;
  }

  /** Whether this persona's WeChat opens Official Account pages as snapshot pages. */
  isSnapshot(personaId: string): boolean {
    return this.snapshot.all || this.snapshot.personas.has(personaId);
  }

  /** Snapshot mode on or off, for one persona or (without one) for everyone; turning off globally clears both. */
  setSnapshot(on: boolean, personaId?: string): { all: boolean; personas: string[] } {
    if (personaId !== undefined) {
      this.persona(personaId);
      if (on) this.snapshot.personas.add(personaId);
      else this.snapshot.personas.delete(personaId);
    } else {
      this.snapshot.all = on;
      if (!on) this.snapshot.personas.clear();
    }
    return this.snapshotState();
  }

  snapshotState(): { all: boolean; personas: string[] } {
    return { all: this.snapshot.all, personas: [...this.snapshot.personas] };
  }

  /**
   * The persona allows (snsapi_userinfo) or is authorized silently (snsapi_base): a 5-minute code bound to the
   * app, for `redirect_uri?code=CODE&state=STATE`. In snapshot mode the code is a virtual account's, scope
   * snsapi_base, whatever was asked.
   */
  authorizeOa(request: OaAuthorization, personaId: string): OaOutcome {
    this.persona(personaId);
    const snapshot = this.isSnapshot(personaId);
    const code = this.oauth.issueCode(request.app.appId, personaId, {
      scope: snapshot ? 'snsapi_base' : request.scope,
      lifetimeMs: OA_CODE_LIFETIME_MS,
      snapshot,
    });
    return { code, snapshot, redirectUrl: withQuery(request.redirectUri, `code=${code}&state=${encodeURIComponent(request.state)}`) };
  }

  /** 拒绝 on the consent page: WeChat sends the browser to `redirect_uri?state=STATE`, without a code. */
  denyOa(request: OaAuthorization): OaOutcome {
    return { snapshot: false, redirectUrl: withQuery(request.redirectUri, `state=${encodeURIComponent(request.state)}`) };
  }

  countCall(path: string): void {
    this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
  }

  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.calls].sort(([a], [b]) => a.localeCompare(b)));
  }

  persona(id: string): Persona {
    const persona = this.personas.get(id);
    if (!persona) throw new UnknownPersonaError(id);
    return persona;
  }

  createPersona(input: NewPersona): Persona {
    return this.personas.create(input);
  }

  changeAvatar(personaId: string): Persona {
    this.persona(personaId);
    return this.personas.changeAvatar(personaId) as Persona;
  }

  /** A new QR for the page; confirmed at once when an auto-approve persona is set. */
  startQrSession(input: NewQrSession): QrSession {
    const session = this.qr.create(input, this.settings.qrLifetimeMs);
    const auto = this.settings.autoApprovePersonaId;
    if (auto !== null && this.personas.get(auto)) this.confirm(session.uuid, auto);
    return session;
  }

  /** What the phone does when it reads the QR. */
  scan(uuid: string, personaId: string = DEFAULT_PERSONA_ID): QrSession {
    this.persona(personaId);
    return this.qr.scan(uuid, personaId);
  }

  /** Allow on the phone, by the persona that scanned: mints the code the page will carry to redirect_uri. */
  allowScanned(uuid: string, via: 'phone' | 'desktop' = 'phone'): { session: QrSession; code: string; redirectUrl: string } {
    const scanned = this.qr.scanned(uuid);
    const code = this.oauth.issueCode(scanned.appId, scanned.personaId);
    const session = this.qr.confirm(uuid, code, via);
    return { session, code, redirectUrl: this.redirectAfterConfirm(session) };
  }

  /** Says a desktop WeChat is signed in on this PC as that persona (null: none). */
  setDesktopClient(personaId: string | null): Persona | null {
    if (personaId !== null) this.persona(personaId);
    this.desktopClient = personaId;
    return personaId === null ? null : this.persona(personaId);
  }

  /** The desktop client's account, if one is signed in (and its persona still exists). */
  desktopPersona(): Persona | null {
    return this.desktopClient === null ? null : (this.personas.get(this.desktopClient) ?? null);
  }

  /**
   * 快速登录 confirmed on the PC: the desktop client's account scans and allows in one step, and the QR page's
   * long-poll reports 405 with the code, exactly as after a scan and Allow on the phone.
   */
  confirmOnDesktop(uuid: string): { session: QrSession; code: string; redirectUrl: string } {
    const persona = this.desktopPersona();
    if (!persona) throw new NoDesktopClientError();
    this.#scanIfNeeded(uuid, persona.id);
    return this.allowScanned(uuid, 'desktop');
  }

  /** Deny on the phone, by the persona that scanned. */
  denyScanned(uuid: string): QrSession {
    return this.qr.deny(uuid);
  }

  /**
   * Scan (unless already scanned by that persona) and allow, in one step — for tests. Without a
   * persona, an existing scan is kept, else the default persona scans.
   */
  confirm(uuid: string, personaId?: string): { session: QrSession; code: string; redirectUrl: string } {
    this.#scanIfNeeded(uuid, personaId);
    return this.allowScanned(uuid);
  }

  /** Scan (unless already scanned by that persona) and deny, in one step — for tests. */
  deny(uuid: string, personaId?: string): QrSession {
    this.#scanIfNeeded(uuid, personaId);
    return this.denyScanned(uuid);
  }

  expireQr(uuid: string): QrSession {
    return this.qr.expire(uuid);
  }

  redirectAfterConfirm(session: QrSession): string {
    return withQuery(session.redirectUri, `code=${session.code ?? ''}&state=${encodeURIComponent(session.state)}`);
  }

  /** Where the older WeChat sent the browser after a refusal: `redirect_uri?state=STATE`, no code. */
  redirectAfterLegacyDeny(session: QrSession): string {
    return withQuery(session.redirectUri, `state=${encodeURIComponent(session.state)}`);
  }

  /**
   * The URL the QR encodes: the emulator's "phone" page (WeChat: open.weixin.qq.com/connect/confirm).
   * With a language (the QR page's button passes its own) the phone page speaks it; without, the
   * phone page takes the language of the page that showed the QR.
   */
  phoneUrl(uuid: string, lang?: Lang): string {
    const url = `${this.publicBaseUrl}/connect/confirm?uuid=${encodeURIComponent(uuid)}`;
    return lang ? `${url}&lang=${langParam(lang)}` : url;
  }

  /** Shaped like WeChat's `https://thirdwx.qlogo.cn/mmopen/vi_32/<id>/132`; "" without an avatar. */
  headimgurl(avatarKey: string | null, size: (typeof AVATAR_SIZES)[number] = 132): string {
    return avatarKey === null ? '' : `${this.publicBaseUrl}/mmopen/vi_32/${avatarKey}/${size}`;
  }

  advanceClock(ms: number): number {
    this.clock.advance(ms);
    this.qr.notifyAll();
    return this.clock.now();
  }

  injectFault(api: SnsApi, fault: Fault, times = 1): void {
    this.faults.inject(api, fault, times);
  }

  updateSettings(changes: Partial<EmulatorSettings>): EmulatorSettings {
    if (changes.autoApprovePersonaId != null) this.persona(changes.autoApprovePersonaId);
    this.settings = { ...this.settings, ...changes };
    this.qr.notifyAll();
    return this.settings;
  }

  /** Back to the state at start: seeded personas, no QRs, codes, tokens or faults, clock unmoved. */
  reset(): void {
    this.qr.clear();
    this.oauth.clear();
    this.faults.reset();
    this.personas.reset();
    this.clock.reset();
    this.settings = { ...this.#initialSettings };
    this.snapshot.all = false;
    this.snapshot.personas.clear();
    this.desktopClient = null;
    this.calls.clear();
    this.#loadApps();
  }

  #scanIfNeeded(uuid: string, personaId: string | undefined): void {
    const session = this.qr.get(uuid);
    const alreadyScannedAsWanted =
      session !== undefined && this.qr.statusOf(session) === 'scanned' && (personaId === undefined || personaId === session.personaId);
    if (!alreadyScannedAsWanted) this.scan(uuid, personaId);
  }

  #loadApps(): void {
    this.#apps = new Map(
      this.#appConfigs.map((a) => [a.appId, { ...a, kind: a.kind ?? 'website', legacyDenyRedirect: a.legacyDenyRedirect ?? false }]),
    );
  }
}

/** Builds the emulator's state from the same options the plugin takes (for driving it in-process). */
export function createEmulator(options: EmulatorOptions, settings?: Partial<EmulatorSettings>): Emulator {
  return new Emulator(options, settings);
}
