import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../tickets/ids.js';
import { browserCookie, ensureBrowserCookie } from './browser-cookie.js';
import type { MessageKey } from '../web/messages.js';
import { checkService, type LoginRequest, loginQuery, parseLoginRequest, type ServiceCheck } from './login-request.js';
import { param, type Params } from './params.js';
import { type CasRoutes, completeSignIn, currentSession, redirectWithoutTicket, redirectWithTicket, signedInPage } from './sign-in.js';

interface LoginTransaction {
  browser: string; // sha256 of the browser cookie
}

export function registerLoginRoutes(app: FastifyInstance, routes: CasRoutes): void {
  const { ctx, pages, prefix } = routes;

  app.get('/login', async (request, reply) => {
    const login = parseLoginRequest(request.query as Params);
    const check = login.service ? await checkService(ctx.services, login.service) : undefined;
    if (check && !check.ok) return serviceRefused(request, reply, check);

    const tgt = login.renew ? undefined : await currentSession(routes, request);
    if (tgt) {
      if (!check?.ok) return signedInPage(routes, request, reply, tgt.principal);
      const st = await ctx.sso.grantServiceTicket(tgt, { url: check.url, id: check.service.id }, false);
      return redirectWithTicket(routes, request, reply, login, check.url, st.id);
    }
    if (login.gateway && check?.ok) return redirectWithoutTicket(reply, check.url);
    return showLoginForm(request, reply, login, check);
  });

  app.post('/login', async (request, reply) => {
    const login = parseLoginRequest(request.query as Params);
    const check = login.service ? await checkService(ctx.services, login.service) : undefined;
    if (check && !check.ok) return serviceRefused(request, reply, check);

    const body = (request.body ?? {}) as Params;
    const username = (param(body, 'username') ?? '').trim();
    const password = param(body, 'password') ?? '';
    if (!(await takeLoginTransaction(request, param(body, 'execution')))) {
      return showLoginForm(request, reply, login, check, { error: 'login.error.expired_form', username, status: 400 });
    }
    if (!username || !password) {
      return showLoginForm(request, reply, login, check, { error: 'login.error.missing_fields', username, status: 400 });
    }

    const outcome = await ctx.passwordAuth.authenticate(username, password, request.ip);
    if (!outcome.ok) {
      await ctx.audit.record({
        type: 'login.failure',
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        detail: { method: 'password', reason: outcome.reason, username: username.slice(0, 64) },
      });
      const error: MessageKey = `login.error.${outcome.reason}`;
      const minutes = Math.max(1, Math.ceil((outcome.retryAfterSeconds ?? 60) / 60));
      return showLoginForm(request, reply, login, check, { error, errorVars: { minutes }, username, status: outcome.reason === 'throttled' ? 429 : 401 });
    }
    return completeSignIn(routes, request, reply, { user: outcome.user, method: 'password', login, service: check?.ok ? check.service : undefined });
  });

  async function showLoginForm(
    request: FastifyRequest,
    reply: FastifyReply,
    login: LoginRequest,
    check: ServiceCheck | undefined,
    problem?: { error: MessageKey; errorVars?: Record<string, number>; username?: string; status: number },
  ) {
    const t = pages.translate(request);
    const execution = await newLoginTransaction(request, reply);
    const wechat = await wechatPanel(request, reply, login);
    return pages.send(
      request,
      reply,
      'login',
      {
        title: t('login.title'),
        serviceName: check?.ok ? check.service.name : undefined,
        error: problem ? t(problem.error, problem.errorVars) : undefined,
        username: problem?.username,
        insecure: !ctx.config.secureCookies && ctx.config.NODE_ENV !== 'test',
        methods: [{ id: 'password', label: 'login.tab.password', href: `${prefix}/login${loginQuery(login)}` }],
        activeMethod: 'password',
        formAction: `${prefix}/login${loginQuery(login)}`,
        execution,
        formActionOrigin: check?.ok ? new URL(check.url).origin : undefined,
        wechat,
        wide: !!wechat,
        frameOrigins: wechat ? [wechat.origin] : [],
      },
      problem?.status ?? 200,
    );
  }

  /** The embedded WeChat QR, first on the page wherever WeChat sign-in is available. */
  async function wechatPanel(request: FastifyRequest, reply: FastifyReply, login: LoginRequest) {
    const wechat = ctx.wechatLogin;
    if (!wechat) return undefined;
    const state = await wechat.begin(ensureBrowserCookie(routes, request, reply), { purpose: 'login', loginQuery: loginQuery(login) });
    const lang = pages.localeOf(request) === 'en' ? 'en' : 'cn';
    const embed = wechat.client.embedSettings({ redirectUri: `${ctx.config.casBaseUrl}/login/wechat/callback`, state, lang });
    return { iframeUrl: embed.iframeUrl, origin: embed.origin, pageUrl: `${prefix}/login/wechat${loginQuery(login)}` };
  }

  async function newLoginTransaction(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const browser = ensureBrowserCookie(routes, request, reply);
    const execution = `LT-${randomToken()}`;
    const tx: LoginTransaction = { browser: sha256(browser) };
    await ctx.kv.put(`login-tx:${execution}`, tx, ctx.config.LOGIN_FORM_TTL_SECONDS);
    return execution;
  }

  /** Single use: a replayed or foreign form is refused. */
  async function takeLoginTransaction(request: FastifyRequest, execution: string | undefined): Promise<boolean> {
    if (!execution || !/^LT-[A-Za-z0-9]{10,64}$/.test(execution)) return false;
    const tx = await ctx.kv.take<LoginTransaction>(`login-tx:${execution}`);
    const browser = browserCookie(request);
    return !!tx && !!browser && tx.browser === sha256(browser);
  }

  async function serviceRefused(request: FastifyRequest, reply: FastifyReply, check: Extract<ServiceCheck, { ok: false }>) {
    const t = pages.translate(request);
    await ctx.audit.record({ type: 'service.refused', ip: request.ip, detail: { service: check.url.slice(0, 500), reason: check.reason } });
    const body =
      check.reason === 'invalid'
        ? t('error.invalid_service.body')
        : check.reason === 'disabled'
          ? t('error.disabled_service.body', { service: check.url })
          : t('error.unauthorized_service.body', { service: check.url });
    return pages.send(
      request,
      reply,
      'message',
      { title: t('error.unauthorized_service.title'), paragraphs: [body], links: [{ href: `${prefix}/login`, label: t('error.back') }] },
      403,
    );
  }
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
