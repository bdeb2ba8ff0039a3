import type { FastifyInstance } from 'fastify';
import type { MessageKey } from '../web/messages.js';
import { checkService, parseLoginRequest } from './login-request.js';
import type { LoginPage } from './login-page.js';
import { param, type Params } from './params.js';
import { type CasRoutes, completeSignIn, currentSession, redirectWithoutTicket, redirectWithTicket, signedInPage } from './sign-in.js';

/** `/login`: the credential requestor (GET) and the password acceptor (POST), spec 2.1–2.2. */
export function registerLoginRoutes(app: FastifyInstance, routes: CasRoutes, page: LoginPage): void {
  const { ctx } = routes;

  app.get('/login', async (request, reply) => {
    const query = request.query as Params;
    const login = parseLoginRequest(query);
    const check = login.service ? await checkService(ctx.services, login.service) : undefined;
    if (check && !check.ok) return page.serviceRefused(request, reply, check);

    const tgt = login.renew ? undefined : await currentSession(routes, request);
    if (tgt) {
      if (!check?.ok) return signedInPage(routes, request, reply, tgt.principal);
      const st = await ctx.sso.grantServiceTicket(tgt, { url: check.url, id: check.service.id }, false);
      return redirectWithTicket(routes, request, reply, login, check.url, st.id);
    }
    if (login.gateway && check?.ok) return redirectWithoutTicket(reply, check.url);
    return page.show(request, reply, login, check, { tab: param(query, 'tab') === 'sms' ? 'sms' : 'password' });
  });

  app.post('/login', async (request, reply) => {
    const login = parseLoginRequest(request.query as Params);
    const check = login.service ? await checkService(ctx.services, login.service) : undefined;
    if (check && !check.ok) return page.serviceRefused(request, reply, check);

    const body = (request.body ?? {}) as Params;
    const username = (param(body, 'username') ?? '').trim();
    const password = param(body, 'password') ?? '';
    const problem = (key: MessageKey, status: number, vars?: Record<string, number>) =>
      page.show(request, reply, login, check, { error: page.translate(request, key, vars), username, status });
    if (!(await page.takeLoginTransaction(request, param(body, 'execution')))) return problem('login.error.expired_form', 400);
    if (!username || !password) return problem('login.error.missing_fields', 400);

    const outcome = await ctx.passwordAuth.authenticate(username, password, request.ip);
    if (!outcome.ok) {
      await ctx.audit.record({
        type: 'login.failure',
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
        detail: { method: 'password', reason: outcome.reason, username: username.slice(0, 64) },
      });
      const minutes = Math.max(1, Math.ceil((outcome.retryAfterSeconds ?? 60) / 60));
      return problem(`login.error.${outcome.reason}`, outcome.reason === 'throttled' ? 429 : 401, { minutes });
    }
    return completeSignIn(routes, request, reply, { user: outcome.user, method: 'password', login, service: check?.ok ? check.service : undefined });
  });
}
