import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type LoginRequest, loginQuery } from '../../cas/login-request.js';
import type { Refusal } from '../../login/outcome.js';
import type { SignIn } from '../../login/sign-in.js';
import { methodAccepted } from '../../login/transaction.js';
import type { WeChatSignIn } from '../../wecas.js';
import type { WeChatLang } from '../../wechat/client.js';
import type { Cookies } from '../cookies.js';
import { loginQuerySchema, transactionOf } from '../login-transaction.js';
import { insideWeChat } from '../pages/login-page.js';
import type { MessageKey } from '../pages/messages.js';
import type { Pages } from '../pages/pages.js';
import { param, query } from '../params.js';
import { redirectNoStore } from '../respond.js';
import type { SignInResponses } from '../sign-in-response.js';
import { sendSignInProblem } from './sign-in-problem.js';

export interface WeChatRouteDeps {
  signIn: Pick<SignIn, 'attempt' | 'open'>;
  wechat: Pick<WeChatSignIn, 'client' | 'identification' | 'authenticator'>;
  cookies: Cookies;
  pages: Pages;
  responses: SignInResponses;
  prefix: string;
  casBaseUrl: string;
}

/** WeChat's callback: `code` and `state` (and anything else it adds). */
export const callbackQuery = query({ code: param, state: param });

/**
 * The way to WeChat's QR, in the login scope (the service is checked): the full page (`/login/wechat`), or the
 * login page's embedded frame (`/login/wechat/frame`). Each makes the one-time `state` only now, when a browser
 * asks for the QR, and moves on to WeChat (or the emulator).
 */
export function registerWeChatStartRoute(app: FastifyInstance, deps: WeChatRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const callback = `${deps.casBaseUrl}/login/wechat/callback`;

  async function state(request: FastifyRequest, reply: FastifyReply) {
    const browserId = deps.cookies.ensureBrowserId(request, reply);
    return deps.wechat.identification.begin(browserId, { purpose: 'login', request: transactionOf(request).request });
  }
  const lang = (request: FastifyRequest) => (deps.pages.localeOf(request) === 'en' ? 'en' : 'cn');

  // An application that does not take WeChat sign-in: back to the login page, which offers the methods it does.
  const refused = (request: FastifyRequest, reply: FastifyReply) =>
    methodAccepted(transactionOf(request), 'wechat')
      ? undefined
      : redirectNoStore(reply, `${deps.prefix}/login${loginQuery(transactionOf(request).request)}`);

  routes.get('/login/wechat', { schema: { querystring: loginQuerySchema } }, async (request, reply) => {
    const elsewhere = refused(request, reply);
    if (elsewhere) return elsewhere;
    return redirectNoStore(
      reply,
      deps.wechat.client.authorizeUrl({ redirectUri: callback, state: await state(request, reply), lang: lang(request) }),
    );
  });
  routes.get('/login/wechat/frame', { schema: { querystring: loginQuerySchema } }, async (request, reply) => {
    const elsewhere = refused(request, reply);
    if (elsewhere) return elsewhere;
    const embed = deps.wechat.client.embedSettings({ redirectUri: callback, state: await state(request, reply), lang: lang(request) });
    return redirectNoStore(reply, embed.iframeUrl);
  });
  // Inside WeChat's browser: the 服务号's silent authorization first (no page when the person is known).
  const officialAccount = deps.wechat.identification.officialAccount;
  if (officialAccount)
    routes.get('/login/wechat/oa', { schema: { querystring: loginQuerySchema } }, async (request, reply) => {
      const browserId = deps.cookies.ensureBrowserId(request, reply);
      const intent = { purpose: 'login', request: transactionOf(request).request } as const;
      const scope = 'snsapi_base';
      const oaState = await deps.wechat.identification.begin(browserId, intent, { app: 'official-account', scope });
      return redirectNoStore(reply, officialAccount.officialAccountAuthorizeUrl({ redirectUri: callback, state: oaState, scope }));
    });
}

/** WeChat's redirect back after a scan: the person signed in, sent on to link a phone, or told what went wrong. */
export function registerWeChatCallbackRoute(app: FastifyInstance, deps: WeChatRouteDeps): void {
  const { pages, prefix } = deps;

  app.withTypeProvider<ZodTypeProvider>().get('/login/wechat/callback', { schema: { querystring: callbackQuery } }, async (request, reply) => {
    const callback = { state: request.query.state, code: request.query.code, lang: userinfoLang(pages.localeOf(request)) };
    const outcome = await deps.signIn.attempt(deps.wechat.authenticator, callback, {
      client: request.client,
      browserId: deps.cookies.browserId(request),
    });
    switch (outcome.kind) {
      case 'refused':
        return problemPage(request, reply, outcome);
      case 'needs_binding':
        deps.cookies.setPendingWeChat(reply, outcome.pendingId);
        return reply.redirect(`${prefix}/login/wechat/bind`, 302);
      case 'needs_profile':
        return askForProfile(request, reply, outcome.request);
      case 'authenticated':
        return deps.responses.resume(request, reply, outcome.request!, outcome);
    }
  });

  /** The silent authorization found nobody: ask again, this time for the profile and unionid (WeChat asks consent). */
  async function askForProfile(request: FastifyRequest, reply: FastifyReply, loginRequest: LoginRequest) {
    const officialAccount = deps.wechat.identification.officialAccount!;
    const browserId = deps.cookies.ensureBrowserId(request, reply);
    const scope = 'snsapi_userinfo';
    const state = await deps.wechat.identification.begin(browserId, { purpose: 'login', request: loginRequest }, { app: 'official-account', scope });
    const redirectUri = `${deps.casBaseUrl}/login/wechat/callback`;
    return redirectNoStore(reply, officialAccount.officialAccountAuthorizeUrl({ redirectUri, state, scope }));
  }

  /** Trying again inside WeChat goes through the 服务号 again; anywhere else, to the QR. */
  const retryPath = (request: FastifyRequest) =>
    deps.wechat.identification.officialAccount && insideWeChat(request.headers['user-agent']) ? '/login/wechat/oa' : '/login/wechat';

  function problemPage(request: FastifyRequest, reply: FastifyReply, refusal: Refusal<'wechat'>) {
    if (refusal.wechatError) request.log.warn(refusal.wechatError, 'WeChat sign-in failed');
    const problem = { title: PROBLEM_TITLES[refusal.reason], retryPath: retryPath(request), retryLabel: 'wechat.retry' } as const;
    return sendSignInProblem(deps, request, reply, refusal, problem);
  }
}

const PROBLEM_TITLES: Record<Refusal<'wechat'>['reason'], MessageKey> = {
  state_missing: 'wechat.bad_state.title',
  state_unknown_or_expired: 'wechat.bad_state.title',
  state_other_browser: 'wechat.bad_state.title',
  declined: 'wechat.declined.title',
  code_refused: 'wechat.bad_state.title',
  wechat_error: 'wechat.error.title',
  snapshot_user: 'wechat.snapshot.title',
  disabled: 'wechat.error.title',
  directory_unavailable: 'error.internal.title',
};

function userinfoLang(locale: string): WeChatLang {
  return locale === 'en' ? 'en' : 'zh_CN';
}
