import type { AuditLog, ClientInfo } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { localAccountOf } from '../directories/local.js';
import { principalOf } from '../directories/principal.js';
import { acceptsMethod, personAllowed, requiresSecondFactor } from '../services/access.js';
import type { ServiceRegistry } from '../services/registry.js';
import { sameService } from '../services/url.js';
import { isWellFormedTicketId } from '../tickets/ids.js';
import type { TicketRegistry } from '../tickets/registry.js';
import type { AuthMethod } from '../tickets/types.js';
import type { UserStore } from '../users/store.js';
import { casUser, protocolAttributes, releasedAttributes } from './attributes.js';
import { CasError, type CasErrorCode, casErrors } from './errors.js';
import type { ProxyGrantRequest } from './proxy.js';
import type { Attributes, ValidationSuccess } from './responses.js';

export type ValidationEndpoint = 'validate' | 'serviceValidate' | 'proxyValidate' | 'p3/serviceValidate' | 'p3/proxyValidate' | 'samlValidate';

export interface ValidationRequest {
  endpoint: ValidationEndpoint;
  service: string | undefined;
  ticket: string | undefined;
  renew: boolean;
  pgtUrl?: string | undefined;
}

export interface ValidationDeps {
  registry: TicketRegistry;
  services: ServiceRegistry;
  users: UserStore;
  clock: Clock;
  /** Release service attributes on the CAS 2.0 endpoints too (Apereo's v3-forward-compatible). */
  v2Attributes: boolean;
  /** Delivers a PGT to the pgtUrl of a validated ticket and returns its PGTIOU (see proxy.ts). */
  grantProxyGrantingTicket: (input: ProxyGrantRequest) => Promise<string>;
}

/** What the caller needs besides the response: for audit and metrics. */
export interface ValidationOutcome {
  result: ValidationSuccess;
  userId: string;
  serviceId: number;
  ticketKind: 'ST' | 'PT';
  /** The primary authentication behind the ticket (SAML 1.1's AuthenticationStatement). */
  authentication: { time: number; method: AuthMethod };
}

/**
 * Ticket validation as the spec orders it (docs/cas-protocol.md §2.3): parameters, ticket syntax, single-use consumption, service match,
 * renew, the service still allowed, the session and user still valid, then the optional proxy callback.
 * Every failure is a CasError; the ticket is destroyed by the first attempt whatever its outcome (docs/cas-protocol.md §2.3).
 */
export async function validateTicket(deps: ValidationDeps, req: ValidationRequest): Promise<ValidationOutcome> {
  if (!req.service || !req.ticket) throw casErrors.missingParameters("service' and 'ticket");
  const { service, ticket: ticketId } = req;
  if (!isWellFormedTicketId(ticketId)) throw casErrors.malformedTicket(ticketId);

  const acceptsProxyTickets = req.endpoint === 'proxyValidate' || req.endpoint === 'p3/proxyValidate';
  const withAttributes =
    req.endpoint === 'p3/serviceValidate' ||
    req.endpoint === 'p3/proxyValidate' ||
    req.endpoint === 'samlValidate' ||
    (deps.v2Attributes && req.endpoint !== 'validate');
  // The ticket and its session in one step (one Redis round trip): the ticket is gone whatever happens next.
  const consumed = await deps.registry.consumeWithSession(ticketId);
  if (!consumed) throw casErrors.unknownTicket(ticketId);
  const { ticket, tgt } = consumed;
  if (ticket.kind === 'PT' && !acceptsProxyTickets) throw casErrors.notAServiceTicket(ticketId);
  if (ticket.expiresAt <= deps.clock.now()) throw casErrors.expiredTicket(ticketId);
  if (!sameService(ticket.service, service)) throw casErrors.serviceMismatch(ticketId, ticket.service, service);
  if (req.renew && !(ticket.kind === 'ST' && ticket.fromNewLogin)) throw casErrors.notFromNewLogin(ticketId);

  const registered = await deps.services.get(ticket.serviceId);
  if (!registered?.enabled) throw casErrors.unauthorizedService(service);

  // A ticket dies with its SSO session. The session carries the authentication (user, attributes, method, time),
  // so no user row is read: a disabled or deleted account is one whose sessions were ended (docs/architecture.md,
  // "Validation and accounts").
  if (!tgt) throw casErrors.unknownTicket(ticketId);
  const principal = tgt.attributes ? { id: tgt.principal, attributes: tgt.attributes } : await legacyPrincipal(deps.users, tgt.userId);
  if (!principal) throw casErrors.unknownTicket(ticketId);

  // The service's policies, again: it may have changed since the ticket was issued, and a proxy ticket's target
  // service was never asked at sign-in.
  if (!acceptsMethod(registered, tgt.method)) throw casErrors.methodNotAccepted(service, tgt.method);
  if (requiresSecondFactor(registered) && !tgt.mfa) throw casErrors.secondFactorRequired(service);
  if (!personAllowed(registered, principal.attributes)) throw casErrors.personNotAllowed(service);

  const released = releasedAttributes(principal.attributes, registered);
  // Object.assign rather than spreading both into a literal: a spread adds each key through V8's runtime, ~5,000
  // instructions a spread (docs/benchmarks.md, "Issue 16, eighth pass").
  const attributes: Attributes = withAttributes ? Object.assign(protocolAttributes(tgt, ticket), released) : {};

  const result: ValidationSuccess = { user: casUser(principal, registered, released), attributes };
  if (ticket.kind === 'PT') result.proxies = ticket.proxies;
  // CAS 1.0 has no proxying: a pgtUrl there is ignored, as Apereo does (SAML 1.1 requests carry none).
  if (req.pgtUrl && req.endpoint !== 'validate') {
    result.proxyGrantingTicketIou = await deps.grantProxyGrantingTicket({ pgtUrl: req.pgtUrl, ticket, service: registered, tgt });
  }
  return {
    result,
    userId: tgt.userId,
    serviceId: registered.id,
    ticketKind: ticket.kind,
    authentication: { time: tgt.authTime, method: tgt.method },
  };
}

/**
 * A session from a version that kept no attributes with it (before directories): the person is read from wecas's
 * own record, as then, and only while that account is active. None outlives TGT_HARD_TTL_SECONDS after an upgrade.
 */
async function legacyPrincipal(users: UserStore, userId: string) {
  const user = await users.findById(userId);
  return user?.status === 'active' ? principalOf(user, localAccountOf(user)) : undefined;
}

export type TicketValidator = ReturnType<typeof createTicketValidator>;

/**
 * Validation as an endpoint runs it: the spec's pipeline, a failure returned as the CasError to render (an
 * unexpected one, such as a store out of reach, as INTERNAL_ERROR), and the outcome audited either way.
 */
export function createTicketValidator(
  deps: ValidationDeps & {
    audit: AuditLog;
    /**
     * Told of every refused validation. Refusals are counted (metrics), not stored: anyone can make them, and a row
     * each, kept for months, would let anyone fill the audit table.
     */
    onRefused: (refusal: { endpoint: ValidationEndpoint; code: CasErrorCode; kind: 'ST' | 'PT' | 'unknown' }) => void;
    onUnexpected: (err: unknown) => void;
  },
) {
  return {
    async validate(request: ValidationRequest, client: ClientInfo, precheck?: () => void): Promise<ValidationOutcome | CasError> {
      try {
        precheck?.();
        const outcome = await validateTicket(deps, request);
        await deps.audit.record({
          type: 'ticket.validated',
          userId: outcome.userId,
          endpoint: request.endpoint,
          serviceId: outcome.serviceId,
          kind: outcome.ticketKind,
          ...(outcome.result.proxyGrantingTicketIou ? { pgt: true as const } : {}),
          client,
        });
        return outcome;
      } catch (err) {
        const error = err instanceof CasError ? err : unexpected(err);
        // The kind as the id claims it (ST-, PT-; else unknown): the ticket itself may be gone or never have existed.
        const kind = (/^(ST|PT)-/.exec(request.ticket ?? '')?.[1] as 'ST' | 'PT' | undefined) ?? 'unknown';
        deps.onRefused({ endpoint: request.endpoint, code: error.code, kind });
        return error;
      }
    },
  };

  function unexpected(err: unknown): CasError {
    deps.onUnexpected(err);
    return casErrors.internal();
  }
}
