import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { NoticeName } from '../config.js';
import type { KeyValueStore } from '../kv/store.js';
import type { DailyBudget } from './daily-budget.js';
import { maskPhone } from './mask.js';
import { type NoticePurpose, SmsSendError, type SmsSender } from './sender.js';

/** The template each notice name sends with. */
const PURPOSE: Record<NoticeName, NoticePurpose> = { new_browser: 'notice_sign_in', password: 'notice_password', phone: 'notice_phone' };

/** How long a browser stays known to an account after a sign-in from it: a sign-in after that is "new" again. */
export const KNOWN_BROWSER_SECONDS = 180 * 24 * 3600;

export type NoticeResult = 'sent' | 'off' | 'limited' | 'failed';

export type Notices = ReturnType<typeof createNotices>;

/**
 * Messages to an account's phone that tell, with the time and the place (the client's IP), that it was signed in to
 * from a new browser, or that its password or phone changed: each only when SMS_NOTICES names it. Rate-limited: at
 * most one of each kind to one number per interval, and every notice is taken from the service's daily SMS budget.
 * A notice that cannot be sent never stops what it tells of; it is audited and, for an operator's failure, logged.
 */
export function createNotices(deps: {
  kv: KeyValueStore;
  sender: SmsSender;
  audit: AuditLog;
  clock: Clock;
  enabled: readonly NoticeName[];
  intervalSeconds: number;
  budget?: DailyBudget;
  logger?: Pick<Logger, 'warn'>;
}) {
  const { kv, sender, audit } = deps;
  const enabled = new Set(deps.enabled);
  const browserKey = (userId: string, browserId: string) =>
    `known-browser:${userId}:${createHash('sha256').update(browserId).digest('base64url').slice(0, 32)}`;

  async function notify(name: NoticeName, phone: string | null | undefined, ip: string | null): Promise<NoticeResult> {
    if (!enabled.has(name) || !phone || !sender.notify) return 'off';
    const purpose = PURPOSE[name];
    if (!(await kv.putIfAbsent(`sms:notice:${purpose}:${phone}`, true, deps.intervalSeconds))) return 'limited';
    const ticket = deps.budget ? await deps.budget.take() : undefined;
    if (deps.budget && !ticket) return 'limited';
    const sent = { phone: maskPhone(phone), purpose, provider: sender.provider, client: { ip, userAgent: null } };
    try {
      await sender.notify({ phone, purpose, time: beijingTime(deps.clock.now()), ip: ip ?? '?' });
    } catch (err) {
      if (ticket) await deps.budget?.giveBack(ticket);
      if (!(err instanceof SmsSendError)) throw err;
      deps.logger?.warn({ err, kind: err.kind }, `SMS notice ${purpose} not sent`);
      await audit.record({ type: 'sms.failed', ...sent, kind: err.kind, providerCode: err.providerCode ?? null });
      return 'failed';
    }
    await audit.record({ type: 'sms.sent', ...sent });
    return 'sent';
  }

  return {
    notify,

    /**
     * After a sign-in: a browser this account has not signed in from (within 180 days) gets the account's phone a
     * notice. A client without the browser cookie is always new. The browser is then known, whatever the notice did.
     */
    async signedIn(input: { userId: string; phone: string | null; browserId: string | undefined; ip: string | null }): Promise<NoticeResult> {
      if (!enabled.has('new_browser')) return 'off';
      const fresh = input.browserId ? await kv.putIfAbsent(browserKey(input.userId, input.browserId), true, KNOWN_BROWSER_SECONDS) : true;
      if (!fresh) {
        // Seen again: it stays known for another 180 days.
        if (input.browserId) await kv.put(browserKey(input.userId, input.browserId), true, KNOWN_BROWSER_SECONDS);
        return 'off';
      }
      return notify('new_browser', input.phone, input.ip);
    },
  };
}

/** `2026-11-30 18:39`, Beijing time, as a notice shows it. */
export function beijingTime(ms: number): string {
  const at = new Date(ms + 8 * 3600_000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
}
