// QR sessions (one per `uuid`): what the PC page waits on and what the phone acts on.
import type { Clock } from './clock.js';
import type { Lang } from './i18n.js';
import { newQrUuid } from './ids.js';

export type QrStatus = 'waiting' | 'scanned' | 'cancelled' | 'confirmed' | 'expired';

/** How the page leaves after confirmation; null for the full qrconnect page (not `login_type=jssdk`). */
export type SelfRedirect = 'true' | 'false' | 'default' | null;

export interface QrSession {
  uuid: string;
  appId: string;
  redirectUri: string;
  state: string;
  selfRedirect: SelfRedirect;
  /** The language of the page that shows the QR: the phone page speaks it unless told otherwise. */
  lang: Lang;
  createdAt: number;
  expiresAt: number;
  status: Exclude<QrStatus, 'expired'>;
  /** Who scanned last. */
  personaId: string | null;
  code: string | null;
  /** How it was confirmed: a scan and Allow on the phone, or quick login with the desktop client. */
  via: 'phone' | 'desktop' | null;
}

export type NewQrSession = Pick<QrSession, 'appId' | 'redirectUri' | 'state' | 'selfRedirect' | 'lang'>;

/** The `window.wx_errcode` the status long-poll reports (docs/wechat-open-platform.md §3). */
export const WxErrcode = {
  waiting: 408,
  scanned: 404,
  cancelled: 403,
  confirmed: 405,
  expired: 402,
} as const satisfies Record<QrStatus, number>;

/** A QR action that is not possible in the session's present state. */
export class QrSessionError extends Error {
  constructor(
    readonly reason: 'unknown_qr' | 'qr_expired' | 'qr_used' | 'not_scanned',
    uuid: string,
  ) {
    super(`${reason}: ${uuid}`);
  }
}

// Sessions are dropped this long after creation; a poll for a dropped uuid reports "expired".
const SESSION_RETENTION_MS = 60 * 60_000;

export class QrSessions {
  readonly #clock: Clock;
  readonly #sessions = new Map<string, QrSession>();
  readonly #waiters = new Set<() => void>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  create(input: NewQrSession, lifetimeMs: number): QrSession {
    const now = this.#clock.now();
    this.#dropOld(now);
    const session: QrSession = {
      ...input,
      uuid: newQrUuid(),
      createdAt: now,
      expiresAt: now + lifetimeMs,
      status: 'waiting',
      personaId: null,
      code: null,
      via: null,
    };
    this.#sessions.set(session.uuid, session);
    return session;
  }

  get(uuid: string): QrSession | undefined {
    return this.#sessions.get(uuid);
  }

  /** Newest first. */
  list(): QrSession[] {
    return [...this.#sessions.values()].reverse();
  }

  statusOf(session: QrSession): QrStatus {
    if (session.status !== 'confirmed' && this.#clock.now() >= session.expiresAt) return 'expired';
    return session.status;
  }

  /** A scan is possible while the QR lives and has not been used; after a refusal it may be scanned again. */
  scan(uuid: string, personaId: string): QrSession {
    const session = this.#require(uuid, ['waiting', 'scanned', 'cancelled']);
    session.status = 'scanned';
    session.personaId = personaId;
    this.#wake();
    return session;
  }

  /** The session, if it has been scanned and awaits the person's decision. */
  scanned(uuid: string): QrSession & { personaId: string } {
    const session = this.#require(uuid, ['scanned']);
    if (session.personaId === null) throw new QrSessionError('not_scanned', uuid);
    return session as QrSession & { personaId: string };
  }

  confirm(uuid: string, code: string, via: 'phone' | 'desktop' = 'phone'): QrSession {
    const session = this.#require(uuid, ['scanned']);
    session.status = 'confirmed';
    session.code = code;
    session.via = via;
    this.#wake();
    return session;
  }

  deny(uuid: string): QrSession {
    const session = this.#require(uuid, ['scanned']);
    session.status = 'cancelled';
    this.#wake();
    return session;
  }

  expire(uuid: string): QrSession {
    const session = this.#require(uuid, ['waiting', 'scanned', 'cancelled']);
    session.expiresAt = this.#clock.now();
    this.#wake();
    return session;
  }

  /** Throws unless the session exists and is in one of `allowed`; explains why otherwise. */
  #require(uuid: string, allowed: readonly QrStatus[]): QrSession {
    const session = this.#sessions.get(uuid);
    if (!session) throw new QrSessionError('unknown_qr', uuid);
    const status = this.statusOf(session);
    if (allowed.includes(status)) return session;
    if (status === 'expired') throw new QrSessionError('qr_expired', uuid);
    if (status === 'confirmed') throw new QrSessionError('qr_used', uuid);
    throw new QrSessionError('not_scanned', uuid);
  }

  /**
   * Resolves on the next change to any session (or a clock move), or after `holdMs`.
   * Long-polls re-check their own session when woken.
   */
  waitForChange(holdMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, holdMs));
      this.#waiters.add(done);
      signal.addEventListener('abort', done);
    });
  }

  /** How many long-polls are being held open right now. */
  get waitingPolls(): number {
    return this.#waiters.size;
  }

  /** Wakes every waiting long-poll, e.g. after the clock moved (a QR may have expired). */
  notifyAll(): void {
    this.#wake();
  }

  clear(): void {
    this.#sessions.clear();
    this.#wake();
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }

  #dropOld(now: number): void {
    for (const [uuid, s] of this.#sessions) if (now - s.createdAt > SESSION_RETENTION_MS) this.#sessions.delete(uuid);
  }
}
