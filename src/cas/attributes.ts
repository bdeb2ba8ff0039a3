import type { RegisteredService } from '../services/types.js';
import type { AuthMethod, ProxyTicket, ServiceTicket, TicketGrantingTicket } from '../tickets/types.js';
import type { User } from '../users/types.js';
import type { Attributes } from './responses.js';

/** Apereo's credential type names, so clients that branch on them keep working; ours for the methods it lacks. */
const CREDENTIAL_TYPES: Record<AuthMethod, string> = {
  password: 'UsernamePasswordCredential',
  sms: 'SmsCodeCredential',
  wechat: 'WeChatCredential',
};

/** The CAS user name an application sees. */
export function principalOf(user: Pick<User, 'id' | 'username'>): string {
  return user.username ?? user.id;
}

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

/** The user attributes a service's release policy allows, by name; absent values are left out. */
export function releasedAttributes(user: User, service: RegisteredService): Attributes {
  const available: Record<string, string[]> = {
    ...user.attributes,
    userId: [user.id],
    ...(user.username ? { username: [user.username] } : {}),
    ...(user.displayName ? { displayName: [user.displayName] } : {}),
    ...(user.phone ? { phone: [user.phone] } : {}),
    ...(user.avatarUrl ? { avatarUrl: [user.avatarUrl] } : {}),
  };
  const out: Attributes = {};
  for (const name of service.attributes) {
    const values = available[name];
    if (values && values.length > 0) out[name] = values;
  }
  return out;
}
