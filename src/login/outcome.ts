import type { LoginRequest } from '../cas/login-request.js';
import type { DirectoryAccount } from '../directories/directory.js';
import type { AuthMethod } from '../tickets/types.js';
import type { User } from '../users/types.js';
import type { PendingIdentity } from './methods/wechat.js';
import type { PendingWeComMember } from './methods/wecom.js';

/** Why a verification code was not accepted (shared by every method that asks for one). */
export type CodeRefusal = 'invalid_phone' | 'missing_code' | 'no_code' | 'wrong_code' | 'too_many_attempts' | 'expired';

/** Every reason a sign-in method may refuse, by method. The HTTP wing maps each one to a message (http/refusals.ts). */
export interface RefusalReasons {
  password: 'missing_fields' | 'invalid_credentials' | 'disabled' | 'throttled' | 'directory_unavailable';
  sms: CodeRefusal | 'no_account' | 'disabled' | 'directory_unavailable' | 'password_required';
  wechat:
    | 'state_missing'
    | 'state_unknown_or_expired'
    | 'state_other_browser'
    | 'declined'
    | 'code_refused'
    | 'wechat_error'
    | 'snapshot_user'
    | 'disabled'
    | 'directory_unavailable';
  wecom:
    | 'state_missing'
    | 'state_unknown_or_expired'
    | 'state_other_browser'
    | 'declined'
    | 'code_invalid'
    | 'ip_not_trusted'
    | 'not_visible'
    | 'not_member'
    | 'wecom_error'
    | 'disabled'
    | 'directory_unavailable';
  /** A WeCom member whose userid is no account's login proves, by an SMS code, the phone of their account. */
  'wecom-binding': CodeRefusal | 'no_account' | 'disabled' | 'directory_unavailable';
  'wechat-binding':
    | CodeRefusal
    | 'phone_user_disabled'
    | 'user_has_other_wechat'
    | 'wechat_already_bound'
    | 'directory_unavailable'
    | 'missing_fields'
    | 'invalid_credentials'
    | 'throttled'
    | 'disabled'
    | 'password_required';
}

/** The name of a sign-in step: the methods a TGT records, and the binding step that completes a WeChat sign-in. */
export type SignInStep = keyof RefusalReasons;

export type Refusal<S extends SignInStep = SignInStep> = {
  [K in S]: {
    kind: 'refused';
    step: K;
    reason: RefusalReasons[K];
    /** Values the message needs: minutes to wait, tries left … */
    retryAfterSeconds?: number;
    attemptsLeft?: number;
    /** The user the refusal concerns, once the credentials proved who it is (e.g. a disabled account). */
    userId?: string;
    /** What the person typed as their login name (password), for the audit trail. */
    username?: string;
    /** A sign-in that travelled through WeChat carries its CAS request back (the callback URL has none). */
    request?: LoginRequest;
    /** Whether trying the same method again can help (a misconfigured WeChat app: no). */
    retryHelps?: boolean;
    /** The WeChat failure, for the audit trail and the message. */
    wechatError?: { kind: string; endpoint: string; errcode: number | null };
    /** The WeCom failure, for the audit trail and the message. */
    wecomError?: { kind: string; endpoint: string; errcode: number | null };
    /** The directory that could not answer, for the audit trail. */
    directoryError?: { directory: string; kind: string };
  };
}[S];

/**
 * What every sign-in method answers: the person is authenticated, refused with a reason, or (WeChat) identified
 * but not yet linked to an account, which the binding step completes, or not yet identified beyond an openid.
 */
export type AuthOutcome<S extends SignInStep = SignInStep> =
  | { kind: 'authenticated'; user: User; account: DirectoryAccount; method: AuthMethod; request?: LoginRequest }
  | Refusal<S>
  | ('wechat' extends S ? { kind: 'needs_binding'; pendingId: string; pending: PendingIdentity } : never)
  // Inside WeChat, a silent authorization found nobody: the person is asked to share their profile, then identified again.
  | ('wechat' extends S ? { kind: 'needs_profile'; request: LoginRequest } : never)
  // A WeCom member whose userid matched no account: held, waiting for the binding step (a phone's SMS code).
  | ('wecom' extends S ? { kind: 'needs_binding'; pendingId: string; member: PendingWeComMember } : never);

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** Who a successful sign-in proved the person is, and how: what the SSO session is made from. */
export type SignedIn = Pick<Extract<AuthOutcome, { kind: 'authenticated' }>, 'user' | 'account' | 'method'>;

/** The request context every method may need: who is asking, from where, and which browser. */
export interface AttemptContext {
  client: ClientInfo;
  /** The browser's id cookie, when it has one: states and pending identities are bound to it. */
  browserId: string | undefined;
}

/** One sign-in method (or step): checks its own input and says who the person is, or why not. */
export interface Authenticator<S extends SignInStep, Input> {
  readonly step: S;
  authenticate(input: Input, attempt: AttemptContext): Promise<AuthOutcome<S>>;
}

export function refused<S extends SignInStep>(
  step: S,
  reason: RefusalReasons[S],
  extra: Omit<Refusal<S>, 'kind' | 'step' | 'reason'> = {} as never,
): Refusal<S> {
  return { kind: 'refused', step, reason, ...extra } as Refusal<S>;
}
