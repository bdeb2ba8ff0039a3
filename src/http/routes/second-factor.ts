import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loginQuery } from '../../cas/login-request.js';
import type { PendingSecondFactor, SecondFactorStep } from '../../login/second-factor.js';
import { maskPhone } from '../../sms/mask.js';
import type { SendResult } from '../../sms/verification-codes.js';
import type { Cookies } from '../cookies.js';
import { challengeWidget } from '../pages/challenge-widget.js';
import { countryList } from '../pages/countries.js';
import type { Pages } from '../pages/pages.js';
import { field, form, param, query } from '../params.js';
import { secondFactorRefusal, sendRefusalStatus, sendRefusalText } from '../refusals.js';
import { noStore } from '../respond.js';
import { SECOND_FACTOR_PATH, type SignInResponses } from '../sign-in-response.js';

export interface SecondFactorRouteDeps {
  step: SecondFactorStep;
  responses: SignInResponses;
  cookies: Cookies;
  pages: Pages;
  prefix: string;
  smsCountries: readonly string[];
}

const idQuery = query({ id: param });
const verifyForm = form({ factor: field, code: field });
const sendForm = form({ altcha: field });

interface View {
  error?: string;
  notice?: string;
  /** The factor whose form the error or notice is about, focused. */
  factor?: string;
  codeSent?: boolean;
  status?: number;
}

/**
 * The second step of a sign-in (login/second-factor.ts): the page after the first factor, its code forms (an
 * authenticator app's code, an SMS code to the account's phone, a recovery code), and on a right code the end of the
 * sign-in: the SSO session, and on to the service through the continuation, as every sign-in form's POST.
 */
export function registerSecondFactorRoutes(app: FastifyInstance, deps: SecondFactorRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { step, pages, prefix, cookies } = deps;

  routes.get(SECOND_FACTOR_PATH, { schema: { querystring: idQuery } }, async (request, reply) => {
    const id = request.query.id ?? '';
    const pending = await step.peek(id, cookies.browserId(request));
    if (!pending) return gone(request, reply);
    return page(request, reply, id, pending, {});
  });

  routes.post(`${SECOND_FACTOR_PATH}/sms/send`, { schema: { querystring: idQuery, body: sendForm } }, async (request, reply) => {
    const id = request.query.id ?? '';
    const browserId = cookies.browserId(request);
    const pending = await step.peek(id, browserId);
    if (!pending || !browserId) return gone(request, reply);
    const t = pages.translate(request);
    const result = await step.sendSms(id, browserId, request.ip, request.body.altcha || undefined);
    if (result.ok)
      return page(request, reply, id, pending, { notice: t('mfa.sms.sent', { phone: maskPhone(result.phone) }), factor: 'sms', codeSent: true });
    if (!('phone' in result) && (result.reason === 'gone' || result.reason === 'not_offered')) return gone(request, reply);
    const refused = result as Extract<SendResult, { ok: false }>;
    const countries = countryList(pages.localeOf(request), deps.smsCountries);
    return page(request, reply, id, pending, {
      error: sendRefusalText(t, refused, countries),
      factor: 'sms',
      codeSent: refused.reason === 'too_soon',
      status: sendRefusalStatus(refused),
    });
  });

  routes.post(SECOND_FACTOR_PATH, { schema: { querystring: idQuery, body: verifyForm } }, async (request, reply) => {
    const id = request.query.id ?? '';
    const { factor, code } = request.body;
    const verified = await step.verify(id, cookies.browserId(request), { factor, code }, request.client);
    if (verified.ok) {
      const { signedIn, request: login } = verified.pending;
      return deps.responses.resume(request, reply, login, { ...signedIn, mfa: verified.mfa });
    }
    if (verified.reason === 'gone') return gone(request, reply);
    const pending = await step.peek(id, cookies.browserId(request));
    if (!pending) return gone(request, reply);
    const { text, status } = secondFactorRefusal(pages.translate(request), verified);
    return page(request, reply, id, pending, { error: text, factor, codeSent: factor === 'sms', status });
  });

  function page(request: FastifyRequest, reply: FastifyReply, id: string, pending: PendingSecondFactor, view: View) {
    const t = pages.translate(request);
    const user = pending.signedIn.user.displayName ?? pending.signedIn.account.login ?? pending.signedIn.user.username ?? '';
    const action = (path: string) => `${prefix}${SECOND_FACTOR_PATH}${path}?id=${id}`;
    // Once a code may have gone out, another send needs the proof of work the SMS-code sign-in asks for.
    const widget = view.codeSent ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
    noStore(reply);
    return pages.send(
      request,
      reply,
      'second-factor',
      {
        title: t('mfa.title'),
        intro: t('mfa.intro', { user }),
        service: pending.service ? t('login.to_service', { service: pending.service }) : undefined,
        factors: pending.factors,
        phone: pending.phone ? maskPhone(pending.phone) : undefined,
        verifyAction: action(''),
        sendAction: action('/sms/send'),
        cancel: `${prefix}/login${loginQuery(pending.request)}`,
        challenge: widget?.challenge,
        scripts: widget?.scripts,
        stylesheets: widget?.stylesheets,
        ...view,
      },
      view.status ?? 200,
    );
  }

  function gone(request: FastifyRequest, reply: FastifyReply) {
    const t = pages.translate(request);
    return pages.send(
      request,
      reply,
      'message',
      { title: t('mfa.title'), paragraphs: [t('mfa.error.gone')], links: [{ href: `${prefix}/login`, label: t('error.back'), primary: true }] },
      400,
    );
  }
}
