export type MatchType = 'exact' | 'prefix' | 'regex';
export type LogoutType = 'back-channel' | 'front-channel' | 'none';
/** How the CAS user name is cased before a service sees it (Apereo's canonicalizationMode). */
export type UsernameCase = 'none' | 'upper' | 'lower';
/** The ways a person can sign in, as a service may restrict them (the methods a TGT records). */
export const SIGN_IN_METHODS = ['password', 'sms', 'wechat', 'wecom'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];
/** Whether a service gets tickets only from sessions that passed a second factor (TOTP or SMS code) after the first. */
export const MFA_POLICIES = ['optional', 'required'] as const;
export type MfaPolicy = (typeof MFA_POLICIES)[number];

/** An application allowed to use this CAS server (Apereo: a registered service). */
export interface RegisteredService {
  id: number;
  name: string;
  description: string | null;
  /** An absolute http(s) URL (exact, prefix) or a regular expression matched against the whole URL (regex). */
  pattern: string;
  matchType: MatchType;
  /** Lower is tried first; ties go to the lower id. */
  evaluationOrder: number;
  /** Names of the user attributes released to this service, each under its own name. */
  attributes: string[];
  /**
   * Attributes released under other names (Apereo's mapped release policy): the person's attribute → the names the
   * service receives it as. A source may be released under several names, and also under its own by `attributes`.
   */
  attributeRenames: Record<string, string[]>;
  /**
   * The attribute whose first value is the CAS user this service sees (a released name, or any of the person's
   * attributes: `username`, `phone`, `mail`, `stableId`…); null, or a person without it: the principal id (the login
   * name, else wecas's id).
   */
  usernameAttribute: string | null;
  usernameCase: UsernameCase;
  /**
   * Who may use the service (Apereo's access strategy): attribute name → patterns, one of which must be found in one
   * of the person's values (a regular expression, unanchored: write ^staff$ for exactly `staff`). Empty: everyone.
   */
  requiredAttributes: Record<string, string[]>;
  /** Every required attribute must match (true, Apereo's default), or any one of them (false). */
  requireAllAttributes: boolean;
  /** The required patterns ignore case. */
  requiredAttributesCaseInsensitive: boolean;
  /** The sign-in methods this service accepts; empty: every method. */
  signInMethods: SignInMethod[];
  /**
   * `required`: tickets only from sessions that passed a second factor, asked after the first at every sign-in
   * for it (and again with renew); `optional` (default): a second factor only where the account asks for one.
   */
  mfaPolicy: MfaPolicy;
  logoutType: LogoutType;
  /** Where single-logout messages go when the app's logout endpoint is not its service URL. */
  logoutUrl: string | null;
  /** Anchored regex a pgtUrl must match; null = may not proxy. */
  proxyPattern: string | null;
  /** Disabled services are still found, so the caller can say "this application is disabled" rather than "unknown". */
  enabled: boolean;
}

/** What `ServiceRegistry.add` takes: an id is assigned (max + 1) when missing. */
export type NewService = Pick<RegisteredService, 'name' | 'pattern' | 'matchType'> &
  Partial<Omit<RegisteredService, 'name' | 'pattern' | 'matchType'>>;

/** What a service sees and who may use it, as every service had before these were chosen per service. */
export const POLICY_DEFAULTS: Pick<
  RegisteredService,
  | 'attributeRenames'
  | 'usernameAttribute'
  | 'usernameCase'
  | 'requiredAttributes'
  | 'requireAllAttributes'
  | 'requiredAttributesCaseInsensitive'
  | 'signInMethods'
  | 'mfaPolicy'
> = {
  attributeRenames: {},
  usernameAttribute: null,
  usernameCase: 'none',
  requiredAttributes: {},
  requireAllAttributes: true,
  requiredAttributesCaseInsensitive: false,
  signInMethods: [],
  mfaPolicy: 'optional',
};
