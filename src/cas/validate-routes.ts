import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { CasError, casErrors, shortTicket } from './errors.js';
import { flag, mergedParams, param, type Params } from './params.js';
import { CONTENT_TYPES, type ResponseFormat, validationJson, validationText, validationXml } from './responses.js';
import type { CasRoutes } from './sign-in.js';
import { type ValidationEndpoint, validateTicket } from './validation.js';

const ENDPOINTS: ValidationEndpoint[] = ['validate', 'serviceValidate', 'proxyValidate', 'p3/serviceValidate', 'p3/proxyValidate'];

/** The ticket validators: GET as the spec says, POST (form) too since it costs nothing (spec 0.8). */
export function registerValidationRoutes(app: FastifyInstance, routes: CasRoutes): void {
  for (const endpoint of ENDPOINTS) {
    const handler = (request: FastifyRequest, reply: FastifyReply) => handleValidation(routes, endpoint, request, reply);
    app.get(`/${endpoint}`, handler);
    app.post(`/${endpoint}`, handler);
  }
}

async function handleValidation(routes: CasRoutes, endpoint: ValidationEndpoint, request: FastifyRequest, reply: FastifyReply) {
  const { ctx } = routes;
  const params: Params = mergedParams(request.query, request.body);
  const requested = (param(params, 'format') ?? 'XML').toUpperCase();
  const format: ResponseFormat = requested === 'JSON' ? 'JSON' : 'XML';
  const ticket = param(params, 'ticket');
  let outcome;
  try {
    if (endpoint !== 'validate' && requested !== 'XML' && requested !== 'JSON') throw casErrors.unsupportedFormat(requested);
    outcome = await validateTicket(
      { registry: ctx.tickets, services: ctx.services, users: ctx.users, clock: ctx.clock, v2Attributes: ctx.config.CAS_V2_ATTRIBUTES },
      { endpoint, service: param(params, 'service'), ticket, renew: flag(params, 'renew'), pgtUrl: param(params, 'pgtUrl') },
    );
  } catch (err) {
    const error = err instanceof CasError ? err : internalError(request, err);
    request.log.info({ endpoint, code: error.code, ticket: ticket ? shortTicket(ticket) : undefined }, 'ticket validation failed');
    await ctx.audit
      .record({ type: 'ticket.refused', ip: request.ip, detail: { endpoint, code: error.code } })
      .catch(() => undefined);
    return send(reply, endpoint, format, error);
  }
  await ctx.audit.record({
    type: 'ticket.validated',
    userId: outcome.userId,
    ip: request.ip,
    detail: { endpoint, serviceId: outcome.serviceId, kind: outcome.ticketKind },
  });
  return send(reply, endpoint, format, outcome.result);
}

function internalError(request: FastifyRequest, err: unknown): CasError {
  request.log.error({ err }, 'ticket validation failed unexpectedly');
  return casErrors.internal();
}

// Protocol failures are HTTP 200 with a failure document: the Java client loses the body of a 4xx/5xx (spec 0.2).
function send(reply: FastifyReply, endpoint: ValidationEndpoint, format: ResponseFormat, result: Parameters<typeof validationXml>[0]) {
  reply.code(200).header('cache-control', 'no-store');
  if (endpoint === 'validate') return reply.type(CONTENT_TYPES.text).send(validationText(result));
  if (format === 'JSON') return reply.type(CONTENT_TYPES.json).send(validationJson(result));
  return reply.type(CONTENT_TYPES.xml).send(validationXml(result));
}
