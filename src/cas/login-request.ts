import type { RegisteredService } from '../services/types.js';
import type { ServiceRegistry } from '../services/registry.js';
import { flag, param, type Params } from './params.js';

export type ResponseMethod = 'GET' | 'POST' | 'HEADER';

/** What a browser asked /login for, read once and carried through the sign-in (spec 2.1). */
export interface LoginRequest {
  service: string | undefined;
  /** SAML 1.1 clients send `TARGET` and expect the ticket back as `SAMLart` (spec 1.1). */
  ticketParam: 'ticket' | 'SAMLart';
  renew: boolean;
  gateway: boolean;
  method: ResponseMethod;
}

export function parseLoginRequest(params: Params): LoginRequest {
  const target = param(params, 'TARGET');
  const service = param(params, 'service') ?? target;
  const method = (param(params, 'method') ?? 'GET').toUpperCase();
  const renew = flag(params, 'renew');
  return {
    service: service && service.length > 0 ? service : undefined,
    ticketParam: param(params, 'service') === undefined && target ? 'SAMLart' : 'ticket',
    renew,
    // renew overrides gateway (spec 2.1.1: ignore gateway when renew is set)
    gateway: !renew && flag(params, 'gateway'),
    method: method === 'POST' || method === 'HEADER' ? method : 'GET',
  };
}

/** The query string that carries a login request across the form POST and other sign-in methods. */
export function loginQuery(req: LoginRequest): string {
  const q = new URLSearchParams();
  if (req.service) q.set(req.ticketParam === 'SAMLart' ? 'TARGET' : 'service', req.service);
  if (req.renew) q.set('renew', 'true');
  if (req.method !== 'GET') q.set('method', req.method);
  const s = q.toString();
  return s ? '?' + s : '';
}

/** The login request carried through another step (WeChat's round trip, phone binding) as its query string. */
export function loginRequestFromQuery(query: string): LoginRequest {
  return parseLoginRequest(Object.fromEntries(new URLSearchParams(query)));
}

export type ServiceCheck =
  | { ok: true; service: RegisteredService; url: string }
  | { ok: false; reason: 'unregistered' | 'disabled' | 'invalid'; url: string };

/** Only registered, enabled services get a redirect or a ticket (spec 0.10, the open-redirect guard). */
export async function checkService(services: ServiceRegistry, url: string): Promise<ServiceCheck> {
  if (!/^https?:\/\/[^\s]+$/i.test(url) || url.length > 2048) return { ok: false, reason: 'invalid', url };
  const service = await services.find(url);
  if (!service) return { ok: false, reason: 'unregistered', url };
  if (!service.enabled) return { ok: false, reason: 'disabled', url };
  return { ok: true, service, url };
}
