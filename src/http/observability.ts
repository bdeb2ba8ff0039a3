import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, LogController, type RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import type { Readiness } from '../observability/health.js';
import type { Metrics } from '../observability/metrics.js';
import { loggableUrl } from './log.js';
import { noStore } from './respond.js';

/** `/health/live` and `/health/ready`: JSON, 200 or 503, no auth, nothing secret, no cache. */
export function registerHealthRoutes(app: FastifyInstance, readiness: Readiness): void {
  // Live: the process answers. A load balancer restarts on this; it must not fail because a dependency is down.
  app.get('/health/live', async (_request, reply) => noStore(reply).send({ status: 'live' }));
  // Ready: send this node traffic. Fails while its database or Redis is unreachable.
  app.get('/health/ready', async (_request, reply) => {
    const report = await readiness.check();
    return noStore(reply)
      .code(report.status === 'not_ready' ? 503 : 200)
      .send(report);
  });
}

export function registerMetricsRoute(app: FastifyInstance, metrics: Metrics): void {
  metrics.collectProcessMetrics();
  app.get('/metrics', async (_request, reply) =>
    noStore(reply)
      .type(metrics.registry.contentType)
      .send(await metrics.registry.metrics()),
  );
}

/**
 * Request ids for log lines: unique across nodes (a random prefix per process) and cheap (a counter, where a
 * CSPRNG call per request showed up in the validation profile). They are not secrets and guard nothing.
 */
export function requestIds(): () => string {
  const node = randomBytes(4).toString('hex');
  let n = 0;
  return () => `${node}-${(++n).toString(36)}`;
}

/**
 * One log line per request, when it is answered: method, URL (tickets by prefix, secrets masked), status,
 * duration and client IP; pino adds the request id (`reqId`). Replaces Fastify's two lines per request.
 */
export class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override routeNotFound(): void {} // the 404 is in the request's own line

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const log = request.log;
    if (!error && !infoEnabled(log)) return; // do not build a line nobody writes (LOG_LEVEL=warn)
    const line = {
      method: request.method,
      url: loggableUrl(request.url),
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      ip: request.ip,
    };
    if (error) log.error({ ...line, err: error }, 'request failed');
    else log.info(line, 'request');
  }
}

/** pino can say whether a line would be written; other loggers (tests' `logger: false`) are asked anyway. */
function infoEnabled(log: object): boolean {
  const pinoLike = log as { isLevelEnabled?: (level: string) => boolean };
  return pinoLike.isLevelEnabled ? pinoLike.isLevelEnabled('info') : true;
}

const VALIDATION_ROUTE = /\/(validate|serviceValidate|proxyValidate|samlValidate)$/;

/**
 * Times every ticket validation request, labelled by its endpoint (`serviceValidate`, `p3/serviceValidate`…): a hook
 * on the validators' routes alone, its label fixed when the route is added. Call before the routes are added.
 */
export function observeValidationLatency(app: FastifyInstance, metrics: Metrics, prefix: string): void {
  app.addHook('onRoute', (route: RouteOptions) => {
    if (!VALIDATION_ROUTE.test(route.url)) return;
    const endpoint = route.url.slice(prefix.length + 1);
    const observe = (_request: FastifyRequest, reply: FastifyReply, done: () => void) => {
      metrics.validationLatency(endpoint, reply.elapsedTime / 1000);
      done();
    };
    route.onResponse = [...(route.onResponse ? [route.onResponse].flat() : []), observe];
  });
}

/** The admin port (METRICS_PORT): `/metrics` and the health endpoints, kept off the public listener. */
export async function startAdminServer(options: {
  port: number;
  host: string;
  metrics: Metrics;
  readiness: Readiness;
  logger?: Logger;
}): Promise<FastifyInstance> {
  const admin = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : {}),
    logController: new OneLinePerRequest(),
  }) as unknown as FastifyInstance;
  registerMetricsRoute(admin, options.metrics);
  registerHealthRoutes(admin, options.readiness);
  await admin.listen({ port: options.port, host: options.host });
  return admin;
}
