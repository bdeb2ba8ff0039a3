import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { type Clock, systemClock } from '../clock.js';
import { ipBucket } from '../kv/ip-bucket.js';
import type { KeyValueStore } from '../kv/store.js';
import { DEFAULT_COUNTRIES, normalisePhone } from '../users/phone.js';
import type { DailyBudget } from './daily-budget.js';
import { maskPhone } from './mask.js';
import type { RepeatSendGate } from './repeat-sends.js';
import { SMS_PURPOSES, type SmsFailureKind, type SmsPurpose, SmsSendError, type SmsSender } from './sender.js';

export interface VerificationCodeLimits {
  /** How long a code can be used. */
  codeTtlSeconds: number;
  /** At most one code per number in this many seconds (whatever the purpose). */
  resendSeconds: number;
  /**
   * Codes sent to one number at the request of one client address (IPv6: one /64) in a 24-hour window started by
   * the first: a stranger spends their own allowance, not the owner's.
   */
  maxPerPhonePerDay: number;
  /** Codes sent to one number from all addresses together in a 24-hour window: the ceiling SMS pumping meets. */
  phoneDailyCeiling: number;
  /** Sends from one IP (IPv6: one /64) in a one-hour window started by its first send. */
  maxPerIpPerHour: number;
  /** Tries a code allows, right or wrong; the try after the last wrong one is refused unchecked. */
  maxAttempts: number;
}

export const DEFAULT_VERIFICATION_CODE_LIMITS: VerificationCodeLimits = {
  codeTtlSeconds: 300,
  resendSeconds: 60,
  maxPerPhonePerDay: 10,
  phoneDailyCeiling: 50,
  maxPerIpPerHour: 30,
  maxAttempts: 5,
};

export type SendResult =
  | { ok: true /** The number the code went to, E.164. */; phone: string }
  | { ok: false; reason: 'invalid_phone' }
  /** A mobile number of a country codes are not sent to; `countries` are the accepted ones. */
  | { ok: false; reason: 'country_not_accepted'; countries: readonly string[] }
  /** A repeated send without a proof of work (`proof_missing`), or with one that is wrong, expired or used. */
  | { ok: false; reason: 'proof_missing' | 'proof_failed' }
  | { ok: false; reason: 'too_soon' | 'phone_daily_cap' | 'phone_ceiling' | 'ip_hourly_cap'; retryAfterSeconds: number }
  /** The service's daily SMS budget is spent: nobody gets a code until midnight, Beijing time. */
  | { ok: false; reason: 'budget_spent' }
  | { ok: false; reason: 'provider_error'; kind: SmsFailureKind };

export type VerifyResult =
  | { ok: true /** The verified number, E.164. */; phone: string }
  | { ok: false; reason: 'no_code' | 'too_many_attempts' | 'expired' }
  | { ok: false; reason: 'wrong_code'; attemptsLeft: number };

export interface SendRequest {
  /** As typed; normalised here. */
  phone: string;
  ip: string;
  purpose: SmsPurpose;
  /** Ties the code to whoever asked for it (a pending WeChat identity): only the same holder can use it. */
  holder?: string;
  /** The browser's id (its cookie): its first send to a number needs no proof of work. */
  browser?: string;
  /** A solved proof-of-work challenge (send-challenges.ts), needed for every other send. */
  proof?: string;
}

export interface VerificationCodes {
  /** Sends a new code to `phone` unless a limit refuses it. Replaces any earlier code. */
  send(request: SendRequest): Promise<SendResult>;
  /** Checks a code; the right one, from its holder, succeeds once and is used up. */
  verify(request: { phone: string; purpose: SmsPurpose; code: string; holder?: string }): Promise<VerifyResult>;
  /** Forgets the codes waiting for this number (E.164), of every purpose: a deleted account's. The limits stay. */
  discard(phone: string): Promise<void>;
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
  /** ISO codes of the countries codes are sent to (SMS_COUNTRIES); mainland China by default. */
  countries?: readonly string[];
  /** Proof of work for repeated sends. Without it (tests of the other limits) no send asks for one. */
  repeats?: RepeatSendGate;
  /** The service's daily budget. Without it, none. */
  budget?: DailyBudget;
  /** Where failures an operator must act on are reported (a used-up provider quota, bad keys). */
  logger?: Pick<Logger, 'error'>;
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
export const DAY_SECONDS = 24 * 3600;
const HOUR_SECONDS = 3600;

/** Provider failures nobody but an operator can fix: logged at error level, so they alert. */
const OPERATOR_FAILURES: ReadonlySet<SmsFailureKind> = new Set(['quota_exhausted', 'bad_credentials', 'sign_or_template_unapproved']);

/**
 * SMS verification codes with abuse limits. All state is in the shared key-value store, so the limits hold across
 * every node: one atomic operation decides each race.
 *
 * send: check the number (a mobile of an accepted country) → a repeat send from this browser needs a proof of work
 * → take the number's resend lock (putIfAbsent) → check its daily counts (from this address, and from everyone) →
 * count the IP (increment) → take one from the service's daily budget → call the provider → store the hashed code
 * and count the number's day. 200 parallel requests for one number meet one lock holder; 200 from one IP meet one
 * counter. A failed send stores no code, releases the resend lock, gives its budget back and does not count against
 * the number's day, so the person may retry at once. It does still count against the IP's hour: an IP whose sends
 * keep failing (bad numbers, SMS pumping) is what that cap is for.
 *
 * verify: count the try (increment) before comparing, so parallel guesses cannot all slip in under the limit, then
 * consume the code's single-use token (take): of two parallel right answers exactly one wins.
 */
export function createVerificationCodes(options: VerificationCodesOptions): VerificationCodes {
  const { kv, sender, audit, secret, repeats, budget } = options;
  const clock = options.clock ?? systemClock;
  const countries = options.countries ?? DEFAULT_COUNTRIES;
  const limits = { ...DEFAULT_VERIFICATION_CODE_LIMITS, ...options.limits };

  const codeKey = (purpose: SmsPurpose, phone: string) => `sms:code:${purpose}:${phone}`;
  const tokenKey = (id: string) => `sms:code-token:${id}`;
  const attemptsKey = (id: string) => `sms:code-attempts:${id}`;
  const resendKey = (phone: string) => `sms:resend:${phone}`;
  const dayKey = (phone: string, ip: string) => `sms:day:${phone}:${ipBucket(ip)}`;
  const ceilingKey = (phone: string) => `sms:day:${phone}`;
  const ipKey = (ip: string) => `sms:ip:${ipBucket(ip)}`;
  const hash = (purpose: SmsPurpose, phone: string, code: string) =>
    createHmac('sha256', secret).update(`${purpose}\n${phone}\n${code}`).digest('hex');
  const retryAfter = async (key: string) => Math.max(1, await kv.ttl(key));
  // Holders are secrets (a pending identity's id): the store keeps only a keyed digest of them.
  const holderDigest = (holder: string) => createHmac('sha256', secret).update(`holder\n${holder}`).digest('base64url');

  /** The counting limits, checked while this call holds the number's resend lock; undefined when all allow the send. */
  async function countedRefusal(phone: string, ip: string): Promise<SendResult | undefined> {
    if ((await kv.counter(dayKey(phone, ip))) >= limits.maxPerPhonePerDay)
      return { ok: false, reason: 'phone_daily_cap', retryAfterSeconds: await retryAfter(dayKey(phone, ip)) };
    if ((await kv.counter(ceilingKey(phone))) >= limits.phoneDailyCeiling)
      return { ok: false, reason: 'phone_ceiling', retryAfterSeconds: await retryAfter(ceilingKey(phone)) };
    if ((await kv.increment(ipKey(ip), HOUR_SECONDS)) > limits.maxPerIpPerHour)
      return { ok: false, reason: 'ip_hourly_cap', retryAfterSeconds: await retryAfter(ipKey(ip)) };
    return undefined;
  }

  /** The number as E.164, or why no code can go to it. */
  function checkNumber(input: string): { phone: string } | Extract<SendResult, { ok: false }> {
    const normalised = normalisePhone(input, { countries });
    if (normalised.ok) return { phone: normalised.phone };
    return normalised.reason === 'country_not_accepted'
      ? { ok: false, reason: 'country_not_accepted', countries }
      : { ok: false, reason: 'invalid_phone' };
  }

  async function storeCode(request: SendRequest, phone: string, code: string): Promise<void> {
    const id = randomBytes(12).toString('base64url');
    const stored: StoredCode = {
      id,
      hash: hash(request.purpose, phone, code),
      expiresAt: clock.now() + limits.codeTtlSeconds * 1000,
      ...(request.holder ? { holder: holderDigest(request.holder) } : {}),
    };
    await kv.put(tokenKey(id), true, limits.codeTtlSeconds);
    await kv.put(codeKey(request.purpose, phone), stored, limits.codeTtlSeconds + EXPIRED_NOTICE_SECONDS);
    await kv.increment(dayKey(phone, request.ip), DAY_SECONDS);
    await kv.increment(ceilingKey(phone), DAY_SECONDS);
    await repeats?.sent(request.browser, phone);
  }

  return {
    async send(request) {
      const number = checkNumber(request.phone);
      if (!('phone' in number)) return number;
      const { phone } = number;
      const { ip, purpose } = request;

      if (repeats) {
        const repeat = await repeats.check({ browser: request.browser, phone, proof: request.proof });
        if (repeat === 'missing') return { ok: false, reason: 'proof_missing' };
        if (repeat !== 'first' && repeat !== 'valid') return { ok: false, reason: 'proof_failed' };
      }
      if (!(await kv.putIfAbsent(resendKey(phone), true, limits.resendSeconds)))
        return { ok: false, reason: 'too_soon', retryAfterSeconds: await retryAfter(resendKey(phone)) };
      // From here this call holds the number's lock, so nobody else can send to it or count its day meanwhile.
      const refused = await countedRefusal(phone, ip);
      const ticket = refused || !budget ? undefined : await budget.take();
      if (refused || (budget && !ticket)) {
        await kv.delete(resendKey(phone));
        return refused ?? { ok: false, reason: 'budget_spent' };
      }

      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const sent = { phone: maskPhone(phone), purpose, provider: sender.provider, client: { ip, userAgent: null } };
      try {
        await sender.send({ phone, code, purpose });
      } catch (err) {
        await kv.delete(resendKey(phone));
        if (ticket) await budget?.giveBack(ticket);
        if (!(err instanceof SmsSendError)) throw err;
        if (OPERATOR_FAILURES.has(err.kind))
          options.logger?.error({ err, kind: err.kind }, `SMS provider refused every send (${err.kind}): an operator must act`);
        await audit.record({ type: 'sms.failed', ...sent, kind: err.kind, providerCode: err.providerCode ?? null });
        return { ok: false, reason: 'provider_error', kind: err.kind };
      }

      await storeCode(request, phone, code);
      await audit.record({ type: 'sms.sent', ...sent });
      return { ok: true, phone };
    },

    async discard(phone) {
      for (const purpose of SMS_PURPOSES) await kv.delete(codeKey(purpose, phone));
    },

    async verify({ phone: input, purpose, code, holder }) {
      const normalised = normalisePhone(input, { countries });
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
