import type { LoginRequest } from '../cas/login-request.js';
import { acceptsMethod } from '../services/access.js';
import { checkService, type ServiceCheck } from '../services/check.js';
import type { ServiceRegistry } from '../services/registry.js';
import { type RegisteredService, SIGN_IN_METHODS, type SignInMethod } from '../services/types.js';
import type { AuthMethod } from '../tickets/types.js';

/** One sign-in as the application layer carries it: what /login was asked, and the service it is for, checked. */
export interface LoginTransaction {
  request: LoginRequest;
  /** The registered, enabled service the request names, with the URL as the client gave it; none without `service`. */
  service: { registered: RegisteredService; url: string } | undefined;
}

export type OpenedTransaction = { ok: true; transaction: LoginTransaction } | { ok: false; refusal: Extract<ServiceCheck, { ok: false }> };

/** Checks the service a login request names: only registered, enabled services get a redirect or a ticket. */
export async function openLoginTransaction(services: ServiceRegistry, request: LoginRequest): Promise<OpenedTransaction> {
  if (!request.service) return { ok: true, transaction: { request, service: undefined } };
  const check = await checkService(services, request.service);
  if (!check.ok) return { ok: false, refusal: check };
  return { ok: true, transaction: { request, service: { registered: check.service, url: check.url } } };
}

/** Whether the transaction's service (if any) takes a session signed in by this method. */
export function methodAccepted(transaction: LoginTransaction, method: AuthMethod): boolean {
  return !transaction.service || acceptsMethod(transaction.service.registered, method);
}

/** The methods a sign-in for this transaction may use, in the login page's order. */
export function acceptedMethods(transaction: LoginTransaction): SignInMethod[] {
  return SIGN_IN_METHODS.filter((m) => methodAccepted(transaction, m));
}
