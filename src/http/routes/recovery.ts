import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { loginQuery } from '../../cas/login-request.js';
import type { FormTokens } from '../../login/form-tokens.js';
import type { Recovery, RecoveryRefusal } from '../../login/recovery.js';
import type { LoginTransaction } from '../../login/transaction.js';
import { maskPhone } from '../../sms/mask.js';
import type { SendResult } from '../../sms/verification-codes.js';
import type { PasswordPolicySettings } from '../../users/password-policy.js';
import { normalisePhone } from '../../users/phone.js';
import type { Cookies } from '../cookies.js';
import { loginQuerySchema, transactionOf } from '../login-transaction.js';
import { challengeWidget } from '../pages/challenge-widget.js';
import { countryList, examplePhone } from '../pages/countries.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { earlierCodeUsable, recoveryRefusalStatus, recoveryRefusalText, sendRefusalStatus, sendRefusalText } from '../refusals.js';
import type { SignInResponses } from '../sign-in-response.js';

export interface RecoveryRouteDeps {
  recovery: Recovery;
  formTokens: FormTokens;
  cookies: Cookies;
  pages: Pages;
  responses: SignInResponses;
  prefix: string;
  smsCountries: readonly string[];
  policy: PasswordPolicySettings;
  /** Directories other than wecas's own, whose passwords wecas cannot set; and their password page, if configured. */
  readOnlyDirectories: readonly string[];
  directoryPasswordUrl: string | undefined;
  /** ACTIVATION_ID_ATTRIBUTE is set: activation asks for an ID suffix too. */
  idSuffix: boolean;
}

type Mode = 'forgot' | 'activate';

const sendForm = form({ login: field, phone: field, id_suffix: field, execution: field, altcha: field });
const completeForm = form({ login: field, phone: field, id_suffix: field, code: field, password: field, again: field, execution: field });

interface RecoveryView {
  login?: string;
  phone?: string;
  idSuffix?: string;
  codeSent?: boolean;
  error?: string;
  notice?: string;
}

/**
 * "Forgot password" and "activate your account", reachable from the login page and inside its scope (the login
 * transaction's service travels along): send a code, then the code and a new password. Success signs the person in
 * and goes on to the service through the continuation, as every sign-in form does.
 */
export function registerRecoveryRoutes(app: FastifyInstance, deps: RecoveryRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { pages, prefix, recovery } = deps;

  for (const mode of ['forgot', 'activate'] as const) {
    routes.get(`/login/${mode}`, { schema: { querystring: loginQuerySchema } }, async (request, reply) =>
      page(request, reply, transactionOf(request), mode, {}),
    );

    routes.post(`/login/${mode}/send`, { schema: { querystring: loginQuerySchema, body: sendForm } }, async (request, reply) => {
      const transaction = transactionOf(request);
      const t = pages.translate(request);
      const { login, phone, id_suffix: idSuffix, execution } = request.body;
      const typed = { login: login.trim().slice(0, 64), phone: phone.trim().slice(0, 20), idSuffix: idSuffix.trim().slice(0, 6) };
      const browser = deps.cookies.browserId(request);
      if (!(await deps.formTokens.take(execution, browser)))
        return page(request, reply, transaction, mode, { ...typed, error: t('login.error.expired_form') }, 400);
      if (!typed.login) return page(request, reply, transaction, mode, { ...typed, error: t('recovery.error.missing_fields') }, 400);
      const proof = request.body.altcha || undefined;
      const code = { login: typed.login, phone: typed.phone, ip: request.ip, browser, proof };
      const result: SendResult =
        mode === 'forgot' ? await recovery.sendResetCode(code) : await recovery.sendActivationCode({ ...code, idSuffix: typed.idSuffix });
      if (!result.ok) {
        const countries = countryList(pages.localeOf(request), deps.smsCountries);
        const view = { ...typed, error: sendRefusalText(t, result, countries), codeSent: earlierCodeUsable(result) };
        return page(request, reply, transaction, mode, view, sendRefusalStatus(result));
      }
      const notice = t(mode === 'forgot' ? 'recovery.sent' : 'recovery.activate.sent', { login: typed.login, phone: maskPhone(result.phone) });
      return page(request, reply, transaction, mode, { ...typed, phone: result.phone, codeSent: true, notice });
    });

    routes.post(`/login/${mode}`, { schema: { querystring: loginQuerySchema, body: completeForm } }, async (request, reply) => {
      const transaction = transactionOf(request);
      const t = pages.translate(request);
      const body = request.body;
      const typed = { login: body.login.trim().slice(0, 64), phone: body.phone.trim().slice(0, 20), idSuffix: body.id_suffix.trim().slice(0, 6) };
      if (!(await deps.formTokens.take(body.execution, deps.cookies.browserId(request))))
        return page(request, reply, transaction, mode, { ...typed, codeSent: true, error: t('login.error.expired_form') }, 400);
      const input = { login: typed.login, phone: typed.phone, code: body.code, password: body.password, again: body.again };
      const outcome =
        mode === 'forgot'
          ? await recovery.reset(input, request.client)
          : await recovery.activate({ ...input, idSuffix: typed.idSuffix }, request.client);
      if (!outcome.ok) {
        const view = { ...typed, codeSent: codeKept(outcome), error: recoveryRefusalText(t, outcome) };
        return page(request, reply, transaction, mode, view, recoveryRefusalStatus(outcome));
      }
      return deps.responses.complete(request, reply, { user: outcome.user, account: outcome.account, method: 'sms', transaction });
    });
  }

  async function page(request: FastifyRequest, reply: FastifyReply, transaction: LoginTransaction, mode: Mode, view: RecoveryView, status = 200) {
    const t = pages.translate(request);
    const query = loginQuery(transaction.request);
    const execution = deps.formTokens.issue(deps.cookies.ensureBrowserId(request, reply));
    const parsed = view.phone ? normalisePhone(view.phone) : undefined;
    // A filled-in number means a code may have gone out already: another send there needs the proof-of-work widget.
    const widget = view.phone ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
    return pages.send(
      request,
      reply,
      'recovery',
      {
        title: t(mode === 'forgot' ? 'recovery.forgot.title' : 'recovery.activate.title'),
        mode,
        serviceName: transaction.service?.registered.name,
        ...view,
        phone: parsed?.ok ? parsed.phone : view.phone,
        execution,
        sendAction: `${prefix}/login/${mode}/send${query}`,
        completeAction: `${prefix}/login/${mode}${query}`,
        loginUrl: `${prefix}/login${query}`,
        countries: countryList(pages.localeOf(request), deps.smsCountries),
        placeholder: examplePhone(deps.smsCountries),
        policy: t('recovery.policy', { min: deps.policy.minLength, classes: deps.policy.minClasses }),
        idSuffixField: mode === 'activate' && deps.idSuffix,
        directories: deps.readOnlyDirectories.length > 0 ? deps.readOnlyDirectories.join(', ') : undefined,
        directoryPasswordUrl: deps.directoryPasswordUrl,
        challenge: widget?.challenge,
        scripts: widget?.scripts,
        stylesheets: widget?.stylesheets,
      },
      status,
    );
  }
}

/** Whether the code sent still works after this refusal (the form keeps its code field): it was not spent. */
export function codeKept(refusal: RecoveryRefusal): boolean {
  return (
    refusal.reason === 'wrong_code' ||
    refusal.reason === 'missing_code' ||
    refusal.reason === 'passwords_differ' ||
    refusal.reason === 'weak_password'
  );
}
