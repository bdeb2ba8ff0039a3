import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FormTokens } from '../../login/form-tokens.js';
import type { PendingIdentity } from '../../login/methods/wechat.js';
import type { BindingCredentials } from '../../login/methods/wechat-binding.js';
import type { SignIn } from '../../login/sign-in.js';
import { maskPhone } from '../../sms/mask.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import { normalisePhone } from '../../users/phone.js';
import type { WeChatSignIn } from '../../wecas.js';
import type { Cookies } from '../cookies.js';
import { challengeWidget } from '../pages/challenge-widget.js';
import { countryList, examplePhone } from '../pages/countries.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { codeStillUsable, earlierCodeUsable, refusalStatus, refusalText, sendRefusalStatus, sendRefusalText } from '../refusals.js';
import type { SignInResponses } from '../sign-in-response.js';

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

interface BindPageView {
  phone?: string;
  username?: string;
  /** Which form the error or notice belongs to. */
  form?: 'phone' | 'account';
  error?: string;
  notice?: string;
  codeSent?: boolean;
}

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

  routes.get('/login/wechat/bind', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return expired(request, reply);
    return bindPage(request, reply, pending, {});
  });

  routes.post('/login/wechat/bind/send', { schema: { body: sendForm } }, async (request, reply) => {
    const pendingId = cookies.pendingWeChatId(request);
    const pending = await pendingOf(request);
    if (!pending || !pendingId) return expired(request, reply);
    const phone = request.body.phone.trim();
    const t = pages.translate(request);
    const browser = cookies.browserId(request);
    if (!(await deps.formTokens.take(request.body.execution, browser)))
      return bindPage(request, reply, pending, { form: 'phone', phone, error: t('login.error.expired_form') }, 400);
    const proof = request.body.altcha || undefined;
    // The code is this pending identity's: a form another site makes this browser post cannot use it for another.
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
        { form: 'phone', phone, error: sendRefusalText(t, result, countriesFor(request)), codeSent: earlierCodeUsable(result) },
        sendRefusalStatus(result),
      );
    return bindPage(request, reply, pending, {
      form: 'phone',
      phone: result.phone,
      notice: t('bind.sent', { phone: maskPhone(result.phone) }),
      codeSent: true,
    });
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

  function countriesFor(request: FastifyRequest): string {
    return countryList(pages.localeOf(request), deps.smsCountries);
  }

  async function pendingOf(request: FastifyRequest): Promise<PendingIdentity | undefined> {
    return deps.wechat.pendingIdentities.find(cookies.pendingWeChatId(request), cookies.browserId(request));
  }

  /** The bind page, its forms carrying a fresh one-time token bound to this browser (login/form-tokens.ts). */
  async function bindPage(request: FastifyRequest, reply: FastifyReply, pending: PendingIdentity, view: BindPageView, status = 200) {
    const t = pages.translate(request);
    const execution = await deps.formTokens.issue(cookies.ensureBrowserId(request, reply));
    const avatar = pending.profile.headimgurl || undefined;
    // A filled-in number means a code may have gone out already: another send there needs the proof-of-work widget.
    const widget = view.phone ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
    return pages.send(
      request,
      reply,
      'bind',
      {
        title: t('bind.title'),
        nickname: pending.profile.nickname || 'WeChat',
        avatarUrl: avatar,
        imgOrigins: avatar ? [new URL(avatar).origin] : [],
        sendAction: `${base}/send`,
        verifyAction: base,
        accountAction: `${base}/account`,
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
        title: t('bind.expired.title'),
        paragraphs: [t('bind.expired.body')],
        links: [
          { href: `${prefix}/login/wechat`, label: t('wechat.retry'), primary: true },
          { href: `${prefix}/login`, label: t('wechat.other_methods') },
        ],
      },
      410,
    );
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
