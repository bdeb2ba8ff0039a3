import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loginQuery } from '../../cas/login-request.js';
import type { FormTokens } from '../../login/form-tokens.js';
import type { PendingWeComMember } from '../../login/methods/wecom.js';
import type { SignIn } from '../../login/sign-in.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import { normalisePhone } from '../../users/phone.js';
import type { WeComSignIn } from '../../wecas.js';
import type { Cookies } from '../cookies.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { codeStillUsable, refusalStatus, refusalText } from '../refusals.js';
import type { SignInResponses } from '../sign-in-response.js';
import { type BindPageState, createBindPages } from './bind-pages.js';

export interface WeComBindingRouteDeps {
  signIn: Pick<SignIn, 'attempt'>;
  wecom: Pick<WeComSignIn, 'pendingMembers' | 'binding'>;
  codes: Pick<VerificationCodes, 'send'>;
  formTokens: FormTokens;
  cookies: Cookies;
  pages: Pages;
  responses: SignInResponses;
  prefix: string;
  smsCountries: readonly string[];
}

const EXPIRED = { title: 'wecom.bind.expired.title', body: 'wecom.bind.expired.body', retryPath: '/login/wecom', retryLabel: 'wecom.retry' } as const;

const sendForm = form({ phone: field, execution: field, altcha: field });
const bindForm = form({ phone: field, code: field, execution: field });

/**
 * A WeCom member whose userid is no account's login links their account by its phone: the page, "send code", and
 * "verify and link", which completes their sign-in (login/methods/wecom-binding.ts). The same SMS limits, proof of
 * work and one-time form tokens as WeChat's binding.
 */
export function registerWeComBindingRoutes(app: FastifyInstance, deps: WeComBindingRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { pages, prefix, cookies } = deps;
  const bindPages = createBindPages({ ...deps, base: `${prefix}/login/wecom/bind` });
  const { countriesFor } = bindPages;
  const pendingOf = (request: FastifyRequest) => deps.wecom.pendingMembers.find(cookies.pendingWeComId(request), cookies.browserId(request));

  routes.get('/login/wecom/bind', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return expired(request, reply);
    return bindPage(request, reply, pending, {});
  });

  routes.post('/login/wecom/bind/send', { schema: { body: sendForm } }, async (request, reply) => {
    const pendingId = cookies.pendingWeComId(request);
    const pending = await pendingOf(request);
    if (!pending || !pendingId) return expired(request, reply);
    return bindPages.sendCode(request, pendingId, request.body, (state, status) => bindPage(request, reply, pending, state, status));
  });

  routes.post('/login/wecom/bind', { schema: { body: bindForm } }, async (request, reply) => {
    const { phone, code, execution } = request.body;
    const pendingId = cookies.pendingWeComId(request);
    const pending = await pendingOf(request);
    if (!pending || !pendingId) return expired(request, reply);
    const typed = normalisePhone(phone.trim());
    const typedView = { codeSent: true, ...(typed.ok ? { phone: typed.phone } : {}) };
    if (!(await deps.formTokens.take(execution, cookies.browserId(request))))
      return bindPage(request, reply, pending, { ...typedView, error: pages.translate(request)('login.error.expired_form') }, 400);
    const outcome = await deps.signIn.attempt(
      deps.wecom.binding,
      { pendingId, pending, phone, code },
      { client: request.client, browserId: cookies.browserId(request) },
    );
    if (outcome.kind === 'refused') {
      const view = { ...typedView, error: refusalText(pages.translate(request), outcome, countriesFor(request)), codeSent: codeStillUsable(outcome) };
      return bindPage(request, reply, pending, view, refusalStatus(outcome));
    }
    cookies.clearPendingWeCom(reply);
    return deps.responses.resume(request, reply, pending.request, outcome);
  });

  /** The page, its forms carrying a fresh one-time token bound to this browser. */
  function bindPage(request: FastifyRequest, reply: FastifyReply, pending: PendingWeComMember, view: BindPageState, status = 200) {
    const data = {
      title: pages.translate(request)('wecom.bind.title'),
      name: pending.name,
      userid: pending.userid,
      otherMethods: `${prefix}/login${loginQuery(pending.request)}`,
    };
    return bindPages.render(request, reply, 'wecom-bind', data, view, status);
  }

  function expired(request: FastifyRequest, reply: FastifyReply) {
    return bindPages.expired(request, reply, EXPIRED);
  }
}
