import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseLoginRequest } from '../cas/login-request.js';
import type { SignIn } from '../login/sign-in.js';
import type { LoginTransaction } from '../login/transaction.js';
import type { LoginPage } from './pages/login-page.js';
import { namedParams, param, query } from './params.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The login transaction of a /login route: its query parsed once, the service it names checked. */
    loginTransaction: LoginTransaction | null;
  }
}

/** The query of every /login route: the CAS login parameters (docs/cas-protocol.md §1.1), plus whatever else a client adds. */
export const loginQuerySchema = query({ service: param, TARGET: param, renew: param, gateway: param, method: param, tab: param });

/** The parameters loginQuerySchema names, for reading them without running it (namedParams). */
const LOGIN_PARAMS = Object.keys(loginQuerySchema.shape) as Array<keyof typeof loginQuerySchema.shape>;

/** The transaction the preHandler opened; every route in the login scope has one. */
export function transactionOf(request: FastifyRequest): LoginTransaction {
  if (!request.loginTransaction) throw new Error('no login transaction: the route is outside the login scope');
  return request.loginTransaction;
}

/**
 * For every route of a scope: read the login request from the query and check its service before the handler
 * runs. A refused service gets its page here (audited), and the handler never runs.
 */
export function openLoginTransactions(
  scope: FastifyInstance,
  deps: { signIn: Pick<SignIn, 'open'>; loginPage: Pick<LoginPage, 'serviceRefused'> },
): void {
  scope.decorateRequest('loginTransaction', null);
  scope.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    // Read as the schema reads them, without running it again (a route's schema has run already, or GET /login has none).
    const opened = await deps.signIn.open(parseLoginRequest(namedParams(request.query, LOGIN_PARAMS)));
    if (!opened.ok) return deps.loginPage.serviceRefused(request, reply, opened.refusal);
    request.loginTransaction = opened.transaction;
  });
}
