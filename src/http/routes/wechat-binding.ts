import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FormTokens } from '../../login/form-tokens.js';
import type { PendingIdentity } from '../../login/methods/wechat.js';
import type { BindingCredentials } from '../../login/methods/wechat-binding.js';
import type { SignIn } from '../../login/sign-in.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import { normalisePhone } from '../../users/phone.js';
import type { WeChatSignIn } from '../../wecas.js';
import type { Cookies } from '../cookies.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { codeStillUsable, refusalStatus, refusalText } from '../refusals.js';
import type { SignInResponses } from '../sign-in-response.js';
import { type BindPageState, createBindPages } from './bind-pages.js';

export interface WeChatBindingRouteDeps {
  signIn: Pick<SignIn, 'attempt'>;
  wechat: Pick<WeChatSignIn, 'pendingIdentities' | 'binding'>;
  codes: Pick<VerificationCodes, 'send'>;
  formTokens: FormTokens;
  cookies: Cookies;
  pages: Pages;
  responses: SignInResponses;
  prefix: string;
  /** The countries codes go to (SMS_COUNTRIES): the phone field and refusals name them. */
  smsCountries: readonly string[];
}

interface BindPageView extends BindPageState {
  username?: string;
  /** Which form the error or notice belongs to. */
  form?: 'phone' | 'account';
}

const EXPIRED = { title: 'bind.expired.title', body: 'bind.expired.body', retryPath: '/login/wechat', retryLabel: 'wechat.retry' } as const;

/** `altcha`: the proof-of-work widget's solution, present on a repeated send from a page with JavaScript. */
const sendForm = form({ phone: field, execution: field, altcha: field });
const bindForm = form({ phone: field, code: field, execution: field });
const accountForm = form({ username: field, password: field, execution: field });

/**
 * A new WeChat person links an account: the bind page, "send code" and "verify and link" by phone, or "link" by the
 * account's login name and password; either completes their sign-in (login/methods/wechat-binding.ts).
 */
export function registerWeChatBindingRoutes(app: FastifyInstance, deps: WeChatBindingRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { pages, prefix, cookies } = deps;
  const base = `${prefix}/login/wechat/bind`;
  const bindPages = createBindPages({ ...deps, base });
  const { countriesFor } = bindPages;

  routes.get('/login/wechat/bind', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return expired(request, reply);
    return bindPage(request, reply, pending, {});
  });

  routes.post('/login/wechat/bind/send', { schema: { body: sendForm } }, async (request, reply) => {
    const pendingId = cookies.pendingWeChatId(request);
    const pending = await pendingOf(request);
    if (!pending || !pendingId) return expired(request, reply);
    const show = (state: BindPageState, status?: number) => bindPage(request, reply, pending, { form: 'phone', ...state }, status);
    return bindPages.sendCode(request, pendingId, request.body, show);
  });

  routes.post('/login/wechat/bind', { schema: { body: bindForm } }, async (request, reply) => {
    const { phone, code, execution } = request.body;
    const typed = normalisePhone(phone.trim());
    const typedView = { form: 'phone' as const, codeSent: true, ...(typed.ok ? { phone: typed.phone } : {}) };
    return link(request, reply, execution, { by: 'phone', phone, code }, typedView);
  });

  // The existing account's own login name and password: checked by its directory, throttled like password sign-in.
  routes.post('/login/wechat/bind/account', { schema: { body: accountForm } }, async (request, reply) => {
    const { username, password, execution } = request.body;
    return link(request, reply, execution, { by: 'password', username, password }, { form: 'account', username: username.trim().slice(0, 64) });
  });

  async function link(
    request: FastifyRequest,
    reply: FastifyReply,
    execution: string,
    proof: DistributiveOmit<BindingCredentials, 'pendingId' | 'pending'>,
    typedView: BindPageView,
  ) {
    const pendingId = cookies.pendingWeChatId(request);
    const pending = await pendingOf(request);
    if (!pending || !pendingId) return expired(request, reply);
    if (!(await deps.formTokens.take(execution, cookies.browserId(request))))
      return bindPage(request, reply, pending, { ...typedView, error: pages.translate(request)('login.error.expired_form') }, 400);
    const outcome = await deps.signIn.attempt(
      deps.wechat.binding,
      { pendingId, pending, ...proof },
      { client: request.client, browserId: cookies.browserId(request) },
    );
    if (outcome.kind === 'refused') {
      const view = {
        ...typedView,
        error: refusalText(pages.translate(request), outcome, countriesFor(request)),
        codeSent: proof.by === 'phone' && codeStillUsable(outcome),
      };
      return bindPage(request, reply, pending, view, refusalStatus(outcome));
    }
    cookies.clearPendingWeChat(reply);
    return deps.responses.resume(request, reply, pending.request, outcome);
  }

  async function pendingOf(request: FastifyRequest): Promise<PendingIdentity | undefined> {
    return deps.wechat.pendingIdentities.find(cookies.pendingWeChatId(request), cookies.browserId(request));
  }

  /** The bind page, its forms carrying a fresh one-time token bound to this browser (login/form-tokens.ts). */
  function bindPage(request: FastifyRequest, reply: FastifyReply, pending: PendingIdentity, view: BindPageView, status = 200) {
    const avatar = pending.profile.headimgurl || undefined;
    const data = {
      title: pages.translate(request)('bind.title'),
      nickname: pending.profile.nickname || 'WeChat',
      avatarUrl: avatar,
      imgOrigins: avatar ? [new URL(avatar).origin] : [],
      accountAction: `${base}/account`,
    };
    return bindPages.render(request, reply, 'bind', data, view, status);
  }

  function expired(request: FastifyRequest, reply: FastifyReply) {
    return bindPages.expired(request, reply, EXPIRED);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
