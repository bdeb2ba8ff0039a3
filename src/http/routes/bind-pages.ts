import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FormTokens } from '../../login/form-tokens.js';
import { maskPhone } from '../../sms/mask.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import type { Cookies } from '../cookies.js';
import { challengeWidget } from '../pages/challenge-widget.js';
import { countryList, examplePhone } from '../pages/countries.js';
import type { MessageKey } from '../pages/messages.js';
import type { Pages } from '../pages/pages.js';
import { earlierCodeUsable, sendRefusalStatus, sendRefusalText } from '../refusals.js';

/** What a bind page shows besides who is linking: the number typed, a message, whether a code went out. */
export interface BindPageState {
  phone?: string;
  error?: string;
  notice?: string;
  codeSent?: boolean;
}

/** The expired page's words, and where starting again goes (below the CAS prefix). */
export interface BindExpiredText {
  title: MessageKey;
  body: MessageKey;
  retryPath: string;
  retryLabel: MessageKey;
}

/** The "send code" form as posted: `altcha` is the proof-of-work widget's solution, on a repeated send. */
export interface SendCodeForm {
  phone: string;
  execution: string;
  altcha: string;
}

export type BindPages = ReturnType<typeof createBindPages>;

/**
 * What WeChat's and WeCom's bind pages share: the page and its phone forms (posting to `base`/send and `base`), each
 * form carrying a fresh one-time token bound to this browser (login/form-tokens.ts); "send code"; and the page for
 * a bind link that has expired or belongs to another browser (410), with the way to start again.
 */
export function createBindPages(deps: {
  pages: Pages;
  formTokens: FormTokens;
  codes: Pick<VerificationCodes, 'send'>;
  cookies: Cookies;
  prefix: string;
  /** The countries codes go to (SMS_COUNTRIES): the phone field and refusals name them. */
  smsCountries: readonly string[];
  /** e.g. `/cas/login/wecom/bind` */
  base: string;
}) {
  const { pages, prefix } = deps;
  const countriesFor = (request: FastifyRequest) => countryList(pages.localeOf(request), deps.smsCountries);

  return {
    countriesFor,

    /** `view` with `data` (its title and who is linking) and the forms; `state` last, as the route saw it. */
    async render(
      request: FastifyRequest,
      reply: FastifyReply,
      view: string,
      data: { title: string } & Record<string, unknown>,
      state: BindPageState,
      status = 200,
    ) {
      const execution = await deps.formTokens.issue(deps.cookies.ensureBrowserId(request, reply));
      // A filled-in number means a code may have gone out already: another send there needs the proof-of-work widget.
      const widget = state.phone ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
      return pages.send(
        request,
        reply,
        view,
        {
          ...data,
          sendAction: `${deps.base}/send`,
          verifyAction: deps.base,
          execution,
          countries: countriesFor(request),
          placeholder: examplePhone(deps.smsCountries),
          challenge: widget?.challenge,
          scripts: widget?.scripts,
          stylesheets: widget?.stylesheets,
          ...state,
        },
        status,
      );
    },

    /**
     * "Send code": the form's one-time token taken, then a code to the number for this pending link only (`holder`:
     * a form another site makes this browser post cannot use it for another); `show` draws the page with the result.
     */
    async sendCode(
      request: FastifyRequest,
      pendingId: string,
      posted: SendCodeForm,
      show: (state: BindPageState, status?: number) => Promise<FastifyReply>,
    ): Promise<FastifyReply> {
      const phone = posted.phone.trim();
      const t = pages.translate(request);
      const browser = deps.cookies.browserId(request);
      if (!(await deps.formTokens.take(posted.execution, browser))) return show({ phone, error: t('login.error.expired_form') }, 400);
      const proof = posted.altcha || undefined;
      const result = await deps.codes.send({
        phone,
        ip: request.ip,
        purpose: 'bind',
        holder: pendingId,
        ...(browser ? { browser } : {}),
        ...(proof ? { proof } : {}),
      });
      if (!result.ok)
        return show(
          { phone, error: sendRefusalText(t, result, countriesFor(request)), codeSent: earlierCodeUsable(result) },
          sendRefusalStatus(result),
        );
      return show({ phone: result.phone, notice: t('bind.sent', { phone: maskPhone(result.phone) }), codeSent: true });
    },

    expired(request: FastifyRequest, reply: FastifyReply, text: BindExpiredText) {
      const t = pages.translate(request);
      return pages.send(
        request,
        reply,
        'message',
        {
          title: t(text.title),
          paragraphs: [t(text.body)],
          links: [
            { href: `${prefix}${text.retryPath}`, label: t(text.retryLabel), primary: true },
            { href: `${prefix}/login`, label: t('wechat.other_methods') },
          ],
        },
        410,
      );
    },
  };
}
