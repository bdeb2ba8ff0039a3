import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import { type Clock, systemClock } from '../clock.js';
import { ipBucket } from '../kv/ip-bucket.js';
import type { KeyValueStore } from '../kv/store.js';
import { normalisePhone } from '../users/phone.js';
import { maskPhone } from './mask.js';
import { type SmsFailureKind, type SmsPurpose, SmsSendError, type SmsSender } from './sender.js';

export interface VerificationCodeLimits {
  /** How long a code can be used. */
  codeTtlSeconds: number;
  /** At most one code per number in this many seconds (whatever the purpose). */
  resendSeconds: number;
  /** Codes sent to one number in a 24-hour window started by its first code. */
  maxPerPhonePerDay: number;
  /** Sends from one IP (IPv6: one /64) in a one-hour window started by its first send. */
  maxPerIpPerHour: number;
  /** Tries a code allows, right or wrong; the try after the last wrong one is refused unchecked. */
  maxAttempts: number;
}

export const DEFAULT_VERIFICATION_CODE_LIMITS: VerificationCodeLimits = {
  codeTtlSeconds: 300,
  resendSeconds: 60,
  maxPerPhonePerDay: 10,
  maxPerIpPerHour: 30,
  maxAttempts: 5,
};

export type SendResult =
  | { ok: true /** The number the code went to, E.164. */; phone: string }
  | { ok: false; reason: 'invalid_phone' }
  | { ok: false; reason: 'too_soon' | 'phone_daily_cap' | 'ip_hourly_cap'; retryAfterSeconds: number }
  | { ok: false; reason: 'provider_error'; kind: SmsFailureKind };

export type VerifyResult =
  | { ok: true /** The verified number, E.164. */; phone: string }
  | { ok: false; reason: 'no_code' | 'too_many_attempts' | 'expired' }
  | { ok: false; reason: 'wrong_code'; attemptsLeft: number };

export interface VerificationCodes {
  /**
   * Sends a new code to `phone` (as typed; normalised here) unless a limit refuses it. Replaces any earlier code.
   * `holder` ties the code to whoever asked for it (a pending WeChat identity): only the same holder can use it.
   */
  send(request: { phone: string; ip: string; purpose: SmsPurpose; holder?: string }): Promise<SendResult>;
  /** Checks a code; the right one, from its holder, succeeds once and is used up. */
  verify(request: { phone: string; purpose: SmsPurpose; code: string; holder?: string }): Promise<VerifyResult>;
}

export interface VerificationCodesOptions {
  kv: KeyValueStore;
  sender: SmsSender;
  audit: AuditLog;
  /**
   * HMAC key for stored codes (SMS_CODE_SECRET). A code has only a million values, so a plain hash salted with the
   * phone and purpose is reversed in milliseconds by anyone who can read the store (a Redis dump, a DB backup);
   * keyed with a secret that is not in the store, the stored hash alone gives nothing away.
   */
  secret: string;
  limits?: Partial<VerificationCodeLimits>;
  /** Must be the clock the store expires keys by. */
  clock?: Clock;
}

/** What the store keeps for the current code of one number and purpose. */
interface StoredCode {
  /** Names this code's attempt counter and single-use token, so a replaced code's leftovers never apply to its successor. */
  id: string;
  hash: string;
  expiresAt: number;
  /** A digest of the holder the code was sent for, if it was sent for one. */
  holder?: string;
}

/**
 * How long a code's record outlives the code, so a late try hears "expired" rather than "no code".
 * The attempt counter lives as long, and its window starts after the code's, so it never ends first.
 */
const EXPIRED_NOTICE_SECONDS = 15 * 60;
const DAY_SECONDS = 24 * 3600;
const HOUR_SECONDS = 3600;

/**
 * SMS verification codes with abuse limits. All state is in the shared key-value store, so the limits hold across
 * every node: one atomic operation decides each race.
 *
 * send: take the number's resend lock (putIfAbsent) → check its daily count → count the IP (increment) → call the
 * provider → store the hashed code and count the number's day. 200 parallel requests for one number meet one lock
 * holder; 200 from one IP meet one counter. A failed send stores no code, releases the resend lock and does not
 * count against the number's day, so the person may retry at once. It does still count against the IP's hour: the
 * store has no decrement, and an IP whose sends keep failing (bad numbers, SMS pumping) is what that cap is for.
 *
 * verify: count the try (increment) before comparing, so parallel guesses cannot all slip in under the limit, then
 * consume the code's single-use token (take): of two parallel right answers exactly one wins.
 */
export function createVerificationCodes(options: VerificationCodesOptions): VerificationCodes {
  const { kv, sender, audit, secret } = options;
  const clock = options.clock ?? systemClock;
  const limits = { ...DEFAULT_VERIFICATION_CODE_LIMITS, ...options.limits };

  const codeKey = (purpose: SmsPurpose, phone: string) => `sms:code:${purpose}:${phone}`;
  const tokenKey = (id: string) => `sms:code-token:${id}`;
  const attemptsKey = (id: string) => `sms:code-attempts:${id}`;
  const resendKey = (phone: string) => `sms:resend:${phone}`;
  const dayKey = (phone: string) => `sms:day:${phone}`;
  const ipKey = (ip: string) => `sms:ip:${ipBucket(ip)}`;
  const hash = (purpose: SmsPurpose, phone: string, code: string) =>
    createHmac('sha256', secret).update(`${purpose}\n${phone}\n${code}`).digest('hex');
  const retryAfter = async (key: string) => Math.max(1, await kv.ttl(key));
  // Holders are secrets (a pending identity's id): the store keeps only a keyed digest of them.
  const holderDigest = (holder: string) => createHmac('sha256', secret).update(`holder\n${holder}`).digest('base64url');

  return {
    async send({ phone: input, ip, purpose, holder }) {
      const normalised = normalisePhone(input);
      if (!normalised.ok) return { ok: false, reason: 'invalid_phone' };
      const phone = normalised.phone;

      if (!(await kv.putIfAbsent(resendKey(phone), true, limits.resendSeconds)))
        return { ok: false, reason: 'too_soon', retryAfterSeconds: await retryAfter(resendKey(phone)) };
      // From here this call holds the number's lock, so nobody else can send to it or count its day meanwhile.
      if ((await kv.counter(dayKey(phone))) >= limits.maxPerPhonePerDay) {
        await kv.delete(resendKey(phone));
        return { ok: false, reason: 'phone_daily_cap', retryAfterSeconds: await retryAfter(dayKey(phone)) };
      }
      if ((await kv.increment(ipKey(ip), HOUR_SECONDS)) > limits.maxPerIpPerHour) {
        await kv.delete(resendKey(phone));
        return { ok: false, reason: 'ip_hourly_cap', retryAfterSeconds: await retryAfter(ipKey(ip)) };
      }

      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const sent = { phone: maskPhone(phone), purpose, provider: sender.provider, client: { ip, userAgent: null } };
      try {
        await sender.send({ phone, code, purpose });
      } catch (err) {
        await kv.delete(resendKey(phone));
        if (!(err instanceof SmsSendError)) throw err;
        await audit.record({ type: 'sms.failed', ...sent, kind: err.kind, providerCode: err.providerCode ?? null });
        return { ok: false, reason: 'provider_error', kind: err.kind };
      }

      const id = randomBytes(12).toString('base64url');
      const stored: StoredCode = {
        id,
        hash: hash(purpose, phone, code),
        expiresAt: clock.now() + limits.codeTtlSeconds * 1000,
        ...(holder ? { holder: holderDigest(holder) } : {}),
      };
      await kv.put(tokenKey(id), true, limits.codeTtlSeconds);
      await kv.put(codeKey(purpose, phone), stored, limits.codeTtlSeconds + EXPIRED_NOTICE_SECONDS);
      await kv.increment(dayKey(phone), DAY_SECONDS);
      await audit.record({ type: 'sms.sent', ...sent });
      return { ok: true, phone };
    },

    async verify({ phone: input, purpose, code, holder }) {
      const normalised = normalisePhone(input);
      if (!normalised.ok) return { ok: false, reason: 'no_code' };
      const phone = normalised.phone;
      const stored = await kv.get<StoredCode>(codeKey(purpose, phone));
      if (!stored) return { ok: false, reason: 'no_code' };
      if (clock.now() >= stored.expiresAt) return { ok: false, reason: 'expired' };
      if (!(await kv.get(tokenKey(stored.id)))) return { ok: false, reason: 'no_code' }; // already used
      // Someone else's code for this number (a forged form posting the attacker's number and code): not this holder's to use.
      if (stored.holder !== (holder ? holderDigest(holder) : undefined)) return { ok: false, reason: 'no_code' };

      const attempts = await kv.increment(attemptsKey(stored.id), limits.codeTtlSeconds + EXPIRED_NOTICE_SECONDS);
      if (attempts > limits.maxAttempts) return { ok: false, reason: 'too_many_attempts' };
      const expected = Buffer.from(stored.hash, 'hex');
      const given = Buffer.from(hash(purpose, phone, code.trim()), 'hex');
      if (!timingSafeEqual(expected, given)) {
        const attemptsLeft = limits.maxAttempts - attempts;
        return attemptsLeft > 0 ? { ok: false, reason: 'wrong_code', attemptsLeft } : { ok: false, reason: 'too_many_attempts' };
      }

      // The record stays (the store cannot delete it only if it is still this code's); the spent token marks it used.
      if (!(await kv.take(tokenKey(stored.id)))) return { ok: false, reason: 'no_code' };
      return { ok: true, phone };
    },
  };
}
