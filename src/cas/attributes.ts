import type { RegisteredService } from '../services/types.js';
import type { AuthMethod, ProxyTicket, ServiceTicket, TicketGrantingTicket } from '../tickets/types.js';
import type { Attributes } from './responses.js';

/** Apereo's credential type names, so clients that branch on them keep working; ours for the methods it lacks. */
const CREDENTIAL_TYPES: Record<AuthMethod, string> = {
  password: 'UsernamePasswordCredential',
  sms: 'SmsCodeCredential',
  wechat: 'WeChatCredential',
  wecom: 'WeComCredential',
};

/** Attributes every validation with attributes carries (docs/cas-protocol.md §1.5.1). */
export function protocolAttributes(tgt: TicketGrantingTicket, ticket: ServiceTicket | ProxyTicket): Attributes {
  return {
    authenticationDate: [new Date(tgt.authTime).toISOString()],
    // wecas has no remember-me: every session is a browser session, so this is always false.
    longTermAuthenticationRequestTokenUsed: [false],
    isFromNewLogin: [ticket.kind === 'ST' ? ticket.fromNewLogin : false],
    credentialType: [CREDENTIAL_TYPES[tgt.method]],
    authenticationMethod: [tgt.method],
  };
}

/** The attributes a service's release policy allows, by name; absent values are left out. */
export function releasedAttributes(available: Record<string, string[]>, service: RegisteredService): Attributes {
  const out: Attributes = {};
  for (const name of service.attributes) {
    const values = available[name];
    if (values && values.length > 0) out[name] = values;
  }
  return out;
}
