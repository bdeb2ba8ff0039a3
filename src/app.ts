import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { readFileSync } from 'node:fs';
import { casPlugin } from './cas/plugin.js';
import type { CasRoutes } from './cas/sign-in.js';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { requestSerializer } from './log.js';
import { createReadiness } from './observability/health.js';
import { observeValidationLatency, OneLinePerRequest, registerHealthRoutes, registerMetricsRoute, requestIds } from './observability/http.js';
import { ConsoleSmsSender } from './sms/console-sender.js';
import { registerOutboxRoutes } from './web/outbox-routes.js';
import { createPages, STATIC_DIR } from './web/pages.js';
import { type Emulator, type EmulatorOptions, emulatorPlugin } from '../emulator/app.js';

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Drive the mounted WeChat emulator from tests (made with `createEmulator(emulatorOptionsFor(config))`). */
  emulator?: Emulator;
}

/** wecas registers itself with its emulator: the dev AppID, and the host of PUBLIC_URL as callback domain. */
export function emulatorOptionsFor(config: Config): EmulatorOptions {
  return {
    apps: [{ appId: config.wechat.appId, appSecret: config.wechat.appSecret, name: 'wecas', callbackDomain: new URL(config.PUBLIC_URL).host }],
    publicBaseUrl: `${config.PUBLIC_URL}/__wechat`,
    testControl: config.NODE_ENV !== 'production',
  };
}

/** Assembles the HTTP application around a context; `listen` is the caller's business (tests use inject). */
export async function buildApp(ctx: AppContext, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = ctx;
  const app = Fastify({
    ...(config.TLS_CERT_FILE && config.TLS_KEY_FILE
      ? { https: { cert: readFileSync(config.TLS_CERT_FILE), key: readFileSync(config.TLS_KEY_FILE) } }
      : {}),
    logger: options.logger ?? { level: config.LOG_LEVEL, serializers: { req: requestSerializer } },
    genReqId: requestIds(),
    logController: new OneLinePerRequest(),
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 300 },
  }) as unknown as FastifyInstance; // the https and http server types differ only in the raw server

  observeValidationLatency(app, ctx.metrics, config.CAS_PREFIX);
  registerHealthRoutes(app, createReadiness({ db: ctx.db, redis: ctx.redis, config }));
  // With METRICS_PORT the metrics live on the admin port only (see cli.ts), never on the public one.
  if (config.METRICS_ENABLED && config.METRICS_PORT === undefined) registerMetricsRoute(app, ctx.metrics);

  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  // Helmet's other headers everywhere; each page sets its own CSP (see web/pages.ts).
  await app.register(fastifyHelmet, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false, hsts: config.secureCookies });

  const prefix = config.CAS_PREFIX;
  const pages = createPages({ devMode: config.NODE_ENV === 'development', staticBase: `${prefix}/static`, secureCookies: config.secureCookies, cookiePath: prefix || '/' });
  const routes: CasRoutes = { ctx, pages, prefix, cookiePath: prefix || '/' };

  // The last resort: a page that says what to do, never a stack trace. Set before the plugins below: a plugin's
  // routes keep the error handler in force when it was registered, and would otherwise answer Fastify's JSON.
  // Unexpected failures are nearly always a store or service out of reach (Redis, the database): 503 with a page
  // that says to try again, the error itself only in the log.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 503;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: error.code, message: error.message }, 'bad request');
    const t = pages.translate(request);
    const [title, body] =
      status === 429
        ? [t('error.too_many.title'), t('error.too_many.body')]
        : status >= 500
          ? [t('error.internal.title'), t('error.internal.body')]
          : [t('error.bad_request.title'), t('error.bad_request.body')];
    return pages.send(request, reply, 'message', { title, paragraphs: [body], links: [{ href: `${prefix}/login`, label: t('error.back') }] }, status);
  });

  await app.register(fastifyStatic, { root: STATIC_DIR, prefix: `${prefix}/static/`, maxAge: 3600_000, index: false });
  await app.register(async (scope) => casPlugin(scope, routes), { prefix });

  if (prefix) app.get('/', (_req, reply) => reply.redirect(`${prefix}/login`, 302));

  if (ctx.sms.sender instanceof ConsoleSmsSender && config.NODE_ENV !== 'production') registerOutboxRoutes(app, pages, ctx.sms.sender);

  // The WeChat emulator stands in for WeChat only where no real AppID is configured, never in production.
  if (config.wechat.emulated) {
    await app.register(emulatorPlugin, {
      prefix: '/__wechat',
      ...emulatorOptionsFor(config),
      ...(options.emulator ? { emulator: options.emulator } : {}),
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const t = pages.translate(request);
    return pages.send(request, reply, 'message', { title: t('error.not_found.title'), paragraphs: [t('error.not_found.body')], links: [{ href: `${prefix}/login`, label: t('error.back') }] }, 404);
  });

  return app;
}
