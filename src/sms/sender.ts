/**
 * What a code is for: binding a phone to a WeChat identity, signing in with a phone, a second factor after another
 * method, resetting a password, activating an imported or directory account, or proving a number (new or old) when
 * the phone changes, or confirming the deletion of a password-less account.
 */
export const SMS_PURPOSES = ['bind', 'login', 'second-factor', 'reset', 'activate', 'phone', 'delete'] as const;
export type SmsPurpose = (typeof SMS_PURPOSES)[number];

/** The code purposes that may have a template of their own (the others use the verification-code template). */
export const OWN_TEMPLATE_PURPOSES = ['reset', 'activate', 'phone', 'delete'] as const;

/** Whether a code of this purpose may have a template of its own. */
export function hasOwnTemplate(purpose: SmsPurpose): purpose is (typeof OWN_TEMPLATE_PURPOSES)[number] {
  return (OWN_TEMPLATE_PURPOSES as readonly string[]).includes(purpose);
}

/** What a notice tells the account's phone: a sign-in from a new browser, a password changed, the phone changed. */
export type NoticePurpose = 'notice_sign_in' | 'notice_password' | 'notice_phone';

export const NOTICE_PURPOSES: readonly NoticePurpose[] = ['notice_sign_in', 'notice_password', 'notice_phone'];

/** A notice to the account's phone; its template has two variables, the time and the place (the client's IP). */
export interface SmsNotice {
  /** E.164. */
  phone: string;
  purpose: NoticePurpose;
  /** As the template shows it, Beijing time: `2026-11-30 18:39`. */
  time: string;
  ip: string;
}

export interface SmsMessage {
  /** E.164, e.g. `+8613812345678`. */
  phone: string;
  code: string;
  purpose: SmsPurpose;
}

/**
 * Sends one verification code by SMS. Implementations keep their provider's quirks inside and report every
 * failure as an SmsSendError, so generic code never learns a provider's error codes.
 */
export interface SmsSender {
  /** `console`, `aliyun`, `tencent`…: for logs and audit events. */
  readonly provider: string;
  send(message: SmsMessage): Promise<void>;
  /** Sends a notice with its purpose's template. A sender without it sends no notices. */
  notify?(notice: SmsNotice): Promise<void>;
}

/** The template of each purpose that has one of its own: code purposes fall back to the verification-code template. */
export type SmsTemplates = Partial<Record<(typeof OWN_TEMPLATE_PURPOSES)[number] | NoticePurpose, string>>;

/** The few failure kinds the pages tell apart; every provider code maps to one of them. */
export type SmsFailureKind =
  /** The provider's per-number limits. */
  | 'rate_limited_minute'
  | 'rate_limited_hour'
  | 'rate_limited_day'
  | 'invalid_number'
  /** The SMS sign or template is missing, not approved, or does not fit the code parameter: an operator must act. */
  | 'sign_or_template_unapproved'
  /** Unknown key, wrong secret, app id of another account: an operator must act. */
  | 'bad_credentials'
  /**
   * The account-wide daily quota or the balance is used up: no number gets a code until an operator raises it or
   * the day turns. Down for everyone, so never reported as the person's own limit.
   */
  | 'quota_exhausted'
  /** Network failure, timeout, 5xx, API-wide throttling: worth trying again later. */
  | 'unavailable'
  /** Anything else the provider refused (balance exhausted, number opted out…). */
  | 'rejected';

/**
 * A send that did not happen. The message names the provider, its code and request id (for a support ticket),
 * never a key, secret, phone number or verification code, so it is safe to log whole.
 */
export class SmsSendError extends Error {
  override name = 'SmsSendError';
  readonly kind: SmsFailureKind;
  readonly provider: string;
  /** The provider's own code (`isv.BUSINESS_LIMIT_CONTROL`, `LimitExceeded.PhoneNumberDailyLimit`…), or the network error's. */
  readonly providerCode: string | undefined;
  readonly requestId: string | undefined;

  constructor(init: { kind: SmsFailureKind; provider: string; providerCode?: string | undefined; requestId?: string | undefined; detail?: string }) {
    const parts = [`${init.provider} SMS send failed: ${init.kind}`];
    if (init.providerCode) parts.push(`code ${init.providerCode}`);
    if (init.detail) parts.push(init.detail);
    if (init.requestId) parts.push(`request id ${init.requestId}`);
    super(parts.join('; '));
    this.kind = init.kind;
    this.provider = init.provider;
    this.providerCode = init.providerCode;
    this.requestId = init.requestId;
  }
}

/** Every provider call gives up after this long and reports `unavailable`. */
export const DEFAULT_SEND_TIMEOUT_MS = 5000;
