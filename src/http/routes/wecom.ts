import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Refusal } from '../../login/outcome.js';
import type { SignIn } from '../../login/sign-in.js';
import type { WeComSignIn } from '../../wecas.js';
import type { Cookies } from '../cookies.js';
import { loginQuerySchema, transactionOf } from '../login-transaction.js';
import { insideWeCom } from '../pages/login-page.js';
import type { MessageKey } from '../pages/messages.js';
import type { Pages } from '../pages/pages.js';
import { redirectNoStore } from '../respond.js';
import type { SignInResponses } from '../sign-in-response.js';
import { sendSignInProblem } from './sign-in-problem.js';
import { callbackQuery } from './wechat.js';

export interface WeComRouteDeps {
  signIn: Pick<SignIn, 'attempt' | 'open'>;
  wecom: Pick<WeComSignIn, 'client' | 'states' | 'authenticator'>;
  cookies: Cookies;
  pages: Pages;
  responses: SignInResponses;
  prefix: string;
  casBaseUrl: string;
}

/**
 * The way to WeCom, in the login scope (the service is checked): inside the WeCom app the silent authorization
 * (no page: the app knows its member), anywhere else WeCom's web login, a QR the member scans with the app. The
 * login page embeds that QR as WeCom's login panel (`/login/wecom/panel`, its frame); `/login/wecom` is the full
 * page, the way when the panel cannot show. Each makes the one-time `state` only now, when a browser asks for it.
 */
export function registerWeComStartRoute(app: FastifyInstance, deps: WeComRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const redirectUri = `${deps.casBaseUrl}/login/wecom/callback`;
  const lang = (request: FastifyRequest) => (deps.pages.localeOf(request) === 'en' ? 'en' : 'zh');
  async function state(request: FastifyRequest, reply: FastifyReply, where: 'app' | 'web') {
    const browserId = deps.cookies.ensureBrowserId(request, reply);
    return deps.wecom.states.begin(browserId, transactionOf(request).request, where);
  }

  routes.get('/login/wecom', { schema: { querystring: loginQuerySchema } }, async (request, reply) => {
    if (insideWeCom(request.headers['user-agent']))
      return redirectNoStore(reply, deps.wecom.client.inAppAuthorizeUrl({ redirectUri, state: await state(request, reply, 'app') }));
    return redirectNoStore(reply, deps.wecom.client.webLoginUrl({ redirectUri, state: await state(request, reply, 'web'), lang: lang(request) }));
  });
  routes.get('/login/wecom/panel', { schema: { querystring: loginQuerySchema } }, async (request, reply) => {
    return redirectNoStore(reply, deps.wecom.client.panelUrl({ redirectUri, state: await state(request, reply, 'web'), lang: lang(request) }));
  });
}

/** WeCom's redirect back: the member signed in, or told what went wrong and what to do. */
export function registerWeComCallbackRoute(app: FastifyInstance, deps: WeComRouteDeps): void {
  const { prefix } = deps;
  app.withTypeProvider<ZodTypeProvider>().get('/login/wecom/callback', { schema: { querystring: callbackQuery } }, async (request, reply) => {
    const outcome = await deps.signIn.attempt(
      deps.wecom.authenticator,
      { state: request.query.state, code: request.query.code },
      { client: request.client, browserId: deps.cookies.browserId(request) },
    );
    if (outcome.kind === 'refused') return problemPage(request, reply, outcome);
    if (outcome.kind === 'needs_binding') {
      deps.cookies.setPendingWeCom(reply, outcome.pendingId);
      return reply.redirect(`${prefix}/login/wecom/bind`, 302);
    }
    return deps.responses.resume(request, reply, outcome.request!, outcome);
  });

  function problemPage(request: FastifyRequest, reply: FastifyReply, refusal: Refusal<'wecom'>) {
    if (refusal.wecomError) request.log.warn(refusal.wecomError, 'WeCom sign-in failed');
    const problem = { title: PROBLEM_TITLES[refusal.reason], retryPath: '/login/wecom', retryLabel: 'wecom.retry' } as const;
    return sendSignInProblem(deps, request, reply, refusal, problem);
  }
}

const PROBLEM_TITLES: Record<Refusal<'wecom'>['reason'], MessageKey> = {
  state_missing: 'wecom.bad_state.title',
  state_unknown_or_expired: 'wecom.bad_state.title',
  state_other_browser: 'wecom.bad_state.title',
  declined: 'wecom.declined.title',
  code_invalid: 'wecom.error.title',
  ip_not_trusted: 'wecom.error.title',
  not_visible: 'wecom.not_visible.title',
  not_member: 'wecom.not_member.title',
  wecom_error: 'wecom.error.title',
  disabled: 'wecom.error.title',
  directory_unavailable: 'error.internal.title',
};
