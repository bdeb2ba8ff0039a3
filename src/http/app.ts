import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { createTicketValidator } from '../cas/validation.js';
import type { Wecas } from '../wecas.js';
import { registerAdminApi } from './admin/plugin.js';
import { registerConsole } from './console/console.js';
import { CONSOLE_PATH } from './console/console-session.js';
import { createCookies } from './cookies.js';
import { lazyRequestLoggers, requestSerializer } from './log.js';
import { openLoginTransactions } from './login-transaction.js';
import { OneLinePerRequest, observeValidationLatency, registerHealthRoutes, registerMetricsRoute, requestIds } from './observability.js';
import { addHelmetHeaders } from './page-headers.js';
import { createLoginPage } from './pages/login-page.js';
import type { MessageKey } from './pages/messages.js';
import { createPages, type Pages, STATIC_DIR } from './pages/pages.js';
import { limitRequests } from './rate-limits.js';
import { decorateRequests } from './request-context.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerAccountDeleteRoutes } from './routes/account-delete.js';
import { registerAccountPhoneRoutes } from './routes/account-phone.js';
import { registerAccountSecondFactorRoutes } from './routes/account-second-factor.js';
import { registerContinueRoute } from './routes/continue.js';
import { registerLoginRoutes } from './routes/login.js';
import { registerLogoutRoutes } from './routes/logout.js';
import { registerRecoveryRoutes } from './routes/recovery.js';
import { registerSecondFactorRoutes } from './routes/second-factor.js';
import { registerSendChallengeRoutes } from './routes/send-challenges.js';
import { registerSmsLoginRoutes } from './routes/sms-login.js';
import { registerValidationRoutes } from './routes/validation.js';
import { registerWeChatCallbackRoute, registerWeChatStartRoute } from './routes/wechat.js';
import { registerWeChatBindingRoutes } from './routes/wechat-binding.js';
import { registerWeComCallbackRoute, registerWeComStartRoute } from './routes/wecom.js';
import { registerWeComBindingRoutes } from './routes/wecom-binding.js';
import { createSignInResponses } from './sign-in-response.js';
import { keepTickObjectShape } from './tick-object-shape.js';

/** A development-only surface the development composition root mounts (the WeChat emulator, the SMS outbox). */
export interface DevSurface {
  /** What the banner on every page says about it. */
  banner: MessageKey;
  register(app: FastifyInstance, pages: Pages): Promise<void>;
}

export interface BuildAppOptions {
  logger?: FastifyServerOptions['logger'];
  /** Mounted by the development start (dev/), never in production. */
  devSurfaces?: DevSurface[];
}

/** Assembles the HTTP application around a wired wecas; `listen` is the caller's business (tests use inject). */
export async function buildApp(wecas: Wecas, options: BuildAppOptions = {}): Promise<FastifyInstance> {
  const { config } = wecas;
  const { server } = config;
  const devSurfaces = options.devSurfaces ?? [];
  if (devSurfaces.length > 0 && config.mode === 'production') throw new Error('development surfaces (emulator, outbox) are not for production');
  keepTickObjectShape();
  const app = Fastify({
    ...(server.tls ? { https: { cert: readFileSync(server.tls.certFile), key: readFileSync(server.tls.keyFile) } } : {}),
    logger: options.logger ?? { level: server.logLevel, serializers: { req: requestSerializer } },
    genReqId: requestIds(),
    childLoggerFactory: lazyRequestLoggers,
    logController: new OneLinePerRequest(),
    trustProxy: server.trustProxy,
    bodyLimit: 64 * 1024,
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 300 },
  }) as unknown as FastifyInstance; // the https and http server types differ only in the raw server
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  const prefix = server.casPrefix;
  const cookies = createCookies({ path: prefix || '/', secure: server.secureCookies });
  const banner: MessageKey[] = config.mode === 'development' ? ['dev.banner.mode', ...devSurfaces.map((s) => s.banner)] : [];
  const pages = createPages({ staticBase: `${prefix}/static`, secureCookies: server.secureCookies, cookies, banner });

  registerHealthRoutes(app, wecas.readiness);
  // WeChat checks a 服务号's web-authorization domain by fetching this file at the host's root, outside the CAS prefix.
  const verifyFile = config.wechatOfficialAccount?.verifyFile;
  if (verifyFile) app.get(`/${verifyFile.name}`, async (_request, reply) => reply.type('text/plain; charset=utf-8').send(verifyFile.content));
  // With a metrics port the metrics live on the admin port only (cli/start.ts), never on the public one.
  if (config.observability.metricsEnabled && config.observability.metricsPort === undefined) registerMetricsRoute(app, wecas.metrics);

  await app.register(fastifyFormbody);
  decorateRequests(app, { sessions: wecas.sessions, cookies });
  await limitRequests(app, {
    limits: config.requestLimits,
    redis: wecas.redis,
    redisPrefix: config.storage.redis?.prefix ?? '',
    metrics: wecas.metrics,
  });

  // The last resort: a page that says what to do, never a stack trace. Set before the routes below: a plugin's
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
    return pages.send(request, reply, 'message', { title, paragraphs: [body], links: [backLink(request.url, prefix, t)] }, status);
  });

  // The CAS protocol endpoints: machine-to-machine, on every application's hot path. Their scope has none of what
  // only pages need (cookie parsing, helmet's page headers, page languages): their responses carry their own
  // content type and no-store (routes/validation.ts).
  await app.register(
    async (protocol) => {
      observeValidationLatency(protocol, wecas.metrics, prefix);
      registerProtocolRoutes(protocol, wecas);
    },
    { prefix },
  );

  // Everything a browser sees: cookies, helmet's headers (each page sets its own CSP, see pages/pages.ts).
  await app.register(async (site) => {
    await site.register(fastifyCookie);
    addHelmetHeaders(site, { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false, strictTransportSecurity: server.secureCookies });
    await site.register(fastifyStatic, { root: STATIC_DIR, prefix: `${prefix}/static/`, maxAge: 3600_000, index: false });
    site.get('/favicon.ico', (_request, reply) => reply.redirect(`${prefix}/static/favicon.svg`, 301));
    await site.register(async (scope) => registerCasRoutes(scope, wecas, { pages, cookies }), { prefix });
    await registerAdminApi(site, wecas);
    if (prefix) site.get('/', (_request, reply) => reply.redirect(`${prefix}/login`, 302));
    await registerConsole(site, wecas, pages);
    for (const surface of devSurfaces) await surface.register(site, pages);

    site.setNotFoundHandler((request, reply) => {
      const t = pages.translate(request);
      return pages.send(
        request,
        reply,
        'message',
        { title: t('error.not_found.title'), paragraphs: [t('error.not_found.body')], links: [backLink(request.url, prefix, t)] },
        404,
      );
    });
  });

  return app;
}

/** Where a page about a failed request leads back to: the console for the console's own paths, else sign-in. */
function backLink(url: string, prefix: string, t: (key: MessageKey) => string): { href: string; label: string } {
  const path = url.split('?')[0]!;
  if (path === CONSOLE_PATH || path.startsWith(`${CONSOLE_PATH}/`)) return { href: CONSOLE_PATH, label: t('error.back_console') };
  return { href: `${prefix}/login`, label: t('error.back') };
}

/** The CAS protocol and its pages under the configured prefix, each route given only what it uses. */
async function registerCasRoutes(
  app: FastifyInstance,
  wecas: Wecas,
  shared: { pages: Pages; cookies: ReturnType<typeof createCookies> },
): Promise<void> {
  const { config, signIn, formTokens, wechat, wecom } = wecas;
  const { pages, cookies } = shared;
  const prefix = config.server.casPrefix;
  const casBaseUrl = config.server.casBaseUrl;
  const loginPage = createLoginPage({
    pages,
    cookies,
    formTokens,
    wechat: wechat?.identification,
    wecom: wecas.wecom ? { loginOrigin: wecas.wecom.client.loginOrigin } : undefined,
    prefix,
    casBaseUrl,
    warnInsecure: !config.server.secureCookies && config.mode !== 'test',
    smsCountries: config.sms.countries,
  });
  const responses = createSignInResponses({
    signIn,
    continuations: wecas.continuations,
    secondFactor: wecas.secondFactorStep,
    pages,
    cookies,
    prefix,
  });
  const codes = wecas.sms.codes;
  const smsCountries = config.sms.countries;

  // Every route that reads a CAS login request from its query: the transaction is opened (the service checked) before the handler.
  await app.register(async (login) => {
    openLoginTransactions(login, { signIn, loginPage });
    registerLoginRoutes(login, {
      signIn,
      password: wecas.password,
      formTokens,
      cookies,
      pages,
      loginPage,
      responses,
      secondFactor: wecas.secondFactorStep,
      prefix,
    });
    registerSmsLoginRoutes(login, { signIn, smsCode: wecas.smsCode, codes, formTokens, cookies, pages, loginPage, responses, smsCountries });
    if (wechat) registerWeChatStartRoute(login, { signIn, wechat, cookies, pages, responses, prefix, casBaseUrl });
    if (wecom) registerWeComStartRoute(login, { signIn, wecom, cookies, pages, responses, prefix, casBaseUrl });
    registerRecoveryRoutes(login, {
      recovery: wecas.recovery,
      formTokens,
      cookies,
      pages,
      responses,
      prefix,
      smsCountries,
      policy: config.passwordPolicy,
      readOnlyDirectories: config.directories.order.filter((d) => d !== 'local').map((d) => (d === 'sql' ? (config.directories.sql?.name ?? d) : d)),
      directoryPasswordUrl: config.recovery.directoryPasswordUrl,
      idSuffix: config.recovery.idAttribute !== undefined,
    });
  });
  registerSecondFactorRoutes(app, { step: wecas.secondFactorStep, responses, cookies, pages, prefix, smsCountries });
  registerContinueRoute(app, { continuations: wecas.continuations, responses, cookies, pages });
  if (wecom) {
    registerWeComCallbackRoute(app, { signIn, wecom, cookies, pages, responses, prefix, casBaseUrl });
    registerWeComBindingRoutes(app, { signIn, wecom, codes, formTokens, cookies, pages, responses, prefix, smsCountries });
  }
  registerSendChallengeRoutes(app, { challenges: wecas.sms.challenges });
  if (wechat) {
    registerWeChatCallbackRoute(app, { signIn, wechat, cookies, pages, responses, prefix, casBaseUrl });
    registerWeChatBindingRoutes(app, { signIn, wechat, codes, formTokens, cookies, pages, responses, prefix, smsCountries });
  }
  registerLogoutRoutes(app, { signIn, services: wecas.services, cookies, pages, prefix, followService: config.cas.logoutFollowsService });
  registerAccountRoutes(app, {
    account: wecas.account,
    wechatClient: wechat?.client,
    cookies,
    pages,
    prefix,
    casBaseUrl,
    secondFactorStatus: (userId) => wecas.secondFactorSettings.status(userId),
  });
  registerAccountSecondFactorRoutes(app, { settings: wecas.secondFactorSettings, cookies, pages, prefix });
  registerAccountPhoneRoutes(app, { recovery: wecas.recovery, formTokens, cookies, pages, prefix, smsCountries });
  const retentionDays = config.observability.auditRetentionDays;
  registerAccountDeleteRoutes(app, { deletion: wecas.selfDeletion, formTokens, cookies, pages, prefix, retentionDays });
}

/** The ticket validators and /proxy, with what they use only. */
function registerProtocolRoutes(app: FastifyInstance, wecas: Wecas): void {
  const { config } = wecas;
  registerValidationRoutes(app, {
    validator: createTicketValidator({
      registry: wecas.tickets,
      services: wecas.services,
      users: wecas.users,
      clock: wecas.clock,
      v2Attributes: config.cas.v2Attributes,
      grantProxyGrantingTicket: wecas.proxying.grantProxyGrantingTicket,
      audit: wecas.audit,
      onRefused: ({ kind, code }) => wecas.metrics.ticketValidated(kind, code),
      onUnexpected: (err) => app.log.error({ err }, 'CAS request failed unexpectedly'),
    }),
    proxying: wecas.proxying,
    audit: wecas.audit,
    clock: wecas.clock,
    issuer: new URL(config.server.publicUrl).hostname,
  });
}
