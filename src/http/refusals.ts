import type { CodeRefusal, Refusal, RefusalReasons, SignInStep } from '../login/outcome.js';
import type { SendResult } from '../sms/verification-codes.js';
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
    directory_unavailable: DIRECTORY_UNAVAILABLE,
  },
  wechat: {
    state_missing: { message: 'wechat.bad_state.missing', status: 400 },
    state_unknown_or_expired: { message: 'wechat.bad_state.unknown_or_expired', status: 400 },
    state_other_browser: { message: 'wechat.bad_state.other_browser', status: 400 },
    declined: { message: 'wechat.declined.body', status: 200 },
    wechat_error: { message: 'wechat.error.unavailable', status: 502 },
    disabled: { message: 'wechat.disabled.body', status: 403 },
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

export function refusalStatus(refusal: Refusal): number {
  return (REFUSALS[refusal.step] as Record<string, RefusalView>)[refusal.reason]!.status;
}

/** The refusal in the person's language, with the figures it names (minutes to wait, tries left). */
export function refusalText(t: Translate, refusal: Refusal): string {
  const view = (REFUSALS[refusal.step] as Record<string, RefusalView>)[refusal.reason]!;
  const message = refusal.wechatError ? (WECHAT_ERRORS[refusal.wechatError.kind] ?? view.message) : view.message;
  return t(message, {
    minutes: Math.max(1, Math.ceil((refusal.retryAfterSeconds ?? 60) / 60)),
    attempts: refusal.attemptsLeft ?? 0,
  });
}

/** Whether the code the person was sent still works after this refusal (the form then keeps its code field). */
export function codeStillUsable(refusal: Refusal): boolean {
  return refusal.reason === 'wrong_code' || refusal.reason === 'missing_code';
}

/** A refused "send me a code" in the person's language. */
export function sendRefusalText(t: Translate, result: Extract<SendResult, { ok: false }>): string {
  switch (result.reason) {
    case 'invalid_phone':
      return t('sms.error.invalid_phone');
    case 'too_soon':
      return t('sms.error.too_soon', { seconds: result.retryAfterSeconds });
    case 'phone_daily_cap':
      return t('sms.error.phone_daily_cap');
    case 'ip_hourly_cap':
      return t('sms.error.ip_hourly_cap');
    case 'provider_error':
      if (result.kind === 'invalid_number') return t('sms.error.provider_number');
      if (result.kind.startsWith('rate_limited')) return t('sms.error.provider_limited');
      return t('sms.error.provider');
  }
}
