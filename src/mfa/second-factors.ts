import { createHmac, randomInt } from 'node:crypto';
import type { AuditLog, ClientInfo } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/store.js';
import type { Db } from '../store/db.js';
import type { SecondFactorAttempts } from './attempts.js';
import { createSealer } from './sealing.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';

/** How long an authenticator being set up waits for its first code. */
export const ENROLMENT_SECONDS = 10 * 60;
export const RECOVERY_CODE_COUNT = 10;
/** No 0/o, 1/l/i: a code read off paper is typed right. 31 letters, 10 of them: about 50 bits each. */
const RECOVERY_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';

export interface SecondFactorStatus {
  /** When the TOTP authenticator was confirmed; null without one. */
  totpSince: number | null;
  recoveryCodesLeft: number;
}

export interface TotpEnrolment {
  /** Base32, as shown for typing by hand. */
  secret: string;
  uri: string;
}

/** Why a code was not accepted: not the right one (or one already used), too many tries, nothing to check it against. */
export type CodeCheck =
  | { ok: true }
  | { ok: false; reason: 'wrong_code' | 'not_enrolled' }
  | { ok: false; reason: 'throttled'; retryAfterSeconds: number };

export type SecondFactors = ReturnType<typeof createSecondFactors>;

/**
 * An account's second factors: its TOTP authenticator (set up from the account page, confirmed by a first code),
 * its one-time recovery codes, and the checks of both, each counted by the attempt limit. Knows nothing of HTTP.
 */
export function createSecondFactors(deps: {
  db: Db;
  kv: KeyValueStore;
  clock: Clock;
  audit: AuditLog;
  attempts: SecondFactorAttempts;
  /** SMS_CODE_SECRET: seals TOTP secrets, keys the recovery-code hashes. */
  secret: string;
  /** The name apps show beside the account (the issuer of the otpauth URI). */
  issuer: string;
}) {
  const { db, kv, clock, attempts } = deps;
  const sealer = createSealer(deps.secret, 'totp secrets');
  const enrolmentKey = (userId: string) => `mfa:enrol:${userId}`;
  const recoveryHash = (userId: string, code: string) =>
    createHmac('sha256', deps.secret)
      .update(`recovery code\n${userId}\n${normaliseRecoveryCode(code)}`)
      .digest('base64url');

  async function storedSecret(userId: string): Promise<{ secret: string; lastStep: number | null } | undefined> {
    const row = await db.selectFrom('second_factors').select(['totp_secret', 'totp_last_step']).where('user_id', '=', userId).executeTakeFirst();
    const secret = row ? sealer.open(row.totp_secret) : undefined;
    return row && secret ? { secret, lastStep: row.totp_last_step === null ? null : Number(row.totp_last_step) } : undefined;
  }

  /** Counts the try, then checks; a right code clears the count. */
  async function counted(userId: string, check: () => Promise<boolean>): Promise<CodeCheck> {
    const decision = await attempts.check(userId);
    if (!decision.allowed) return { ok: false, reason: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
    if (!(await check())) return { ok: false, reason: 'wrong_code' };
    await attempts.succeeded(userId);
    return { ok: true };
  }

  return {
    /** Forgets what the key-value store holds of a deleted account: an unfinished set-up, the count of wrong codes. */
    async forget(userId: string): Promise<void> {
      await kv.delete(enrolmentKey(userId));
      await attempts.succeeded(userId);
    },

    async status(userId: string): Promise<SecondFactorStatus> {
      const row = await db.selectFrom('second_factors').select('created_at').where('user_id', '=', userId).executeTakeFirst();
      const left = await db
        .selectFrom('recovery_codes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirstOrThrow();
      return { totpSince: row ? Number(row.created_at) : null, recoveryCodesLeft: Number(left.n) };
    },

    async hasTotp(userId: string): Promise<boolean> {
      return (await db.selectFrom('second_factors').select('user_id').where('user_id', '=', userId).executeTakeFirst()) !== undefined;
    },

    /** A new secret for the account, kept (sealed) for ENROLMENT_SECONDS until a first code confirms it. */
    async beginTotp(userId: string, account: string): Promise<TotpEnrolment> {
      const secret = newTotpSecret();
      await kv.put(enrolmentKey(userId), sealer.seal(secret), ENROLMENT_SECONDS);
      return { secret, uri: totpUri(secret, account, deps.issuer) };
    },

    /** The authenticator being set up, to show again (after a wrong code); undefined when none or expired. */
    async pendingTotp(userId: string, account: string): Promise<TotpEnrolment | undefined> {
      const sealed = await kv.get<string>(enrolmentKey(userId));
      const secret = sealed ? sealer.open(sealed) : undefined;
      return secret ? { secret, uri: totpUri(secret, account, deps.issuer) } : undefined;
    },

    /**
     * The first code proves the app holds the secret: the authenticator is stored, replacing none (an account has one),
     * and fresh recovery codes are made. Returns them in clear, the only time they exist so.
     */
    async confirmTotp(
      userId: string,
      code: string,
      client: ClientInfo,
    ): Promise<{ ok: true; recoveryCodes: string[] } | Exclude<CodeCheck, { ok: true }> | { ok: false; reason: 'already_enrolled' }> {
      const sealed = await kv.get<string>(enrolmentKey(userId));
      const secret = sealed ? sealer.open(sealed) : undefined;
      if (!secret) return { ok: false, reason: 'not_enrolled' };
      let step: number | undefined;
      const checked = await counted(userId, async () => {
        step = totpStep(secret, code.trim(), clock.now());
        return step !== undefined;
      });
      if (!checked.ok) return checked;
      const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
      const now = clock.now();
      const stored = await db.transaction().execute(async (trx) => {
        if (await trx.selectFrom('second_factors').select('user_id').where('user_id', '=', userId).executeTakeFirst()) return false;
        await trx
          .insertInto('second_factors')
          .values({ user_id: userId, totp_secret: sealer.seal(secret), totp_last_step: step ?? null, created_at: now })
          .execute();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        await trx
          .insertInto('recovery_codes')
          .values(recoveryCodes.map((c) => ({ user_id: userId, code_hash: recoveryHash(userId, c) })))
          .execute();
        return true;
      });
      if (!stored) return { ok: false, reason: 'already_enrolled' };
      await kv.delete(enrolmentKey(userId));
      await deps.audit.record({ type: 'mfa.enabled', userId, factor: 'totp', client });
      return { ok: true, recoveryCodes };
    },

    /**
     * A code of the account's app. Each time step is accepted once: the store moves the last used step forward only
     * if this one is later (one conditional UPDATE, so two nodes given the same code cannot both accept it).
     */
    async checkTotp(userId: string, code: string): Promise<CodeCheck> {
      const stored = await storedSecret(userId);
      if (!stored) return { ok: false, reason: 'not_enrolled' };
      return counted(userId, async () => {
        const step = totpStep(stored.secret, code.trim(), clock.now());
        if (step === undefined) return false;
        const result = await db
          .updateTable('second_factors')
          .set({ totp_last_step: step })
          .where('user_id', '=', userId)
          .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
          .executeTakeFirst();
        return result.numUpdatedRows > 0n;
      });
    },

    /** A recovery code: right once, then deleted. */
    async checkRecoveryCode(userId: string, code: string): Promise<CodeCheck> {
      if (!(await this.hasTotp(userId))) return { ok: false, reason: 'not_enrolled' };
      return counted(userId, async () => {
        if (normaliseRecoveryCode(code).length !== 10) return false;
        const result = await db
          .deleteFrom('recovery_codes')
          .where('user_id', '=', userId)
          .where('code_hash', '=', recoveryHash(userId, code))
          .executeTakeFirst();
        return result.numDeletedRows > 0n;
      });
    },

    /** Counts one try of a second factor checked elsewhere (an SMS code); see attempts.ts. */
    countAttempt: (userId: string) => attempts.check(userId),
    clearAttempts: (userId: string) => attempts.succeeded(userId),

    /** Removes the authenticator and its recovery codes (the caller has checked a code or the password). */
    async disableTotp(userId: string, by: 'code' | 'password', client: ClientInfo): Promise<boolean> {
      const removed = await db.transaction().execute(async (trx) => {
        await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
        return (await trx.deleteFrom('second_factors').where('user_id', '=', userId).executeTakeFirst()).numDeletedRows > 0n;
      });
      if (removed) await deps.audit.record({ type: 'mfa.disabled', userId, factor: 'totp', by, client });
      return removed;
    },
  };
}

function newRecoveryCode(): string {
  const chars = Array.from({ length: 10 }, () => RECOVERY_ALPHABET[randomInt(RECOVERY_ALPHABET.length)]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** As typed: any case, with or without the dash or spaces. */
function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]/g, '');
}
