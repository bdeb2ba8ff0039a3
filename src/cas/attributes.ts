import type { RegisteredService } from '../services/types.js';
import type { AuthMethod, ProxyTicket, SecondFactorMethod, ServiceTicket, TicketGrantingTicket } from '../tickets/types.js';
import type { Attributes } from './responses.js';

/** Apereo's credential type names, so clients that branch on them keep working; ours for the methods it lacks. */
const CREDENTIAL_TYPES: Record<AuthMethod, string> = {
  password: 'UsernamePasswordCredential',
  sms: 'SmsCodeCredential',
  wechat: 'WeChatCredential',
  wecom: 'WeComCredential',
};

/** The second factors' credential types: Apereo's Google Authenticator and simple (SMS token) providers', and ours. */
const SECOND_FACTOR_CREDENTIAL_TYPES: Record<SecondFactorMethod, string> = {
  totp: 'GoogleAuthenticatorTokenCredential',
  sms: 'CasSimpleMultifactorTokenCredential',
  'recovery-code': 'RecoveryCodeCredential',
};

/** Apereo's authentication context class of each second factor's provider (`mfa-gauth`, `mfa-simple`). */
const SECOND_FACTOR_CONTEXTS: Record<SecondFactorMethod, string> = {
  totp: 'mfa-gauth',
  sms: 'mfa-simple',
  'recovery-code': 'mfa-gauth',
};

/**
 * Attributes every validation with attributes carries (docs/cas-protocol.md §1.5.1). As Apereo does, each factor the
 * session passed is one value of `authenticationMethod` and `successfulAuthenticationHandlers` (the first factor,
 * then the second), and of `credentialType`; a session that passed a second factor also has `authnContextClass`.
 */
export function protocolAttributes(tgt: TicketGrantingTicket, ticket: ServiceTicket | ProxyTicket): Attributes {
  const methods: string[] = [tgt.method, ...(tgt.mfa ? [tgt.mfa.method] : [])];
  return {
    authenticationDate: [new Date(tgt.authTime).toISOString()],
    // wecas has no remember-me: every session is a browser session, so this is always false.
    longTermAuthenticationRequestTokenUsed: [false],
    isFromNewLogin: [ticket.kind === 'ST' ? ticket.fromNewLogin : false],
    credentialType: [CREDENTIAL_TYPES[tgt.method], ...(tgt.mfa ? [SECOND_FACTOR_CREDENTIAL_TYPES[tgt.mfa.method]] : [])],
    authenticationMethod: methods,
    successfulAuthenticationHandlers: methods,
    ...(tgt.mfa ? { authnContextClass: [SECOND_FACTOR_CONTEXTS[tgt.mfa.method]] } : {}),
  };
}

/**
 * The attributes a service's release policy allows, by the names it receives them under: each allowed attribute
 * under its own name, each renamed one under every name it is mapped to. Absent values are left out.
 */
export function releasedAttributes(available: Readonly<Record<string, string[]>>, service: RegisteredService): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const name of service.attributes) {
    const values = available[name];
    if (values && values.length > 0) out[name] = values;
  }
  for (const [source, names] of Object.entries(service.attributeRenames)) {
    const values = available[source];
    if (!values || values.length === 0) continue;
    for (const name of names) out[name] = values;
  }
  return out;
}

/**
 * The CAS user a service sees: the first value of its username attribute, looked for among what it is released
 * (so a renamed attribute counts) and then among all the person's attributes, as Apereo's principal-attribute
 * username provider does; else the principal id (the login name, else wecas's id). Then cased as the service asks.
 */
export function casUser(
  principal: { id: string; attributes: Readonly<Record<string, string[]>> },
  service: RegisteredService,
  released: Readonly<Record<string, string[]>>,
): string {
  const name = service.usernameAttribute;
  const chosen = name === null ? undefined : (released[name]?.[0] ?? principal.attributes[name]?.[0]);
  const user = chosen !== undefined && chosen !== '' ? chosen : principal.id;
  switch (service.usernameCase) {
    case 'upper':
      return user.toUpperCase();
    case 'lower':
      return user.toLowerCase();
    default:
      return user;
  }
}
