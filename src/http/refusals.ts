import type { CodeRefusal, Refusal, RefusalReasons, SignInStep } from '../login/outcome.js';
import type { RecoveryReason, RecoveryRefusal } from '../login/recovery.js';
import type { SecondFactorRefusal } from '../login/second-factor.js';
import type { SmsFailureKind } from '../sms/sender.js';
import type { SendResult } from '../sms/verification-codes.js';
import type { PasswordRefusal } from '../users/password-policy.js';
import type { Translate } from './pages/i18n.js';
import type { MessageKey } from './pages/messages.js';

/** How a page shows one refusal: its message and the HTTP status of the page. */
interface RefusalView {
  message: MessageKey;
  status: number;
}

const CODE_REFUSALS: Record<CodeRefusal, RefusalView> = {
  invalid_phone: { message: 'sms.error.invalid_phone', status: 400 },
  missing_code: { message: 'sms.error.missing_code', status: 400 },
  no_code: { message: 'sms.error.no_code', status: 400 },
  wrong_code: { message: 'sms.error.wrong_code', status: 400 },
  too_many_attempts: { message: 'sms.error.too_many_attempts', status: 400 },
  expired: { message: 'sms.error.expired', status: 400 },
};

/** The directory that holds the accounts could not answer: nothing the person did, so 503 and "try again". */
const DIRECTORY_UNAVAILABLE: RefusalView = { message: 'error.directory_unavailable', status: 503 };

/**
 * The one catalogue from a sign-in refusal to what the person reads. Typed by the login layer's reasons: a
 * reason added there without a message here fails the typecheck.
 */
const REFUSALS = {
  password: {
    missing_fields: { message: 'login.error.missing_fields', status: 400 },
    invalid_credentials: { message: 'login.error.invalid_credentials', status: 401 },
    disabled: { message: 'login.error.disabled', status: 401 },
    throttled: { message: 'login.error.throttled', status: 429 },
    directory_unavailable: DIRECTORY_UNAVAILABLE,
  },
  sms: {
    ...CODE_REFUSALS,
    no_account: { message: 'sms.login.no_account', status: 404 },
    disabled: { message: 'sms.login.disabled', status: 403 },
    password_required: { message: 'sms.login.password_required', status: 403 },
    directory_unavailable: DIRECTORY_UNAVAILABLE,
  },
  wechat: {
    state_missing: { message: 'wechat.bad_state.missing', status: 400 },
    state_unknown_or_expired: { message: 'wechat.bad_state.unknown_or_expired', status: 400 },
    state_other_browser: { message: 'wechat.bad_state.other_browser', status: 400 },
    declined: { message: 'wechat.declined.body', status: 200 },
    // The code in the callback is malformed, or WeChat refused it (then WECHAT_ERRORS says which way).
    code_refused: { message: 'wechat.error.code_malformed', status: 400 },
    wechat_error: { message: 'wechat.error.unavailable', status: 502 },
    snapshot_user: { message: 'wechat.snapshot.body', status: 403 },
    disabled: { message: 'wechat.disabled.body', status: 403 },
    directory_unavailable: DIRECTORY_UNAVAILABLE,
  },
  wecom: {
    state_missing: { message: 'wecom.bad_state.missing', status: 400 },
    state_unknown_or_expired: { message: 'wecom.bad_state.unknown_or_expired', status: 400 },
    state_other_browser: { message: 'wecom.bad_state.other_browser', status: 400 },
    declined: { message: 'wecom.declined.body', status: 200 },
    code_invalid: { message: 'wecom.error.code', status: 400 },
    ip_not_trusted: { message: 'wecom.error.ip', status: 502 },
    not_visible: { message: 'wecom.not_visible.body', status: 403 },
    not_member: { message: 'wecom.not_member.body', status: 403 },
    wecom_error: { message: 'wecom.error.unavailable', status: 502 },
    disabled: { message: 'wecom.disabled.body', status: 403 },
    directory_unavailable: DIRECTORY_UNAVAILABLE,
  },
  'wecom-binding': {
    ...CODE_REFUSALS,
    no_account: { message: 'wecom.bind.no_account', status: 404 },
    disabled: { message: 'wecom.disabled.body', status: 403 },
    directory_unavailable: DIRECTORY_UNAVAILABLE,
  },
  'wechat-binding': {
    ...CODE_REFUSALS,
    phone_user_disabled: { message: 'bind.error.phone_user_disabled', status: 409 },
    user_has_other_wechat: { message: 'bind.error.user_has_other_wechat', status: 409 },
    wechat_already_bound: { message: 'bind.error.wechat_already_bound', status: 409 },
    directory_unavailable: DIRECTORY_UNAVAILABLE,
    missing_fields: { message: 'login.error.missing_fields', status: 400 },
    invalid_credentials: { message: 'login.error.invalid_credentials', status: 401 },
    throttled: { message: 'login.error.throttled', status: 429 },
    disabled: { message: 'login.error.disabled', status: 401 },
    password_required: { message: 'bind.error.password_required', status: 403 },
  },
} as const satisfies { [S in SignInStep]: Record<RefusalReasons[S], RefusalView> };

/** WeChat's failure kinds (wechat/errors.ts) as the person reads them; anything else is "could not be reached". */
const WECHAT_ERRORS: Partial<Record<string, MessageKey>> = {
  code_invalid: 'wechat.error.code',
  code_used: 'wechat.error.code',
  code_expired: 'wechat.error.code',
  token_invalid: 'wechat.error.token',
  token_expired: 'wechat.error.token',
  openid_mismatch: 'wechat.error.token',
  unauthorized: 'wechat.error.token',
  misconfigured: 'wechat.error.config',
  rate_limited: 'wechat.error.busy',
  system_error: 'wechat.error.busy',
};

/** WeCom's failure kinds (wecom/errors.ts) that have a message of their own; anything else is "could not be reached". */
const WECOM_ERRORS: Partial<Record<string, MessageKey>> = {
  misconfigured: 'wecom.error.config',
  domain_not_trusted: 'wecom.error.config',
  member_not_found: 'wecom.error.config',
  token_invalid: 'wecom.error.config',
  token_expired: 'wecom.error.config',
  rate_limited: 'wecom.error.busy',
  system_error: 'wecom.error.busy',
};

export function refusalStatus(refusal: Refusal): number {
  return (REFUSALS[refusal.step] as Record<string, RefusalView>)[refusal.reason]!.status;
}

/**
 * The refusal in the person's language, with the figures it names (minutes to wait, tries left) and, for a number
 * that is not one, the countries codes go to.
 */
export function refusalText(t: Translate, refusal: Refusal, countries = ''): string {
  const view = (REFUSALS[refusal.step] as Record<string, RefusalView>)[refusal.reason]!;
  const wechatKind = refusal.wechatError?.kind;
  const wecomKind = refusal.reason === 'wecom_error' ? refusal.wecomError?.kind : undefined;
  const message =
    wechatKind !== undefined && Object.hasOwn(WECHAT_ERRORS, wechatKind)
      ? (WECHAT_ERRORS[wechatKind] ?? view.message)
      : wecomKind !== undefined && Object.hasOwn(WECOM_ERRORS, wecomKind)
        ? (WECOM_ERRORS[wecomKind] ?? view.message)
        : view.message;
  return t(message, {
    minutes: Math.max(1, Math.ceil((refusal.retryAfterSeconds ?? 60) / 60)),
    attempts: refusal.attemptsLeft ?? 0,
    countries,
  });
}

/** Whether the code the person was sent still works after this refusal (the form then keeps its code field). */
export function codeStillUsable(refusal: Refusal): boolean {
  return refusal.reason === 'wrong_code' || refusal.reason === 'missing_code';
}

type SendRefusal = Extract<SendResult, { ok: false }>;

/**
 * A refused "send me a code": the person's own mistakes and limits are 400 and 429; the service's side is 502 (the
 * provider refused or is misconfigured) or 503 (unavailable, timed out, out of quota or budget: try later or
 * another way).
 */
const SEND_REFUSALS: Record<Exclude<SendRefusal['reason'], 'provider_error'>, RefusalView> = {
  invalid_phone: { message: 'sms.error.invalid_phone', status: 400 },
  country_not_accepted: { message: 'sms.error.country_not_accepted', status: 400 },
  proof_missing: { message: 'sms.error.proof_missing', status: 400 },
  proof_failed: { message: 'sms.error.proof_failed', status: 400 },
  too_soon: { message: 'sms.error.too_soon', status: 429 },
  phone_daily_cap: { message: 'sms.error.phone_daily_cap', status: 429 },
  phone_ceiling: { message: 'sms.error.phone_ceiling', status: 429 },
  ip_hourly_cap: { message: 'sms.error.ip_hourly_cap', status: 429 },
  budget_spent: { message: 'sms.error.budget_spent', status: 503 },
};

const PROVIDER_FAILURES: Record<SmsFailureKind, RefusalView> = {
  invalid_number: { message: 'sms.error.provider_number', status: 400 },
  rate_limited_minute: { message: 'sms.error.provider_limited', status: 429 },
  rate_limited_hour: { message: 'sms.error.provider_limited', status: 429 },
  rate_limited_day: { message: 'sms.error.provider_limited', status: 429 },
  quota_exhausted: { message: 'sms.error.provider_quota', status: 503 },
  unavailable: { message: 'sms.error.provider', status: 503 },
  sign_or_template_unapproved: { message: 'sms.error.provider', status: 502 },
  bad_credentials: { message: 'sms.error.provider', status: 502 },
  rejected: { message: 'sms.error.provider', status: 502 },
};

function sendRefusalView(result: SendRefusal): RefusalView {
  return result.reason === 'provider_error' ? PROVIDER_FAILURES[result.kind] : SEND_REFUSALS[result.reason];
}

/**
 * Whether a code sent a moment ago may still be on its way after this refusal (a resend asked too soon, or without
 * its proof of work): the page keeps the code field, as the message tells the person to use that code.
 */
export function earlierCodeUsable(result: SendRefusal): boolean {
  return result.reason === 'too_soon' || result.reason === 'proof_missing' || result.reason === 'proof_failed';
}

/** The HTTP status of the page that says a send was refused. */
export function sendRefusalStatus(result: SendRefusal): number {
  return sendRefusalView(result).status;
}

/** A refused "send me a code" in the person's language; `countries` names where codes go (pages/countries.ts). */
export function sendRefusalText(t: Translate, result: SendRefusal, countries: string): string {
  return t(sendRefusalView(result).message, { seconds: 'retryAfterSeconds' in result ? result.retryAfterSeconds : 0, countries });
}

/** Recovery, activation and phone changes (login/recovery.ts): each reason's message and status. */
const RECOVERY_REFUSALS: Record<Exclude<RecoveryReason, 'weak_password'>, RefusalView> = {
  ...CODE_REFUSALS,
  no_match: { message: 'recovery.error.no_match', status: 400 },
  passwords_differ: { message: 'recovery.error.passwords_differ', status: 400 },
  disabled: { message: 'recovery.error.disabled', status: 403 },
  phone_taken: { message: 'recovery.error.phone_taken', status: 409 },
  same_phone: { message: 'recovery.error.same_phone', status: 400 },
  no_old_phone: { message: 'recovery.error.no_old_phone', status: 400 },
  missing_fields: { message: 'recovery.error.missing_fields', status: 400 },
  invalid_credentials: { message: 'recovery.error.wrong_password', status: 401 },
  throttled: { message: 'login.error.throttled', status: 429 },
};

const POLICY_REFUSALS: Record<PasswordRefusal['reason'], MessageKey> = {
  too_short: 'recovery.error.too_short',
  too_long: 'recovery.error.too_long',
  too_few_classes: 'recovery.error.too_few_classes',
  contains_name: 'recovery.error.contains_name',
  common: 'recovery.error.common',
};

export function recoveryRefusalStatus(refusal: RecoveryRefusal): number {
  return refusal.reason === 'weak_password' ? 400 : RECOVERY_REFUSALS[refusal.reason].status;
}

/** A recovery refusal in the person's language, with the policy's figures for a weak password. */
export function recoveryRefusalText(t: Translate, refusal: RecoveryRefusal): string {
  if (refusal.reason === 'weak_password') {
    const p = refusal.policy;
    return t(POLICY_REFUSALS[p.reason], {
      min: 'minLength' in p ? p.minLength : 0,
      max: 'maxLength' in p ? p.maxLength : 0,
      classes: 'minClasses' in p ? p.minClasses : 0,
    });
  }
  return t(RECOVERY_REFUSALS[refusal.reason].message, {
    attempts: 'attemptsLeft' in refusal ? (refusal.attemptsLeft ?? 0) : 0,
    minutes: Math.max(1, Math.ceil(('retryAfterSeconds' in refusal ? (refusal.retryAfterSeconds ?? 60) : 60) / 60)),
  });
}

/** A refused second factor: 401 for a wrong code (the page asks again), 429 over the limit, 400 for a sign-in that is gone. */
export function secondFactorRefusal(t: Translate, refusal: SecondFactorRefusal): { text: string; status: number } {
  const minutes = 'retryAfterSeconds' in refusal ? Math.max(1, Math.ceil(refusal.retryAfterSeconds / 60)) : 1;
  switch (refusal.reason) {
    case 'gone':
      return { text: t('mfa.error.gone'), status: 400 };
    case 'throttled':
      return { text: t('mfa.error.throttled', { minutes }), status: 429 };
    case 'missing_code':
      return { text: t('mfa.error.missing_code'), status: 400 };
    case 'wrong_code':
    case 'not_offered':
      return { text: t('mfa.error.wrong_code'), status: 401 };
    case 'sms':
      if (refusal.code === 'wrong_code') return { text: t('mfa.error.wrong_code_left', { count: refusal.attemptsLeft ?? 0 }), status: 401 };
      if (refusal.code === 'too_many_attempts') return { text: t('mfa.error.sms_used_up'), status: 429 };
      return { text: t('mfa.error.sms_used_up'), status: 400 };
  }
}
