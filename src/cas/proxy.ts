import { acceptsMethod, personAllowed, requiresSecondFactor } from '../services/access.js';
import { checkService } from '../services/check.js';
import { allowsProxyCallback } from '../services/matching.js';
import type { ServiceRegistry } from '../services/registry.js';
import type { RegisteredService } from '../services/types.js';
import { appendQueryParam } from '../services/url.js';
import type { TicketFactory } from '../tickets/factory.js';
import { isWellFormedTicketId } from '../tickets/ids.js';
import type { TicketRegistry } from '../tickets/registry.js';
import type { ProxyTicket, ServiceTicket, TicketGrantingTicket } from '../tickets/types.js';
import { CasError, casErrors, shortTicket } from './errors.js';
import type { ProxyCallbackClient } from './proxy-callback.js';

/** Apereo's Cas20ProxyHandler takes these as "the callback received it" (docs/cas-protocol.md §3.3 step 4). */
export const ACCEPTED_CALLBACK_STATUSES: ReadonlySet<number> = new Set([200, 202, 204, 301, 302, 304]);

export interface ProxyingDeps {
  registry: TicketRegistry;
  services: ServiceRegistry;
  factory: TicketFactory;
  callback: ProxyCallbackClient;
  /** Told why a PGT could not be delivered (the answer to the client does not say, see proxyErrors.undelivered). */
  onUndelivered?: (pgtUrl: string, reason: string) => void;
  /** CAS_ALLOW_HTTP_PROXY_CALLBACK_LOOPBACK */
  allowHttpLoopbackCallback: boolean;
}

export interface ProxyGrantRequest {
  pgtUrl: string;
  /** The ticket just validated: its service obtains the PGT; a PT passes its chain on. */
  ticket: ServiceTicket | ProxyTicket;
  service: RegisteredService;
  tgt: TicketGrantingTicket;
}

export type Proxying = ReturnType<typeof createProxying>;

const proxyErrors = {
  notAllowedToProxy: (service: string) =>
    new CasError('UNAUTHORIZED_SERVICE_PROXY', `The supplied service '${service}' is not authorized to use CAS proxy authentication.`),
  badCallback: (pgtUrl: string, why: string) =>
    new CasError('INVALID_PROXY_CALLBACK', `The supplied proxy callback url '${pgtUrl}' could not be authenticated: ${why}`),
  /**
   * Every way a delivery can fail gets these same words: telling "connection refused" from "timed out" from
   * "HTTP 404" would let anyone map which hosts and ports the server can reach. The reason goes to the log.
   */
  undelivered: (pgtUrl: string) =>
    new CasError(
      'INVALID_PROXY_CALLBACK',
      `The supplied proxy callback url '${pgtUrl}' could not be authenticated: it did not take the proxy-granting ticket`,
    ),
  missingParameters: () => new CasError('INVALID_REQUEST', "'pgt' and 'targetService' parameters are both required"),
  unknownPgt: (pgt: string) => new CasError('INVALID_TICKET', `Ticket '${shortTicket(pgt)}' not recognized`),
  unauthorizedTarget: (target: string) =>
    new CasError('UNAUTHORIZED_SERVICE', `Service '${target}' is not a registered, enabled service and cannot be proxied to`),
};

/** CAS 2.0 proxy authentication (docs/cas-protocol.md §1.6, §3.3): PGTs delivered to a service's pgtUrl, PTs issued for a PGT. */
export function createProxying(deps: ProxyingDeps) {
  const { registry, factory } = deps;

  /** Why a pgtUrl may not receive a PGT, or undefined when it may (docs/cas-protocol.md §3.3 steps 1–2). */
  function callbackProblem(pgtUrl: string, service: RegisteredService): string | undefined {
    let url: URL;
    try {
      url = new URL(pgtUrl);
    } catch {
      return 'it is not an absolute URL';
    }
    const loopbackHttp = url.protocol === 'http:' && deps.allowHttpLoopbackCallback && isLoopbackHost(url.hostname);
    if (url.protocol !== 'https:' && !loopbackHttp) return 'it must use https';
    if (url.username || url.password) return 'it must not carry credentials';
    // The pattern must hold for the URL as written and as it will be requested: the request resolves dot segments
    // (`/pgt/../admin`, `%2e%2e` too), lower-cases the host and drops a default port.
    if (!allowsProxyCallback(service, pgtUrl) || !allowsProxyCallback(service, url.href)) return "it is not allowed by the service's proxy policy";
    return undefined;
  }

  return {
    /**
     * Delivers a new PGT to the pgtUrl and records it once the callback took it; returns the PGTIOU for the
     * validation response. The PGTIOU is only a correlation id between the callback and that response, so it is
     * not stored: nothing ever looks it up again.
     */
    async grantProxyGrantingTicket({ pgtUrl, ticket, service, tgt }: ProxyGrantRequest): Promise<string> {
      if (service.proxyPattern === null) throw proxyErrors.notAllowedToProxy(ticket.service);
      const problem = callbackProblem(pgtUrl, service);
      if (problem) throw proxyErrors.badCallback(pgtUrl, problem);

      const { pgt, iou } = factory.proxyGrantingTicket(tgt, ticket, pgtUrl);
      const outcome = await deps.callback(appendQueryParam(appendQueryParam(pgtUrl, 'pgtIou', iou), 'pgtId', pgt.id));
      const failure = !outcome.answered
        ? outcome.reason
        : !ACCEPTED_CALLBACK_STATUSES.has(outcome.status)
          ? `it answered HTTP ${outcome.status}`
          : undefined;
      if (failure) {
        deps.onUndelivered?.(pgtUrl, failure);
        throw proxyErrors.undelivered(pgtUrl);
      }
      await registry.add(pgt);
      return iou;
    },

    /** `/proxy`: a PT for targetService from a live PGT whose SSO session is still live. */
    async issueProxyTicket(pgtId: string | undefined, targetService: string | undefined): Promise<ProxyTicket> {
      if (!pgtId || !targetService) throw proxyErrors.missingParameters();
      const pgt = isWellFormedTicketId(pgtId) ? await registry.get(pgtId, 'PGT') : undefined;
      if (!pgt) throw proxyErrors.unknownPgt(pgtId);
      const tgt = await registry.get(pgt.tgtId, 'TGT');
      if (!tgt) throw proxyErrors.unknownPgt(pgtId);
      const target = await checkService(deps.services, targetService);
      if (!target.ok) throw proxyErrors.unauthorizedTarget(targetService);
      // The target's policies, as at sign-in (a session of an older version, with no attributes kept, is checked at validation).
      if (!acceptsMethod(target.service, tgt.method)) throw casErrors.methodNotAccepted(targetService, tgt.method);
      if (requiresSecondFactor(target.service) && !tgt.mfa) throw casErrors.secondFactorRequired(targetService);
      if (tgt.attributes && !personAllowed(target.service, tgt.attributes)) throw casErrors.personNotAllowed(targetService);

      const pt = factory.proxyTicket(tgt, pgt, { url: targetService, id: target.service.id });
      await registry.add(pt);
      // The target now holds a session of this TGT too: single logout must reach it.
      await registry.addGrant({ tgtId: tgt.id, ticketId: pt.id, service: targetService, serviceId: target.service.id, createdAt: pt.createdAt });
      return pt;
    },
  };
}

/** localhost, 127.0.0.0/8 and ::1 (WHATWG URL gives IPv6 hosts in brackets). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}
