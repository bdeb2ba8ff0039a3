import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FormTokens } from '../../login/form-tokens.js';
import type { SmsCodeCredentials } from '../../login/methods/sms-code.js';
import type { Authenticator } from '../../login/outcome.js';
import type { SignIn } from '../../login/sign-in.js';
import { methodAccepted } from '../../login/transaction.js';
import { maskPhone } from '../../sms/mask.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import { normalisePhone } from '../../users/phone.js';
import type { Cookies } from '../cookies.js';
import { loginQuerySchema, transactionOf } from '../login-transaction.js';
import { countryList } from '../pages/countries.js';
import type { LoginPage } from '../pages/login-page.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { codeStillUsable, earlierCodeUsable, refusalStatus, refusalText, sendRefusalStatus, sendRefusalText } from '../refusals.js';
import type { SignInResponses } from '../sign-in-response.js';

export interface SmsLoginRouteDeps {
  signIn: Pick<SignIn, 'attempt'>;
  smsCode: Authenticator<'sms', SmsCodeCredentials>;
  codes: Pick<VerificationCodes, 'send'>;
  formTokens: FormTokens;
  cookies: Cookies;
  pages: Pages;
  loginPage: LoginPage;
  responses: SignInResponses;
  /** The countries codes go to (SMS_COUNTRIES), named in refusals. */
  smsCountries: readonly string[];
}

/** `altcha`: the proof-of-work widget's solution, present on a repeated send from a page with JavaScript. */
const sendForm = form({ phone: field, execution: field, altcha: field });
const verifyForm = form({ phone: field, code: field, execution: field });

/** Sign-in by SMS code: "send me a code" and "sign in with it", both from the login page's SMS tab. */
export function registerSmsLoginRoutes(app: FastifyInstance, deps: SmsLoginRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { loginPage } = deps;

  routes.post('/login/sms/send', { schema: { querystring: loginQuerySchema, body: sendForm } }, async (request, reply) => {
    const transaction = transactionOf(request);
    const phone = request.body.phone.trim();
    const t = deps.pages.translate(request);
    const show = (view: Parameters<LoginPage['show']>[3]) => loginPage.show(request, reply, transaction, { tab: 'sms', ...view });
    const browser = deps.cookies.browserId(request);
    if (!(await deps.formTokens.take(request.body.execution, browser)))
      return show({ error: t('login.error.expired_form'), sms: { phone }, status: 400 });
    // No code is sent for an application that would not take it.
    if (!methodAccepted(transaction, 'sms')) return loginPage.methodRefused(request, reply, transaction);
    const proof = request.body.altcha || undefined;
    const result = await deps.codes.send({ phone, ip: request.ip, purpose: 'login', ...(browser ? { browser } : {}), ...(proof ? { proof } : {}) });
    const countries = countryList(deps.pages.localeOf(request), deps.smsCountries);
    if (!result.ok)
      return show({
        error: sendRefusalText(t, result, countries),
        sms: { phone, codeSent: earlierCodeUsable(result) },
        status: sendRefusalStatus(result),
      });
    return show({ notice: t('sms.login.sent', { phone: maskPhone(result.phone) }), sms: { phone: result.phone, codeSent: true } });
  });

  routes.post('/login/sms', { schema: { querystring: loginQuerySchema, body: verifyForm } }, async (request, reply) => {
    const transaction = transactionOf(request);
    const { phone, code, execution } = request.body;
    const t = deps.pages.translate(request);
    const typed = normalisePhone(phone.trim());
    const again = (error: string, codeSent: boolean, status = 400) =>
      loginPage.show(request, reply, transaction, { tab: 'sms', error, sms: typed.ok ? { phone: typed.phone, codeSent } : {}, status });
    const browserId = deps.cookies.browserId(request);
    if (typed.ok && !(await deps.formTokens.take(execution, browserId))) return again(t('login.error.expired_form'), true);
    if (!methodAccepted(transaction, 'sms')) return loginPage.methodRefused(request, reply, transaction);

    const outcome = await deps.signIn.attempt(deps.smsCode, { phone, code }, { client: request.client, browserId });
    const countries = countryList(deps.pages.localeOf(request), deps.smsCountries);
    if (outcome.kind === 'refused') return again(refusalText(t, outcome, countries), codeStillUsable(outcome), refusalStatus(outcome));
    return deps.responses.complete(request, reply, { ...outcome, transaction });
  });
}
