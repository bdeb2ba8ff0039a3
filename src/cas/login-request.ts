export type ResponseMethod = 'GET' | 'POST' | 'HEADER';

/** What a browser asked /login for, read once and carried through the sign-in (docs/cas-protocol.md §1.1). */
export interface LoginRequest {
  service: string | undefined;
  /** SAML 1.1 clients send `TARGET` and expect the ticket back as `SAMLart` (docs/cas-protocol.md §1.1). */
  ticketParam: 'ticket' | 'SAMLart';
  renew: boolean;
  gateway: boolean;
  method: ResponseMethod;
}

/** The /login parameters as given: each the first value of its name, or absent. */
export interface LoginParameters {
  service?: string | undefined;
  TARGET?: string | undefined;
  renew?: string | undefined;
  gateway?: string | undefined;
  method?: string | undefined;
}

/** `renew` and `gateway` are set when present (docs/cas-protocol.md §0.4); an explicit `false` is read as not set. */
export function isFlagSet(value: string | undefined): boolean {
  return value !== undefined && value.toLowerCase() !== 'false' && value !== '0';
}

export function parseLoginRequest(params: LoginParameters): LoginRequest {
  const service = params.service ?? params.TARGET;
  const method = (params.method ?? 'GET').toUpperCase();
  const renew = isFlagSet(params.renew);
  return {
    service: service && service.length > 0 ? service : undefined,
    ticketParam: params.service === undefined && params.TARGET ? 'SAMLart' : 'ticket',
    renew,
    // renew overrides gateway (docs/cas-protocol.md §1.1: ignore gateway when renew is set)
    gateway: !renew && isFlagSet(params.gateway),
    method: method === 'POST' || method === 'HEADER' ? method : 'GET',
  };
}

/** The query string that carries a login request to the other steps of a sign-in (form actions, method tabs). */
export function loginQuery(request: LoginRequest): string {
  const q = new URLSearchParams();
  if (request.service) q.set(request.ticketParam === 'SAMLart' ? 'TARGET' : 'service', request.service);
  if (request.renew) q.set('renew', 'true');
  if (request.method !== 'GET') q.set('method', request.method);
  const s = q.toString();
  return s ? `?${s}` : '';
}
