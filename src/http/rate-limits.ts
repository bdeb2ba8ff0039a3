import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Redis } from 'ioredis';
import type { Config } from '../config.js';
import { ipBucket } from '../kv/ip-bucket.js';
import type { Metrics, RateLimit } from '../observability/metrics.js';
import { localRateLimit } from './local-rate-limit.js';

/** The kinds of endpoint with a request limit of their own, and how each path is told apart. */
const GROUPS = [
  {
    group: 'sms',
    metric: 'requests_sms',
    path: /\/(login\/(sms|wechat\/bind|wecom\/bind|second-factor\/sms|forgot|activate)|account\/phone)\/send$/,
  },
  { group: 'validation', metric: 'requests_validation', path: /\/(validate|serviceValidate|proxyValidate|samlValidate|proxy)$/ },
  { group: 'callback', metric: 'requests_callback', path: /\/(wechat|wecom)\/callback$/ },
  { group: 'login', metric: 'requests_login', path: /\/(login|account\/phone)(\/[a-z/-]*)?$/ },
] as const satisfies ReadonlyArray<{ group: string; metric: RateLimit; path: RegExp }>;

type Group = (typeof GROUPS)[number]['group'];

const CONTINUATION = /\/login\/continue$/;
/**
 * Development surfaces mount under `/__…` (the WeChat and WeCom emulators, the SMS outbox). They stand in for other
 * parties' servers, which wecas does not limit: WeCom's `/wwlogin/sso/login` is not a wecas login page.
 */
const DEVELOPMENT_SURFACE = /^\/__/;

/** The error a limited request ends in: a 429, rendered by the scope's error handler (a page, or the protocol's form). */
export class TooManyRequests extends Error {
  override name = 'TooManyRequests';
  readonly statusCode = 429;
  constructor(readonly group: Group) {
    super(`too many ${group} requests from this address`);
  }
}

/**
 * Request limits per client address on the endpoints anyone can call anonymously: the login pages, SMS sends, the
 * validators and WeChat's callbacks (@fastify/rate-limit, its counters in Redis when Redis is configured, so the
 * limits hold across nodes; the validators' limit is counted per node, see local-rate-limit.ts). Each route gets its group's limit as it is added, from its path: one table, here.
 * Call before any route is registered.
 */
export async function limitRequests(
  app: FastifyInstance,
  deps: { limits: Config['requestLimits']; redis: Redis | undefined; redisPrefix: string; metrics: Pick<Metrics, 'rateLimited'> },
): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: false,
    ...(deps.redis ? { redis: deps.redis, nameSpace: `${deps.redisPrefix}ratelimit:` } : {}),
    // A limiter that cannot count (Redis gone) lets requests through: the limit must never be what takes wecas down.
    skipOnError: true,
    // No x-ratelimit-* headers on the answers within the limit: they told every client its address's budget on
    // every page and every SSO redirect (a guesser's pacing), and cost three headers per response. A 429 still
    // says when to come back (retry-after).
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
  });
  const perMinute: Record<Group, number> = {
    login: deps.limits.loginPerMinute,
    sms: deps.limits.smsPerMinute,
    validation: deps.limits.validationPerMinute,
    callback: deps.limits.callbackPerMinute,
  };
  const hooks = new Map(
    GROUPS.map(({ group, metric }) => [
      group,
      group === 'validation'
        ? // Counted in this node's memory: a validation makes no round trip to Redis for its limit (local-rate-limit.ts).
          localRateLimit({
            max: perMinute[group],
            windowMs: 60_000,
            onExceeded: () => deps.metrics.rateLimited(metric),
            error: () => new TooManyRequests(group),
          })
        : app.rateLimit({
            max: perMinute[group],
            timeWindow: 60_000,
            // Each group counts on its own; an IPv6 client counts by its /64, like every other per-address limit here.
            keyGenerator: (request: FastifyRequest) => `${group}:${ipBucket(request.ip)}`,
            onExceeded: () => deps.metrics.rateLimited(metric),
            errorResponseBuilder: () => new TooManyRequests(group),
          }),
    ]),
  );
  app.addHook('onRoute', (route: RouteOptions) => {
    // A sign-in's continuation is the last step of a POST already counted: refusing it would lose a sign-in that
    // succeeded. Its ids are random, single use and bound to a browser: nothing to try in bulk.
    if (CONTINUATION.test(route.url) || DEVELOPMENT_SURFACE.test(route.url)) return;
    const group = GROUPS.find((g) => g.path.test(route.url))?.group;
    if (!group) return;
    const existing = route.onRequest ? [route.onRequest].flat() : [];
    route.onRequest = [hooks.get(group)!, ...existing];
  });
}
