import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { FormTokens } from '../../login/form-tokens.js';
import type { PasswordCredentials } from '../../login/methods/password.js';
import type { Authenticator } from '../../login/outcome.js';
import type { SecondFactorStep } from '../../login/second-factor.js';
import type { SignIn } from '../../login/sign-in.js';
import { acceptedMethods, methodAccepted } from '../../login/transaction.js';
import type { Cookies } from '../cookies.js';
import { loginQuerySchema, transactionOf } from '../login-transaction.js';
import { type LoginPage, methodsText } from '../pages/login-page.js';
import type { Pages } from '../pages/pages.js';
import { field, form, namedParams } from '../params.js';
import { refusalStatus, refusalText } from '../refusals.js';
import { redirectNoStore } from '../respond.js';
import { SECOND_FACTOR_PATH, type SignInResponses } from '../sign-in-response.js';

export interface LoginRouteDeps {
  signIn: Pick<SignIn, 'attempt' | 'ssoFromCookie'>;
  password: Authenticator<'password', PasswordCredentials>;
  formTokens: FormTokens;
  cookies: Cookies;
  pages: Pages;
  loginPage: LoginPage;
  responses: SignInResponses;
  secondFactor: Pick<SecondFactorStep, 'stepUp' | 'hold'>;
  prefix: string;
}

const passwordForm = form({ username: field, password: field, execution: field });

/** `/login`: the credential requestor (GET) and the password acceptor (POST), docs/cas-protocol.md §1.1–§1.2. */
export function registerLoginRoutes(app: FastifyInstance, deps: LoginRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { loginPage, responses } = deps;

  // No schema to run on every SSO redirect (zod was ~3 % of one's CPU): the preHandler has read the login parameters.
  routes.get('/login', async (request, reply) => {
    const transaction = transactionOf(request);
    const { request: login, service } = transaction;
    const tab = namedParams(request.query, ['tab']).tab === 'sms' ? 'sms' : 'password';
    const found = login.renew ? undefined : await deps.signIn.ssoFromCookie(deps.cookies.sessionId(request), transaction, request.client);
    if (found) {
      const { tgt, sso } = found;
      if (sso.kind === 'no_service' || !service) return responses.signedInPage(request, reply, tgt.principal);
      if (sso.kind === 'ticket') return responses.ticketToService(request, reply, login, service.url, sso.ticket.id);
      // gateway: the application asked not to be kept at the sign-in service; it gets its answer, "no ticket".
      if (login.gateway) return redirectNoStore(reply, service.url);
      if (sso.refused === 'not_allowed') return responses.notAllowedPage(request, reply, tgt, transaction);
      const t = deps.pages.translate(request);
      // A session that passed no second factor: only the second is asked (step-up); with none to ask, both again.
      if (sso.refused === 'second_factor_required') {
        const pending = await deps.secondFactor.stepUp(tgt, transaction);
        if (pending) {
          const id = await deps.secondFactor.hold(deps.cookies.ensureBrowserId(request, reply), pending);
          return redirectNoStore(reply, `${deps.prefix}${SECOND_FACTOR_PATH}?id=${id}`);
        }
        return loginPage.show(request, reply, transaction, { tab, notice: t('login.second_factor_required', { service: service.registered.name }) });
      }
      // Signed in by a method this service does not take: sign in again, with one it does.
      const notice = t('login.method_required', { service: service.registered.name, methods: methodsText(t, acceptedMethods(transaction)) });
      return loginPage.show(request, reply, transaction, { tab, notice });
    }
    if (login.gateway && service) return redirectNoStore(reply, service.url);
    return loginPage.show(request, reply, transaction, { tab });
  });

  routes.post('/login', { schema: { querystring: loginQuerySchema, body: passwordForm } }, async (request, reply) => {
    const transaction = transactionOf(request);
    const { username, password, execution } = request.body;
    const t = deps.pages.translate(request);
    const again = (error: string, status: number) => loginPage.show(request, reply, transaction, { error, username: username.trim(), status });
    const browserId = deps.cookies.browserId(request);
    if (!(await deps.formTokens.take(execution, browserId))) return again(t('login.error.expired_form'), 400);
    if (!methodAccepted(transaction, 'password')) return loginPage.methodRefused(request, reply, transaction);

    const outcome = await deps.signIn.attempt(deps.password, { username, password }, { client: request.client, browserId });
    if (outcome.kind === 'refused') return again(refusalText(t, outcome), refusalStatus(outcome));
    return responses.complete(request, reply, { ...outcome, transaction });
  });
}
