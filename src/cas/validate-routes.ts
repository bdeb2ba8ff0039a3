import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CasError, casErrors, shortTicket } from './errors.js';
import { flag, mergedParams, param, type Params } from './params.js';
import {
  CONTENT_TYPES,
  proxyFailureXml,
  proxyJson,
  proxySuccessXml,
  type ResponseFormat,
  validationJson,
  validationText,
  validationXml,
} from './responses.js';
import { parseSamlRequest, samlFailureXml, samlSuccessXml } from './saml11.js';
import type { CasRoutes } from './sign-in.js';
import { type ValidationDeps, type ValidationEndpoint, type ValidationOutcome, validateTicket } from './validation.js';

const ENDPOINTS: ValidationEndpoint[] = ['validate', 'serviceValidate', 'proxyValidate', 'p3/serviceValidate', 'p3/proxyValidate'];

/** SOAP requests are small; this is ample for any client's envelope. */
const SAML_BODY_LIMIT = 16 * 1024;

/** The ticket validators and /proxy: GET as the spec says, POST (form) too since it costs nothing (spec 0.8). */
export function registerValidationRoutes(app: FastifyInstance, routes: CasRoutes): void {
  for (const endpoint of ENDPOINTS) {
    const handler = (request: FastifyRequest, reply: FastifyReply) => handleValidation(routes, endpoint, request, reply);
    app.get(`/${endpoint}`, handler);
    app.post(`/${endpoint}`, handler);
  }
  const proxy = (request: FastifyRequest, reply: FastifyReply) => handleProxy(routes, request, reply);
  app.get('/proxy', proxy);
  app.post('/proxy', proxy);

  // SAML 1.1 is POST-only, and its body is XML under whatever Content-Type the client chose (text/xml mostly,
  // none or a form type from some): this scope reads every body as text.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: SAML_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope.post('/samlValidate', (request, reply) => handleSamlValidation(routes, request, reply));
  });
}

function validationDeps({ ctx }: CasRoutes): ValidationDeps {
  return {
    registry: ctx.tickets,
    services: ctx.services,
    users: ctx.users,
    clock: ctx.clock,
    v2Attributes: ctx.config.CAS_V2_ATTRIBUTES,
    grantProxyGrantingTicket: ctx.proxying.grantProxyGrantingTicket,
  };
}

async function handleValidation(routes: CasRoutes, endpoint: ValidationEndpoint, request: FastifyRequest, reply: FastifyReply) {
  const params: Params = mergedParams(request.query, request.body);
  const requested = (param(params, 'format') ?? 'XML').toUpperCase();
  const format: ResponseFormat = requested === 'JSON' ? 'JSON' : 'XML';
  const ticket = param(params, 'ticket');
  const outcome = await runValidation(routes, request, endpoint, ticket, () => {
    if (endpoint !== 'validate' && requested !== 'XML' && requested !== 'JSON') throw casErrors.unsupportedFormat(requested);
    return validateTicket(validationDeps(routes), {
      endpoint,
      service: param(params, 'service'),
      ticket,
      renew: flag(params, 'renew'),
      pgtUrl: param(params, 'pgtUrl'),
    });
  });
  const result = outcome instanceof CasError ? outcome : outcome.result;
  protocolReply(reply);
  if (endpoint === 'validate') return reply.type(CONTENT_TYPES.text).send(validationText(result));
  if (format === 'JSON') return reply.type(CONTENT_TYPES.json).send(validationJson(result));
  return reply.type(CONTENT_TYPES.xml).send(validationXml(result));
}

/** `POST /samlValidate?TARGET=…` (spec 1.7): the rules of /serviceValidate, in SAML 1.1 over SOAP. */
async function handleSamlValidation(routes: CasRoutes, request: FastifyRequest, reply: FastifyReply) {
  const { ctx } = routes;
  const query = request.query as Params;
  const target = param(query, 'TARGET');
  const samlRequest = parseSamlRequest(typeof request.body === 'string' ? request.body : '');
  const ticket = samlRequest.ok ? samlRequest.artifact : undefined;
  const outcome = await runValidation(routes, request, 'samlValidate', ticket, () => {
    if (!samlRequest.ok) throw new CasError('INVALID_REQUEST', samlRequest.reason);
    return validateTicket(validationDeps(routes), { endpoint: 'samlValidate', service: target, ticket, renew: flag(query, 'renew') });
  });
  const inResponseTo = samlRequest.ok ? samlRequest.requestId : undefined;
  const now = ctx.clock.now();
  const xml =
    outcome instanceof CasError
      ? samlFailureXml({ service: target, inResponseTo, now, message: `${outcome.code}: ${outcome.message}` })
      : samlSuccessXml({
          user: outcome.result.user,
          attributes: outcome.result.attributes,
          service: target!,
          issuer: new URL(ctx.config.PUBLIC_URL).hostname,
          now,
          authentication: outcome.authentication,
          inResponseTo,
        });
  return protocolReply(reply).type(CONTENT_TYPES.soap).send(xml);
}

/** Runs one validation with its audit and logging; a failure comes back as the CasError to render. */
async function runValidation(
  { ctx }: CasRoutes,
  request: FastifyRequest,
  endpoint: ValidationEndpoint,
  ticket: string | undefined,
  validate: () => Promise<ValidationOutcome>,
): Promise<ValidationOutcome | CasError> {
  let outcome: ValidationOutcome;
  try {
    outcome = await validate();
  } catch (err) {
    const error = err instanceof CasError ? err : internalError(request, err);
    request.log.info({ endpoint, code: error.code, reason: error.message, ticket: ticket ? shortTicket(ticket) : undefined }, 'ticket validation failed');
    // The kind as the id claims it (ST-, PT-; else unknown): the ticket itself may be gone or never have existed.
    const kind = /^(ST|PT)-/.exec(ticket ?? '')?.[1] ?? 'unknown';
    await ctx.audit.record({ type: 'ticket.refused', ip: request.ip, detail: { endpoint, code: error.code, kind } }).catch(() => undefined);
    return error;
  }
  await ctx.audit.record({
    type: 'ticket.validated',
    userId: outcome.userId,
    ip: request.ip,
    detail: { endpoint, serviceId: outcome.serviceId, kind: outcome.ticketKind, ...(outcome.result.proxyGrantingTicketIou ? { pgt: true } : {}) },
  });
  return outcome;
}

/** `/proxy?pgt=…&targetService=…` (spec 1.6): a proxy ticket, or proxyFailure with the spec's code. */
async function handleProxy(routes: CasRoutes, request: FastifyRequest, reply: FastifyReply) {
  const { ctx } = routes;
  const params: Params = mergedParams(request.query, request.body);
  const json = (param(params, 'format') ?? '').toUpperCase() === 'JSON';
  let result: string | CasError;
  try {
    const pt = await ctx.proxying.issueProxyTicket(param(params, 'pgt'), param(params, 'targetService'));
    await ctx.audit.record({ type: 'ticket.proxied', ip: request.ip, detail: { serviceId: pt.serviceId, depth: pt.proxies.length } });
    result = pt.id;
  } catch (err) {
    result = err instanceof CasError ? err : internalError(request, err);
    request.log.info({ code: result.code, reason: result.message }, 'proxy ticket refused');
  }
  protocolReply(reply);
  if (json) return reply.type(CONTENT_TYPES.json).send(proxyJson(result));
  return reply.type(CONTENT_TYPES.xml).send(typeof result === 'string' ? proxySuccessXml(result) : proxyFailureXml(result));
}

function internalError(request: FastifyRequest, err: unknown): CasError {
  request.log.error({ err }, 'CAS request failed unexpectedly');
  return casErrors.internal();
}

// Protocol failures are HTTP 200 with a failure document: the Java client loses the body of a 4xx/5xx (spec 0.2).
function protocolReply(reply: FastifyReply): FastifyReply {
  return reply.code(200).header('cache-control', 'no-store');
}
