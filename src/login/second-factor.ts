import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditLog, ClientInfo } from '../audit/audit-log.js';
import type { LoginRequest } from '../cas/login-request.js';
import type { Clock } from '../clock.js';
import type { Accounts } from '../directories/accounts.js';
import { DirectoryUnavailable } from '../directories/directory.js';
import type { KeyValueStore } from '../kv/store.js';
import type { SecondFactors } from '../mfa/second-factors.js';
import { requiresSecondFactor } from '../services/access.js';
import type { SendResult, VerificationCodes } from '../sms/verification-codes.js';
import { randomToken } from '../tickets/ids.js';
import type { SecondFactorMethod, SecondFactorRecord, TicketGrantingTicket } from '../tickets/types.js';
import type { UserStore } from '../users/store.js';
import type { SignedIn } from './outcome.js';
import type { LoginTransaction } from './transaction.js';

/** The id a pending second step is named by in its URL: 32 random letters and digits. It lives as long as a login form. */
const ID = /^[A-Za-z0-9]{32}$/;

/** The first factor passed, the second not yet: what the second-factor page continues from. */
export interface PendingSecondFactor {
  signedIn: SignedIn;
  request: LoginRequest;
  /** The factors this person can use here, in the page's order. */
  factors: SecondFactorMethod[];
  /** Where an SMS code goes (the account's bound phone), when `sms` is offered. */
  phone: string | null;
  /** The service's name, for the page. */
  service: string | null;
}

interface Held extends PendingSecondFactor {
  /** sha256 of the browser cookie: only the browser that passed the first factor continues. */
  browser: string;
}

/** What the sign-in does after the first factor: nothing more, ask for a second factor, or nothing can be asked. */
export type SecondFactorDecision = { kind: 'none' } | { kind: 'ask'; factors: SecondFactorMethod[]; phone: string | null } | { kind: 'unavailable' };

export type SecondFactorRefusal =
  | { reason: 'gone' }
  | { reason: 'wrong_code' | 'missing_code' | 'not_offered' }
  | { reason: 'throttled'; retryAfterSeconds: number }
  | { reason: 'sms'; code: 'no_code' | 'too_many_attempts' | 'expired' | 'wrong_code'; attemptsLeft?: number };

export type SecondFactorStep = ReturnType<typeof createSecondFactorStep>;

/**
 * The second step of a sign-in, after any first factor: asked when the service requires a second factor or the
 * account has an authenticator app (its own choice). The person is held, bound to this browser, until a TOTP code,
 * an SMS code to the account's phone (not after an SMS-code sign-in: that would be the same factor twice) or a
 * recovery code is right; only then is the SSO session established. Knows nothing of HTTP.
 */
export function createSecondFactorStep(deps: {
  kv: KeyValueStore;
  factors: SecondFactors;
  codes: Pick<VerificationCodes, 'send' | 'verify'>;
  audit: AuditLog;
  clock: Clock;
  ttlSeconds: number;
  /** The account read again before the session is made: one disabled while the page was open gets none. */
  users: Pick<UserStore, 'findById'>;
  /** The account as its directory has it now, for a step-up from a live session. */
  accounts: Pick<Accounts, 'accountOf'>;
}) {
  const { kv, factors } = deps;
  const key = (id: string) => `mfa:pending:${id}`;

  async function held(id: string | undefined, browserId: string | undefined): Promise<Held | undefined> {
    if (!id || !ID.test(id) || !browserId) return undefined;
    const pending = await kv.get<Held>(key(id));
    if (!pending) return undefined;
    const expected = Buffer.from(pending.browser);
    const given = Buffer.from(sha256(browserId));
    return expected.length === given.length && timingSafeEqual(expected, given) ? pending : undefined;
  }

  return {
    /** Whether this sign-in needs a second factor, and which this person can give. */
    async decide(signedIn: SignedIn, transaction: LoginTransaction): Promise<SecondFactorDecision> {
      const { user, account, method } = signedIn;
      const totp = await factors.hasTotp(user.id);
      const required = transaction.service ? requiresSecondFactor(transaction.service.registered) : false;
      if (!required && !totp) return { kind: 'none' };
      const phone = user.phone ?? account.phone;
      const offered: SecondFactorMethod[] = [];
      if (totp) offered.push('totp');
      if (phone && method !== 'sms') offered.push('sms');
      if (totp) offered.push('recovery-code');
      return offered.length > 0 ? { kind: 'ask', factors: offered, phone: offered.includes('sms') ? phone : null } : { kind: 'unavailable' };
    },

    /**
     * Step-up: a live session that passed no second factor, at a service that requires one. The session already proved
     * the first factor, so only the second is asked (as Apereo does); the person as the session's method signed them
     * in, read again. Undefined when no second factor can be asked (the login page then asks for both).
     */
    async stepUp(session: TicketGrantingTicket, transaction: LoginTransaction): Promise<PendingSecondFactor | undefined> {
      const user = await deps.users.findById(session.userId);
      if (user?.status !== 'active') return undefined;
      let account: Awaited<ReturnType<Accounts['accountOf']>>;
      try {
        account = await deps.accounts.accountOf(user);
      } catch (err) {
        if (err instanceof DirectoryUnavailable) return undefined;
        throw err;
      }
      if (!account || account.disabled) return undefined;
      const signedIn: SignedIn = { user, account, method: session.method };
      const decision = await this.decide(signedIn, transaction);
      if (decision.kind !== 'ask') return undefined;
      return {
        signedIn,
        request: transaction.request,
        factors: decision.factors,
        phone: decision.phone,
        service: transaction.service?.registered.name ?? null,
      };
    },

    /** Holds the person for the second-factor page; returns the id its URL carries. */
    async hold(browserId: string, pending: PendingSecondFactor): Promise<string> {
      const id = randomToken(32);
      await kv.put(key(id), { ...pending, browser: sha256(browserId) } satisfies Held, deps.ttlSeconds);
      return id;
    },

    /** The person held for this browser, to draw the page. */
    async peek(id: string | undefined, browserId: string | undefined): Promise<PendingSecondFactor | undefined> {
      return held(id, browserId);
    },

    /** An SMS code to the account's phone, tied to this pending sign-in (no other can use it). */
    async sendSms(id: string, browserId: string, ip: string, proof?: string): Promise<SendResult | { ok: false; reason: 'gone' | 'not_offered' }> {
      const pending = await held(id, browserId);
      if (!pending) return { ok: false, reason: 'gone' };
      if (!pending.factors.includes('sms') || !pending.phone) return { ok: false, reason: 'not_offered' };
      return deps.codes.send({ phone: pending.phone, ip, purpose: 'second-factor', holder: id, browser: browserId, ...(proof ? { proof } : {}) });
    },

    /**
     * Checks the second factor. A right one ends the pending sign-in (taken once: two parallel right answers make
     * one session) and says what was passed; every refusal except "gone" is audited.
     */
    async verify(
      id: string,
      browserId: string | undefined,
      input: { factor: string; code: string },
      client: ClientInfo,
    ): Promise<{ ok: true; pending: PendingSecondFactor; mfa: SecondFactorRecord } | ({ ok: false } & SecondFactorRefusal)> {
      const pending = await held(id, browserId);
      if (!pending) return { ok: false, reason: 'gone' };
      const factor = pending.factors.find((f) => f === input.factor);
      if (!factor) return { ok: false, reason: 'not_offered' };
      const code = input.code.trim();
      if (!code) return { ok: false, reason: 'missing_code' };
      const userId = pending.signedIn.user.id;
      const refusal = await check(factor, userId, code, pending, id);
      if (refusal) {
        const reason = refusal.reason === 'sms' ? refusal.code : refusal.reason;
        await deps.audit.record({ type: 'mfa.failure', userId, factor, reason, client });
        return { ok: false, ...refusal };
      }
      if (!(await kv.take(key(id)))) return { ok: false, reason: 'gone' };
      const current = await deps.users.findById(userId);
      if (current?.status !== 'active') return { ok: false, reason: 'gone' };
      await deps.audit.record({ type: 'mfa.success', userId, factor, ...(pending.service ? { service: pending.service } : {}), client });
      return { ok: true, pending, mfa: { method: factor, time: deps.clock.now() } };
    },
  };

  async function check(
    factor: SecondFactorMethod,
    userId: string,
    code: string,
    pending: Held,
    id: string,
  ): Promise<SecondFactorRefusal | undefined> {
    if (factor === 'sms') {
      if (!pending.phone) return { reason: 'not_offered' };
      // The code's own limit (5 tries) holds; each try also counts against the account's second-factor limit.
      const decision = await factors.countAttempt(userId);
      if (!decision.allowed) return { reason: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
      if (!/^\d{6}$/.test(code)) return { reason: 'wrong_code' };
      const verified = await deps.codes.verify({ phone: pending.phone, purpose: 'second-factor', code, holder: id });
      if (!verified.ok)
        return { reason: 'sms', code: verified.reason, ...(verified.reason === 'wrong_code' ? { attemptsLeft: verified.attemptsLeft } : {}) };
      await factors.clearAttempts(userId);
      return undefined;
    }
    const checked = factor === 'totp' ? await factors.checkTotp(userId, code) : await factors.checkRecoveryCode(userId, code);
    if (checked.ok) return undefined;
    if (checked.reason === 'throttled') return { reason: 'throttled', retryAfterSeconds: checked.retryAfterSeconds };
    return { reason: checked.reason === 'not_enrolled' ? 'not_offered' : 'wrong_code' };
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
