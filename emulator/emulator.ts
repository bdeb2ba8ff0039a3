// The emulator's whole state and every control over it. The HTTP routes and in-process tests both
// drive this one object.
import { EmulatorClock } from './clock.js';
import { type Fault, FaultInjector, type SnsApi } from './faults.js';
import { type Lang, langParam } from './i18n.js';
import { OAuthStore } from './oauth.js';
import { DEFAULT_SETTINGS, type EmulatorAppConfig, type EmulatorOptions, type EmulatorSettings } from './options.js';
import { DEFAULT_PERSONA_ID, type NewPersona, type Persona, PersonaDirectory } from './personas.js';
import { type NewQrSession, type QrSession, QrSessions } from './qr-sessions.js';

export interface RegisteredApp extends EmulatorAppConfig {
  legacyDenyRedirect: boolean;
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
  allowScanned(uuid: string): { session: QrSession; code: string; redirectUrl: string } {
    const scanned = this.qr.scanned(uuid);
    const code = this.oauth.issueCode(scanned.appId, scanned.personaId);
    const session = this.qr.confirm(uuid, code);
    return { session, code, redirectUrl: this.redirectAfterConfirm(session) };
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
    this.#loadApps();
  }

  #scanIfNeeded(uuid: string, personaId: string | undefined): void {
    const session = this.qr.get(uuid);
    const alreadyScannedAsWanted =
      session !== undefined && this.qr.statusOf(session) === 'scanned' && (personaId === undefined || personaId === session.personaId);
    if (!alreadyScannedAsWanted) this.scan(uuid, personaId);
  }

  #loadApps(): void {
    this.#apps = new Map(this.#appConfigs.map((a) => [a.appId, { ...a, legacyDenyRedirect: a.legacyDenyRedirect ?? false }]));
  }
}

/** Builds the emulator's state from the same options the plugin takes (for driving it in-process). */
export function createEmulator(options: EmulatorOptions, settings?: Partial<EmulatorSettings>): Emulator {
  return new Emulator(options, settings);
}
