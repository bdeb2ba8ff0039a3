import type { AdminVia, AuditLog } from '../audit/audit-log.js';
import type { Accounts } from '../directories/accounts.js';
import type { DirectoryAccount } from '../directories/directory.js';
import { maskPhone } from '../sms/mask.js';
import type { Notices } from '../sms/notices.js';
import type { SendResult, VerificationCodes } from '../sms/verification-codes.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { PhoneAppeals } from '../users/appeals.js';
import { UserConflictError } from '../users/errors.js';
import type { PasswordPolicy, PasswordRefusal } from '../users/password-policy.js';
import { normalisePhone } from '../users/phone.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import { checkTypedCode } from './methods/codes.js';
import { checkAccountPassword, type PasswordCheckDeps } from './methods/password.js';
import type { ClientInfo, CodeRefusal } from './outcome.js';

/** How many trailing characters of an ID number prove an activation (身份证后六位). */
export const ID_SUFFIX_LENGTH = 6;

/** Why a step of recovery, activation or a phone change did not happen. */
export type RecoveryRefusal =
  | { ok: false; reason: CodeRefusal; attemptsLeft?: number }
  /** The code was right, but no account with this login name has this number (or may be reset or activated with it). */
  | { ok: false; reason: 'no_match' }
  | { ok: false; reason: 'weak_password'; policy: PasswordRefusal }
  | { ok: false; reason: 'passwords_differ' | 'disabled' | 'phone_taken' | 'same_phone' | 'no_old_phone' | 'missing_fields' }
  | { ok: false; reason: 'invalid_credentials' | 'throttled'; retryAfterSeconds?: number };

export type RecoveryReason = RecoveryRefusal['reason'];

/** A code request: what the person typed, and what the proof of work and the limits need. */
export interface CodeRequest {
  ip: string;
  browser?: string | undefined;
  proof?: string | undefined;
}

export type Recovery = ReturnType<typeof createRecovery>;

/**
 * The account's life outside signing in (issue 15): activation of an imported account, a password reset by SMS code to
 * the account's bound number, and changing the number (proving the new one, and the old one by code or the password;
 * an appeal when the old one is lost). Knows nothing of HTTP.
 *
 * What wecas can write: its own accounts (`local`). A directory account (LDAP, an existing table) keeps its password
 * in the directory, which wecas only reads: reset and activation never send a code for one, and the pages link to
 * the directory's own password page (DIRECTORY_PASSWORD_URL). Its phone binding lives on wecas's record, so the
 * number of a directory account can be changed here.
 *
 * Until a code is verified, every answer is the same whether the login name exists, has that number, or not: a code
 * is sent only where it can be used, and "a code is on its way" is said either way.
 */
export function createRecovery(
  deps: {
    accounts: Accounts;
    users: UserStore;
    codes: VerificationCodes;
    sessions: SsoSessions;
    audit: AuditLog;
    policy: PasswordPolicy;
    notices: Notices;
    appeals: PhoneAppeals;
    /** The attribute holding an ID number (ACTIVATION_ID_ATTRIBUTE), or undefined. */
    idAttribute: string | undefined;
  } & PasswordCheckDeps,
) {
  const { accounts, users, codes, audit } = deps;

  /** A local, active account by login name, with its record. */
  async function ownAccount(login: string): Promise<User | undefined> {
    const trimmed = login.trim();
    if (!trimmed) return undefined;
    const account = await accounts.findByLogin(trimmed);
    if (account?.directory !== 'local' || account.disabled) return undefined;
    const user = await users.findById(account.id);
    return user && user.status === 'active' ? user : undefined;
  }

  function typedPhone(phone: string): string | undefined {
    const parsed = normalisePhone(phone.trim());
    return parsed.ok ? parsed.phone : undefined;
  }

  /** What activation proves with, for this account and what was typed; undefined when it does not match. */
  function activationProof(user: User, phone: string, idSuffix: string): 'phone' | 'id_suffix' | undefined {
    if (user.hasPassword) return undefined;
    if (user.phone) return user.phone === phone ? 'phone' : undefined;
    const id = deps.idAttribute ? user.attributes[deps.idAttribute]?.[0] : undefined;
    const suffix = idSuffix.trim().toUpperCase();
    if (!id || suffix.length !== ID_SUFFIX_LENGTH) return undefined;
    return id.trim().toUpperCase().endsWith(suffix) ? 'id_suffix' : undefined;
  }

  /** Sends a code where it can be used; "sent" either way, so the answer tells nothing about the account. */
  async function sendIf(matches: boolean, phone: string, purpose: 'reset' | 'activate', request: CodeRequest): Promise<SendResult> {
    const typed = typedPhone(phone);
    if (!typed) return { ok: false, reason: 'invalid_phone' };
    if (!matches) return { ok: true, phone: typed };
    return codes.send({
      phone: typed,
      ip: request.ip,
      purpose,
      ...(request.browser ? { browser: request.browser } : {}),
      ...(request.proof ? { proof: request.proof } : {}),
    });
  }

  /**
   * The new password against the policy, before the code is spent (a weak password is said while the code still
   * works), with what the person typed: the answer cannot tell whether the login name exists.
   */
  function checkNewPassword(typed: { login: string; phone: string }, password: string, again: string): RecoveryRefusal | undefined {
    if (password !== again) return { ok: false, reason: 'passwords_differ' };
    const refused = deps.policy.check(password, { login: typed.login.trim(), phone: typedPhone(typed.phone) ?? null });
    return refused ? { ok: false, reason: 'weak_password', policy: refused } : undefined;
  }

  async function verify(phone: string, code: string, purpose: 'reset' | 'activate' | 'phone', holder?: string) {
    const verified = await checkTypedCode(codes, { phone, code, purpose, ...(holder ? { holder } : {}) });
    if (!verified.ok)
      return verified.attemptsLeft === undefined ? { ok: false as const, reason: verified.reason } : { ...verified, ok: false as const };
    return verified;
  }

  /** The number the account has now: its wecas record's binding, else the one its directory holds. */
  async function currentPhone(user: User): Promise<string | null> {
    if (user.phone || user.directory === 'local') return user.phone;
    return (await accounts.accountOf(user).catch(() => undefined))?.phone ?? null;
  }

  async function setPhone(user: User, phone: string): Promise<RecoveryRefusal | undefined> {
    const owner = await accounts.findByPhone(phone).catch(() => undefined);
    if (owner && owner.id !== user.id && !(owner.directory === user.directory && owner.id === user.directoryId))
      return { ok: false, reason: 'phone_taken' };
    try {
      await users.update(user.id, { phone });
    } catch (err) {
      if (err instanceof UserConflictError) return { ok: false, reason: 'phone_taken' };
      throw err;
    }
    await users.markPhoneProved(user.id, phone);
    return undefined;
  }

  return {
    /** Step 1 of "forgot password": a code to the account's bound number, if `phone` is it. */
    async sendResetCode(input: { login: string; phone: string } & CodeRequest): Promise<SendResult> {
      const user = await ownAccount(input.login);
      const typed = typedPhone(input.phone);
      return sendIf(!!user && !!typed && user.phone === typed, input.phone, 'reset', input);
    },

    /**
     * Step 2: the code and a new password. Every session of the account ends, with single logout; the account's
     * phone is told (SMS_NOTICES=password). The person is then signed in as the account.
     */
    async reset(
      input: { login: string; phone: string; code: string; password: string; again: string },
      client: ClientInfo,
    ): Promise<{ ok: true; user: User; account: DirectoryAccount } | RecoveryRefusal> {
      const weak = checkNewPassword(input, input.password, input.again);
      if (weak) return weak;
      const verified = await verify(input.phone, input.code, 'reset');
      if (!verified.ok) return verified;
      const user = await ownAccount(input.login);
      if (!user || user.phone !== verified.phone) return { ok: false, reason: 'no_match' };
      const named = deps.policy.check(input.password, { displayName: user.displayName });
      if (named) return { ok: false, reason: 'weak_password', policy: named };
      await users.setPassword(user.id, input.password);
      await users.markPhoneProved(user.id, verified.phone);
      const ended = await deps.sessions.endAll(user.id);
      await audit.record({ type: 'password.reset', userId: user.id, sessions: ended, client });
      await deps.notices.notify('password', verified.phone, client.ip);
      const fresh = (await users.findById(user.id)) ?? user;
      const account = await accounts.accountOf(fresh);
      if (!account) return { ok: false, reason: 'no_match' };
      return { ok: true, user: fresh, account };
    },

    /** Step 1 of activation: the login name and the account's number, or (no number, ID numbers held) an ID suffix and a number to bind. */
    async sendActivationCode(input: { login: string; phone: string; idSuffix: string } & CodeRequest): Promise<SendResult> {
      const user = await ownAccount(input.login);
      const typed = typedPhone(input.phone);
      return sendIf(!!user && !!typed && activationProof(user, typed, input.idSuffix) !== undefined, input.phone, 'activate', input);
    },

    /** Step 2: the code and the first password; a number proved by ID suffix becomes the account's. Then signed in. */
    async activate(
      input: { login: string; phone: string; idSuffix: string; code: string; password: string; again: string },
      client: ClientInfo,
    ): Promise<{ ok: true; user: User; account: DirectoryAccount } | RecoveryRefusal> {
      const weak = checkNewPassword(input, input.password, input.again);
      if (weak) return weak;
      const verified = await verify(input.phone, input.code, 'activate');
      if (!verified.ok) return verified;
      const user = await ownAccount(input.login);
      const by = user ? activationProof(user, verified.phone, input.idSuffix) : undefined;
      if (!user || !by) return { ok: false, reason: 'no_match' };
      const named = deps.policy.check(input.password, { displayName: user.displayName });
      if (named) return { ok: false, reason: 'weak_password', policy: named };
      if (by === 'id_suffix') {
        const taken = await setPhone(user, verified.phone);
        if (taken) return taken;
      }
      await users.setPassword(user.id, input.password);
      await users.markPhoneProved(user.id, verified.phone);
      await audit.record({ type: 'account.activated', userId: user.id, by, client });
      const fresh = (await users.findById(user.id)) ?? user;
      const account = await accounts.accountOf(fresh);
      if (!account) return { ok: false, reason: 'no_match' };
      return { ok: true, user: fresh, account };
    },

    /** The signed-in person's number now, and whether an appeal of theirs is waiting. */
    async phoneState(userId: string): Promise<{ phone: string | null; hasPassword: boolean; pendingAppeal: boolean } | undefined> {
      const user = await users.findById(userId);
      if (!user) return undefined;
      return {
        phone: await currentPhone(user),
        hasPassword: user.hasPassword || user.directory !== 'local',
        pendingAppeal: !!(await deps.appeals.pendingFor(userId)),
      };
    },

    /** A code to the new number (`which: 'new'`) or to the account's current one (`'old'`), for this account only. */
    async sendPhoneCode(userId: string, input: { which: 'new' | 'old'; phone: string } & CodeRequest): Promise<SendResult | RecoveryRefusal> {
      const user = await users.findById(userId);
      if (!user) return { ok: false, reason: 'no_match' };
      const phone = input.which === 'old' ? await currentPhone(user) : input.phone;
      if (!phone) return { ok: false, reason: 'no_old_phone' };
      const typed = typedPhone(phone);
      if (input.which === 'new' && typed && typed === (await currentPhone(user))) return { ok: false, reason: 'same_phone' };
      return codes.send({
        phone,
        ip: input.ip,
        purpose: 'phone',
        holder: `${input.which}:${userId}`,
        ...(input.browser ? { browser: input.browser } : {}),
        ...(input.proof ? { proof: input.proof } : {}),
      });
    },

    /**
     * Changes the number: the new one proved by its code, the old one by its code or the account's password. The
     * old number is told (SMS_NOTICES=phone): if someone else did this, its owner learns it there.
     */
    async changePhone(
      userId: string,
      input: { newPhone: string; newCode: string } & ({ by: 'code'; oldCode: string } | { by: 'password'; password: string }),
      client: ClientInfo,
    ): Promise<{ ok: true; phone: string } | RecoveryRefusal> {
      const user = await users.findById(userId);
      if (user?.status !== 'active') return { ok: false, reason: 'disabled' };
      const old = await currentPhone(user);
      if (input.by === 'code') {
        if (!old) return { ok: false, reason: 'no_old_phone' };
        const oldVerified = await verify(old, input.oldCode, 'phone', `old:${userId}`);
        if (!oldVerified.ok) return oldVerified;
      } else {
        const account = await accounts.accountOf(user);
        if (!account?.login) return { ok: false, reason: 'invalid_credentials' };
        const checked = await checkAccountPassword(deps, { username: account.login, password: input.password }, client);
        if (!checked.ok || checked.user.id !== user.id) {
          const reason = checked.ok
            ? 'invalid_credentials'
            : checked.reason === 'throttled'
              ? 'throttled'
              : checked.reason === 'missing_fields'
                ? 'missing_fields'
                : 'invalid_credentials';
          return { ok: false, reason, ...(!checked.ok && checked.retryAfterSeconds ? { retryAfterSeconds: checked.retryAfterSeconds } : {}) };
        }
      }
      const verified = await verify(input.newPhone, input.newCode, 'phone', `new:${userId}`);
      if (!verified.ok) return verified;
      if (verified.phone === old) return { ok: false, reason: 'same_phone' };
      const taken = await setPhone(user, verified.phone);
      if (taken) return taken;
      await audit.record({ type: 'phone.changed', userId, from: old ? maskPhone(old) : null, to: maskPhone(verified.phone), by: input.by, client });
      await deps.notices.notify('phone', old ?? verified.phone, client.ip);
      return { ok: true, phone: verified.phone };
    },

    /** The old number is lost: the new one proved by its code, an appeal recorded for an administrator. */
    async appeal(
      userId: string,
      input: { newPhone: string; newCode: string; reason: string },
      client: ClientInfo,
    ): Promise<{ ok: true; appealId: string } | RecoveryRefusal> {
      const user = await users.findById(userId);
      if (user?.status !== 'active') return { ok: false, reason: 'disabled' };
      const verified = await verify(input.newPhone, input.newCode, 'phone', `new:${userId}`);
      if (!verified.ok) return verified;
      const old = await currentPhone(user);
      if (verified.phone === old) return { ok: false, reason: 'same_phone' };
      const owner = await accounts.findByPhone(verified.phone).catch(() => undefined);
      if (owner && owner.id !== user.id && owner.id !== user.directoryId) return { ok: false, reason: 'phone_taken' };
      const appeal = await deps.appeals.create({ userId, oldPhone: old, newPhone: verified.phone, reason: input.reason.trim(), ip: client.ip });
      await audit.record({ type: 'phone.appeal', userId, appealId: appeal.id, to: maskPhone(verified.phone), client });
      return { ok: true, appealId: appeal.id };
    },

    /** An administrator's decision: approved, the appeal's number becomes the account's (if nobody has taken it meanwhile). */
    async decideAppeal(
      appealId: string,
      decision: 'approved' | 'rejected',
      by: string,
      /** Who decides: the CLI by default; an admin API request passes its own audit log, which names the admin. */
      as: { via: AdminVia; audit: AuditLog } = { via: 'cli', audit },
    ): Promise<'approved' | 'rejected' | 'not_pending' | 'phone_taken'> {
      const appeal = await deps.appeals.find(appealId);
      if (appeal?.status !== 'pending') return 'not_pending';
      if (decision === 'approved') {
        const user = await users.findById(appeal.userId);
        if (!user) return 'not_pending';
        const taken = await setPhone(user, appeal.newPhone);
        if (taken) return 'phone_taken';
      }
      if (!(await deps.appeals.decide(appealId, decision, by))) return 'not_pending';
      await as.audit.record({ type: 'phone.appeal_decided', userId: appeal.userId, appealId, decision, via: as.via });
      if (decision === 'approved')
        await as.audit.record({
          type: 'phone.changed',
          userId: appeal.userId,
          from: appeal.oldPhone ? maskPhone(appeal.oldPhone) : null,
          to: maskPhone(appeal.newPhone),
          by: 'appeal',
        });
      return decision;
    },
  };
}
