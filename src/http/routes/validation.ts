import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.js';
import { CasError, casErrors } from '../../cas/errors.js';
import { isFlagSet } from '../../cas/login-request.js';
import type { Proxying } from '../../cas/proxy.js';
import { CONTENT_TYPES, proxyFailureXml, proxyJson, proxySuccessXml, validationJson, validationText, validationXml } from '../../cas/responses.js';
import { parseSamlRequest, samlFailureXml, samlSuccessXml } from '../../cas/saml11.js';
import type { TicketValidator, ValidationEndpoint } from '../../cas/validation.js';
import type { Clock } from '../../clock.js';
import { namedParams } from '../params.js';
import { TooManyRequests } from '../rate-limits.js';
import { noStore } from '../respond.js';

export interface ValidationRouteDeps {
  validator: TicketValidator;
  proxying: Pick<Proxying, 'issueProxyTicket'>;
  audit: AuditLog;
  clock: Clock;
  /** The host name SAML assertions name as their issuer. */
  issuer: string;
}

const ENDPOINTS: ValidationEndpoint[] = ['validate', 'serviceValidate', 'proxyValidate', 'p3/serviceValidate', 'p3/proxyValidate'];

/** SOAP requests are small; this is ample for any client's envelope. */
const SAML_BODY_LIMIT = 16 * 1024;

/** The schemas of a validator's or /proxy's query and (POST) form body: namedParams of each, the body winning later. */
function protocolParams<K extends string>(names: readonly K[]) {
  const read = (source: unknown) => namedParams(source, names);
  return { query: z.unknown().transform(read), body: z.unknown().transform(read) };
}

const VALIDATOR_PARAMS = ['service', 'ticket', 'renew', 'pgtUrl', 'format'] as const;
const validatorParams = protocolParams(VALIDATOR_PARAMS);
const proxyParams = protocolParams(['pgt', 'targetService', 'format']);
const samlQuery = protocolParams(['TARGET', 'renew']).query;

/** Both sources, the body's value first (POST forms), then the query's. */
function merged<K extends string>(query: Record<K, string | undefined>, body: Record<K, string | undefined>): Record<K, string | undefined> {
  const out = { ...query };
  for (const [name, value] of Object.entries(body) as Array<[K, string | undefined]>) if (value !== undefined) out[name] = value;
  return out;
}

/** The ticket validators and /proxy: GET as the spec says, POST (form) too since it costs nothing (docs/cas-protocol.md §0.8). */
export function registerValidationRoutes(app: FastifyInstance, deps: ValidationRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  // A client over its request limit hears it in the protocol's own form (with HTTP 429 and Retry-After); anything
  // else goes on to the app's error handler.
  app.setErrorHandler((error, request, reply) => {
    if (!(error instanceof TooManyRequests)) throw error;
    const failure = casErrors.tooManyRequests();
    noStore(reply).code(429).header('x-content-type-options', 'nosniff');
    if (request.url.includes('/samlValidate')) {
      return reply
        .type(CONTENT_TYPES.soap)
        .send(samlFailureXml({ service: undefined, inResponseTo: undefined, now: deps.clock.now(), message: `${failure.code}: ${failure.message}` }));
    }
    if (/\/validate(\?|$)/.test(request.url)) return reply.type(CONTENT_TYPES.text).send(validationText(failure));
    if (/[?&]format=json(&|$)/i.test(request.url)) return reply.type(CONTENT_TYPES.json).send(validationJson(failure));
    return reply.type(CONTENT_TYPES.xml).send(validationXml(failure));
  });
  for (const endpoint of ENDPOINTS) {
    // GET, the spec's form and every client's hot path: no schema to run; the few parameters are read as `param`
    // reads them (first value, text only) straight from the parsed query.
    app.get(`/${endpoint}`, (request, reply) => validation(endpoint, request, reply, namedParams(request.query, VALIDATOR_PARAMS)));
    routes.post(`/${endpoint}`, { schema: { querystring: validatorParams.query, body: validatorParams.body } }, (request, reply) =>
      validation(endpoint, request, reply, merged(request.query, request.body)),
    );
  }
  routes.get('/proxy', { schema: { querystring: proxyParams.query } }, (request, reply) => proxy(request, reply, request.query));
  routes.post('/proxy', { schema: { querystring: proxyParams.query, body: proxyParams.body } }, (request, reply) =>
    proxy(request, reply, merged(request.query, request.body)),
  );

  // SAML 1.1 is POST-only, and its body is XML under whatever Content-Type the client chose (text/xml mostly,
  // none or a form type from some): this scope reads every body as text.
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'string', bodyLimit: SAML_BODY_LIMIT }, (_request, body, done) => done(null, body));
    scope
      .withTypeProvider<ZodTypeProvider>()
      .post('/samlValidate', { schema: { querystring: samlQuery } }, (request, reply) => samlValidation(request, reply, request.query));
  });

  async function validation(
    endpoint: ValidationEndpoint,
    request: FastifyRequest,
    reply: FastifyReply,
    params: Record<'service' | 'ticket' | 'renew' | 'pgtUrl' | 'format', string | undefined>,
  ) {
    const requested = (params.format ?? 'XML').toUpperCase();
    const outcome = await deps.validator.validate(
      { endpoint, service: params.service, ticket: params.ticket, renew: isFlagSet(params.renew), pgtUrl: params.pgtUrl },
      request.client,
      () => {
        if (endpoint !== 'validate' && requested !== 'XML' && requested !== 'JSON') throw casErrors.unsupportedFormat(requested);
      },
    );
    logFailure(request, endpoint, outcome);
    const result = outcome instanceof CasError ? outcome : outcome.result;
    protocolReply(reply);
    if (endpoint === 'validate') return reply.type(CONTENT_TYPES.text).send(validationText(result));
    if (requested === 'JSON') return reply.type(CONTENT_TYPES.json).send(validationJson(result));
    return reply.type(CONTENT_TYPES.xml).send(validationXml(result));
  }

  /** `POST /samlValidate?TARGET=…` (docs/cas-protocol.md §1.7): the rules of /serviceValidate, in SAML 1.1 over SOAP. */
  async function samlValidation(request: FastifyRequest, reply: FastifyReply, params: Record<'TARGET' | 'renew', string | undefined>) {
    const target = params.TARGET;
    const samlRequest = parseSamlRequest(typeof request.body === 'string' ? request.body : '');
    const ticket = samlRequest.ok ? samlRequest.artifact : undefined;
    const outcome = await deps.validator.validate(
      { endpoint: 'samlValidate', service: target, ticket, renew: isFlagSet(params.renew) },
      request.client,
      () => {
        if (!samlRequest.ok) throw new CasError('INVALID_REQUEST', samlRequest.reason);
      },
    );
    logFailure(request, 'samlValidate', outcome);
    const inResponseTo = samlRequest.ok ? samlRequest.requestId : undefined;
    const now = deps.clock.now();
    const xml =
      outcome instanceof CasError
        ? samlFailureXml({ service: target, inResponseTo, now, message: `${outcome.code}: ${outcome.message}` })
        : samlSuccessXml({
            user: outcome.result.user,
            attributes: outcome.result.attributes,
            service: target ?? '',
            issuer: deps.issuer,
            now,
            authentication: outcome.authentication,
            inResponseTo,
          });
    return protocolReply(reply).type(CONTENT_TYPES.soap).send(xml);
  }

  /** `/proxy?pgt=…&targetService=…` (docs/cas-protocol.md §1.6): a proxy ticket, or proxyFailure with the spec's code. */
  async function proxy(request: FastifyRequest, reply: FastifyReply, params: Record<'pgt' | 'targetService' | 'format', string | undefined>) {
    let result: string | CasError;
    try {
      const pt = await deps.proxying.issueProxyTicket(params.pgt, params.targetService);
      await deps.audit.record({ type: 'ticket.proxied', serviceId: pt.serviceId, depth: pt.proxies.length, client: request.client });
      result = pt.id;
    } catch (err) {
      if (!(err instanceof CasError)) request.log.error({ err }, 'CAS request failed unexpectedly');
      result = err instanceof CasError ? err : casErrors.internal();
      request.log.info({ code: result.code, reason: result.message }, 'proxy ticket refused');
    }
    protocolReply(reply);
    if ((params.format ?? '').toUpperCase() === 'JSON') return reply.type(CONTENT_TYPES.json).send(proxyJson(result));
    return reply.type(CONTENT_TYPES.xml).send(typeof result === 'string' ? proxySuccessXml(result) : proxyFailureXml(result));
  }
}

function logFailure(request: FastifyRequest, endpoint: ValidationEndpoint, outcome: unknown): void {
  if (outcome instanceof CasError) request.log.info({ endpoint, code: outcome.code, reason: outcome.message }, 'ticket validation failed');
}

// Protocol failures are HTTP 200 with a failure document: the Java client loses the body of a 4xx/5xx (docs/cas-protocol.md §0.2).
// The protocol scope has none of helmet's page headers: a response with a ticket or a person's attributes is never
// stored, and never read by a browser as anything but its declared type.
function protocolReply(reply: FastifyReply): FastifyReply {
  return noStore(reply).code(200).header('x-content-type-options', 'nosniff');
}
