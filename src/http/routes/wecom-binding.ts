import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loginQuery } from '../../cas/login-request.js';
import type { FormTokens } from '../../login/form-tokens.js';
import type { PendingWeComMember } from '../../login/methods/wecom.js';
import type { SignIn } from '../../login/sign-in.js';
import { maskPhone } from '../../sms/mask.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import { normalisePhone } from '../../users/phone.js';
import type { WeComSignIn } from '../../wecas.js';
import type { Cookies } from '../cookies.js';
import { challengeWidget } from '../pages/challenge-widget.js';
import { countryList, examplePhone } from '../pages/countries.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { codeStillUsable, earlierCodeUsable, refusalStatus, refusalText, sendRefusalStatus, sendRefusalText } from '../refusals.js';
import type { SignInResponses } from '../sign-in-response.js';

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

interface BindPageView {
  phone?: string;
  error?: string;
  notice?: string;
  codeSent?: boolean;
}

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
  const base = `${prefix}/login/wecom/bind`;
  const countriesFor = (request: FastifyRequest) => countryList(pages.localeOf(request), deps.smsCountries);
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
    const phone = request.body.phone.trim();
    const t = pages.translate(request);
    const browser = cookies.browserId(request);
    if (!(await deps.formTokens.take(request.body.execution, browser)))
      return bindPage(request, reply, pending, { phone, error: t('login.error.expired_form') }, 400);
    const proof = request.body.altcha || undefined;
    // The code is this pending member's: a form another site makes this browser post cannot use it for another.
    const result = await deps.codes.send({
      phone,
      ip: request.ip,
      purpose: 'bind',
      holder: pendingId,
      ...(browser ? { browser } : {}),
      ...(proof ? { proof } : {}),
    });
    if (!result.ok)
      return bindPage(
        request,
        reply,
        pending,
        { phone, error: sendRefusalText(t, result, countriesFor(request)), codeSent: earlierCodeUsable(result) },
        sendRefusalStatus(result),
      );
    return bindPage(request, reply, pending, { phone: result.phone, notice: t('bind.sent', { phone: maskPhone(result.phone) }), codeSent: true });
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
  async function bindPage(request: FastifyRequest, reply: FastifyReply, pending: PendingWeComMember, view: BindPageView, status = 200) {
    const t = pages.translate(request);
    const execution = await deps.formTokens.issue(cookies.ensureBrowserId(request, reply));
    // A filled-in number means a code may have gone out already: another send there needs the proof-of-work widget.
    const widget = view.phone ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
    return pages.send(
      request,
      reply,
      'wecom-bind',
      {
        title: t('wecom.bind.title'),
        name: pending.name,
        userid: pending.userid,
        sendAction: `${base}/send`,
        verifyAction: base,
        otherMethods: `${prefix}/login${loginQuery(pending.request)}`,
        execution,
        countries: countriesFor(request),
        placeholder: examplePhone(deps.smsCountries),
        challenge: widget?.challenge,
        scripts: widget?.scripts,
        stylesheets: widget?.stylesheets,
        ...view,
      },
      status,
    );
  }

  function expired(request: FastifyRequest, reply: FastifyReply) {
    const t = pages.translate(request);
    return pages.send(
      request,
      reply,
      'message',
      {
        title: t('wecom.bind.expired.title'),
        paragraphs: [t('wecom.bind.expired.body')],
        links: [
          { href: `${prefix}/login/wecom`, label: t('wecom.retry'), primary: true },
          { href: `${prefix}/login`, label: t('wechat.other_methods') },
        ],
      },
      410,
    );
  }
}
