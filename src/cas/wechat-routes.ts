import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WeChatCallbackOutcome, WeChatLogin } from '../auth/wechat-login.js';
import { bindWeChatToUser } from '../users/binding.js';
import type { MessageKey } from '../web/messages.js';
import type { WeChatError } from '../wechat/errors.js';
import type { WeChatLang } from '../wechat/client.js';
import { browserCookie, ensureBrowserCookie } from './browser-cookie.js';
import { checkService, loginQuery, loginRequestFromQuery, parseLoginRequest } from './login-request.js';
import { param, type Params } from './params.js';
import { type CasRoutes, completeSignIn, currentSession } from './sign-in.js';
import { registerPhoneBindingRoutes, PENDING_COOKIE } from './wechat-bind-routes.js';

/** WeChat QR sign-in: the redirect to WeChat's QR page, and WeChat's callback. */
export function registerWeChatRoutes(app: FastifyInstance, routes: CasRoutes, wechat: WeChatLogin): void {
  const { ctx, pages, prefix } = routes;
  const callbackUrl = `${ctx.config.casBaseUrl}/login/wechat/callback`;

  // The full-page QR at WeChat (or the emulator): state first, then a redirect.
  app.get('/login/wechat', async (request, reply) => {
    const login = parseLoginRequest(request.query as Params);
    if (login.service) {
      const check = await checkService(ctx.services, login.service);
      if (!check.ok) return reply.redirect(`${prefix}/login${loginQuery(login)}`, 302); // /login explains the refusal
    }
    const browser = ensureBrowserCookie(routes, request, reply);
    const state = await wechat.begin(browser, { purpose: 'login', loginQuery: loginQuery(login) });
    const lang = pages.localeOf(request) === 'en' ? 'en' : 'cn';
    return reply.header('cache-control', 'no-store').redirect(wechat.client.authorizeUrl({ redirectUri: callbackUrl, state, lang }), 302);
  });

  app.get('/login/wechat/callback', async (request, reply) => {
    const query = request.query as Params;
    const outcome = await wechat.callback({
      state: param(query, 'state'),
      code: param(query, 'code'),
      browserCookie: browserCookie(request),
      lang: userinfoLang(pages.localeOf(request)),
    });
    return handleOutcome(request, reply, outcome);
  });

  async function handleOutcome(request: FastifyRequest, reply: FastifyReply, outcome: WeChatCallbackOutcome) {
    switch (outcome.kind) {
      case 'bad_state':
        await audit(request, 'login.failure', { method: 'wechat', reason: `state_${outcome.reason}` });
        return problemPage(request, reply, 'wechat.bad_state.title', `wechat.bad_state.${outcome.reason}`, '', 400);
      case 'declined':
        await audit(request, 'login.failure', { method: 'wechat', reason: 'declined' });
        return problemPage(request, reply, 'wechat.declined.title', 'wechat.declined.body', outcome.intent.loginQuery, 200);
      case 'wechat_error':
        await audit(request, 'wechat.error', { kind: outcome.error.kind, endpoint: outcome.error.endpoint, errcode: outcome.error.errcode ?? null });
        request.log.warn({ kind: outcome.error.kind, endpoint: outcome.error.endpoint, errcode: outcome.error.errcode }, 'WeChat sign-in failed');
        // Our AppID or secret is wrong: scanning again cannot help, so the page offers only the other methods.
        return problemPage(request, reply, 'wechat.error.title', wechatErrorMessage(outcome.error), outcome.intent.loginQuery, 502, outcome.error.kind !== 'misconfigured');
      case 'user_disabled':
        await audit(request, 'login.failure', { method: 'wechat', reason: 'disabled' });
        return problemPage(request, reply, 'wechat.error.title', 'wechat.disabled.body', outcome.intent.loginQuery, 403, false);
      case 'signed_in': {
        const login = loginRequestFromQuery(outcome.intent.loginQuery);
        const check = login.service ? await checkService(ctx.services, login.service) : undefined;
        if (check && !check.ok) return reply.redirect(`${prefix}/login${loginQuery(login)}`, 302);
        return completeSignIn(routes, request, reply, { user: outcome.user, method: 'wechat', login, service: check?.ok ? check.service : undefined });
      }
      case 'needs_phone':
        reply.setCookie(PENDING_COOKIE, outcome.pendingId, { path: routes.cookiePath, httpOnly: true, sameSite: 'lax', secure: ctx.config.secureCookies });
        return reply.redirect(`${prefix}/login/wechat/bind`, 302);
      case 'bind':
        return bindToSignedInUser(request, reply, outcome);
    }
  }

  /** The account page's "bind WeChat": the scan adds an identity to the person already signed in. */
  async function bindToSignedInUser(request: FastifyRequest, reply: FastifyReply, outcome: Extract<WeChatCallbackOutcome, { kind: 'bind' }>) {
    const tgt = await currentSession(routes, request);
    if (!tgt || tgt.userId !== outcome.intent.userId) return reply.redirect(`${prefix}/login`, 302);
    const result = await bindWeChatToUser(ctx.db, ctx.clock, { userId: tgt.userId, subject: outcome.subject, profile: outcome.profile });
    if (result.ok) await audit(request, 'wechat.bound', { via: 'account' }, tgt.userId);
    return reply.redirect(`${prefix}/account${result.ok ? '?bound=1' : `?error=${result.reason}`}`, 302);
  }

  function problemPage(request: FastifyRequest, reply: FastifyReply, title: MessageKey, body: MessageKey, query: string, status: number, retryHelps = true) {
    const t = pages.translate(request);
    const otherMethods = { href: `${prefix}/login${query}`, label: t('wechat.other_methods'), primary: !retryHelps };
    return pages.send(
      request,
      reply,
      'message',
      {
        title: t(title),
        paragraphs: [t(body)],
        links: retryHelps ? [{ href: `${prefix}/login/wechat${query}`, label: t('wechat.retry'), primary: true }, otherMethods] : [otherMethods],
      },
      status,
    );
  }

  async function audit(request: FastifyRequest, type: 'login.failure' | 'wechat.error' | 'wechat.bound', detail: Record<string, unknown>, userId?: string) {
    await ctx.audit.record({ type, userId: userId ?? null, ip: request.ip, userAgent: request.headers['user-agent'] ?? null, detail });
  }

  registerPhoneBindingRoutes(app, routes, wechat);
}

function userinfoLang(locale: string): WeChatLang {
  return locale === 'en' ? 'en' : 'zh_CN';
}

function wechatErrorMessage(error: WeChatError): MessageKey {
  switch (error.kind) {
    case 'code_invalid':
    case 'code_used':
    case 'code_expired':
      return 'wechat.error.code';
    case 'token_invalid':
    case 'token_expired':
    case 'openid_mismatch':
    case 'unauthorized':
      return 'wechat.error.token';
    case 'misconfigured':
      return 'wechat.error.config';
    case 'rate_limited':
    case 'system_error':
      return 'wechat.error.busy';
    default:
      return 'wechat.error.unavailable';
  }
}
