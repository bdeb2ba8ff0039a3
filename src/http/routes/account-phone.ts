import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FormTokens } from '../../login/form-tokens.js';
import type { Recovery } from '../../login/recovery.js';
import { maskPhone } from '../../sms/mask.js';
import type { TicketGrantingTicket } from '../../tickets/types.js';
import { normalisePhone } from '../../users/phone.js';
import type { Cookies } from '../cookies.js';
import { challengeWidget } from '../pages/challenge-widget.js';
import { countryList, examplePhone } from '../pages/countries.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { earlierCodeUsable, recoveryRefusalStatus, recoveryRefusalText, sendRefusalStatus, sendRefusalText } from '../refusals.js';

export interface AccountPhoneRouteDeps {
  recovery: Recovery;
  formTokens: FormTokens;
  cookies: Cookies;
  pages: Pages;
  prefix: string;
  smsCountries: readonly string[];
}

const sendForm = form({ which: field, phone: field, execution: field, altcha: field });
const changeForm = form({ phone: field, code: field, old_code: field, password: field, execution: field });
const appealForm = form({ phone: field, code: field, reason: field, execution: field });

interface PhoneView {
  newPhone?: string;
  newCodeSent?: boolean;
  oldCodeSent?: boolean;
  error?: string;
  notice?: string;
}

/**
 * The signed-in person changes their number (the account page's "change phone number"): a code to the new number,
 * and the old one proved by its code or the password; or, the old number lost, an appeal for an administrator.
 * Every form carries the browser-bound one-time token, as the login forms do.
 */
export function registerAccountPhoneRoutes(app: FastifyInstance, deps: AccountPhoneRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { pages, prefix, recovery, formTokens, cookies } = deps;

  routes.get('/account/phone', async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 302);
    return page(request, reply, tgt, {});
  });

  routes.post('/account/phone/send', { schema: { body: sendForm } }, async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 303);
    const t = pages.translate(request);
    const which = request.body.which === 'old' ? 'old' : 'new';
    const newPhone = request.body.phone.trim().slice(0, 20);
    const kept = { newPhone, newCodeSent: which === 'old' && !!newPhone, oldCodeSent: false };
    const browser = cookies.browserId(request);
    if (!(await formTokens.take(request.body.execution, browser))) return page(request, reply, tgt, { ...kept, error: t('account.bad_form') }, 400);
    const proof = request.body.altcha || undefined;
    const result = await recovery.sendPhoneCode(tgt.userId, { which, phone: which === 'new' ? newPhone : '', ip: request.ip, browser, proof });
    if (!result.ok) {
      if (isSendRefusal(result)) {
        const countries = countryList(pages.localeOf(request), deps.smsCountries);
        const usable = earlierCodeUsable(result);
        return page(
          request,
          reply,
          tgt,
          {
            ...kept,
            newCodeSent: kept.newCodeSent || (which === 'new' && usable),
            oldCodeSent: which === 'old' && usable,
            error: sendRefusalText(t, result, countries),
          },
          sendRefusalStatus(result),
        );
      }
      return page(request, reply, tgt, { ...kept, error: recoveryRefusalText(t, result) }, recoveryRefusalStatus(result));
    }
    const notice = t('phone.sent', { phone: maskPhone(result.phone) });
    return page(request, reply, tgt, {
      newPhone: which === 'new' ? result.phone : newPhone,
      newCodeSent: true,
      oldCodeSent: which === 'old',
      notice,
    });
  });

  routes.post('/account/phone', { schema: { body: changeForm } }, async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 303);
    const t = pages.translate(request);
    const { phone, code, old_code: oldCode, password, execution } = request.body;
    const kept = { newPhone: phone.trim().slice(0, 20), newCodeSent: true, oldCodeSent: !!oldCode };
    if (!(await formTokens.take(execution, cookies.browserId(request))))
      return page(request, reply, tgt, { ...kept, error: t('account.bad_form') }, 400);
    const proof = oldCode.trim() ? ({ by: 'code', oldCode } as const) : ({ by: 'password', password } as const);
    if (proof.by === 'password' && !password) return page(request, reply, tgt, { ...kept, error: t('recovery.error.missing_fields') }, 400);
    const result = await recovery.changePhone(tgt.userId, { newPhone: phone, newCode: code, ...proof }, request.client);
    if (!result.ok) return page(request, reply, tgt, { ...kept, error: recoveryRefusalText(t, result) }, recoveryRefusalStatus(result));
    return reply.redirect(`${prefix}/account?done=phone_changed`, 303);
  });

  routes.post('/account/phone/appeal', { schema: { body: appealForm } }, async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 303);
    const t = pages.translate(request);
    const { phone, code, reason, execution } = request.body;
    const kept = { newPhone: phone.trim().slice(0, 20), newCodeSent: true };
    if (!(await formTokens.take(execution, cookies.browserId(request))))
      return page(request, reply, tgt, { ...kept, error: t('account.bad_form') }, 400);
    const result = await recovery.appeal(tgt.userId, { newPhone: phone, newCode: code, reason: reason.slice(0, 500) }, request.client);
    if (!result.ok) return page(request, reply, tgt, { ...kept, error: recoveryRefusalText(t, result) }, recoveryRefusalStatus(result));
    return reply.redirect(`${prefix}/account?done=appeal`, 303);
  });

  async function page(request: FastifyRequest, reply: FastifyReply, tgt: TicketGrantingTicket, view: PhoneView, status = 200) {
    const state = await recovery.phoneState(tgt.userId);
    if (!state) return reply.redirect(`${prefix}/logout`, 302);
    const t = pages.translate(request);
    const typed = view.newPhone ? normalisePhone(view.newPhone) : undefined;
    const widget = view.newPhone || view.oldCodeSent ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
    return pages.send(
      request,
      reply,
      'phone',
      {
        title: t('phone.title'),
        ...view,
        newPhone: typed?.ok ? typed.phone : view.newPhone,
        currentPhone: state.phone,
        hasPassword: state.hasPassword,
        pendingAppeal: state.pendingAppeal,
        execution: formTokens.issue(cookies.ensureBrowserId(request, reply)),
        prefix,
        countries: countryList(pages.localeOf(request), deps.smsCountries),
        placeholder: examplePhone(deps.smsCountries),
        challenge: widget?.challenge,
        scripts: widget?.scripts,
        stylesheets: widget?.stylesheets,
      },
      status,
    );
  }
}

function isSendRefusal(result: { reason: string }): result is Extract<import('../../sms/verification-codes.js').SendResult, { ok: false }> {
  return [
    'invalid_phone',
    'country_not_accepted',
    'proof_missing',
    'proof_failed',
    'too_soon',
    'phone_daily_cap',
    'phone_ceiling',
    'ip_hourly_cap',
    'budget_spent',
    'provider_error',
  ].includes(result.reason);
}
