import type { FastifyInstance } from 'fastify';
import { maskPhone } from '../sms/mask.js';
import { normalisePhone } from '../users/phone.js';
import { checkService, parseLoginRequest } from './login-request.js';
import type { LoginPage } from './login-page.js';
import { param, type Params } from './params.js';
import { type CasRoutes, completeSignIn } from './sign-in.js';
import { sendErrorText, verifyErrorText } from './wechat-bind-routes.js';

/**
 * Sign-in by SMS code. Before the code is verified every number gets the same answers, whether or not it has an
 * account (no enumeration); only a verified owner of the number learns that it has none.
 */
export function registerSmsLoginRoutes(app: FastifyInstance, routes: CasRoutes, page: LoginPage): void {
  const { ctx } = routes;

  app.post('/login/sms/send', async (request, reply) => {
    const login = parseLoginRequest(request.query as Params);
    const check = login.service ? await checkService(ctx.services, login.service) : undefined;
    if (check && !check.ok) return page.serviceRefused(request, reply, check);
    const phone = (param(request.body as Params, 'phone') ?? '').trim();
    const t = routes.pages.translate(request);
    if (!(await page.takeLoginTransaction(request, param(request.body as Params, 'execution'))))
      return page.show(request, reply, login, check, { tab: 'sms', error: t('login.error.expired_form'), sms: { phone }, status: 400 });
    const result = await ctx.sms.codes.send({ phone, ip: request.ip, purpose: 'login' });
    if (!result.ok) return page.show(request, reply, login, check, { tab: 'sms', error: sendErrorText(t, result), sms: { phone }, status: 400 });
    return page.show(request, reply, login, check, {
      tab: 'sms',
      notice: t('sms.login.sent', { phone: maskPhone(result.phone) }),
      sms: { phone: result.phone, codeSent: true },
    });
  });

  app.post('/login/sms', async (request, reply) => {
    const login = parseLoginRequest(request.query as Params);
    const check = login.service ? await checkService(ctx.services, login.service) : undefined;
    if (check && !check.ok) return page.serviceRefused(request, reply, check);
    const body = request.body as Params;
    const t = routes.pages.translate(request);
    const parsed = normalisePhone((param(body, 'phone') ?? '').trim());
    if (!parsed.ok) return page.show(request, reply, login, check, { tab: 'sms', error: t('sms.error.invalid_phone'), status: 400 });
    const code = (param(body, 'code') ?? '').trim();
    const again = (error: string, codeSent: boolean, status = 400) =>
      page.show(request, reply, login, check, { tab: 'sms', error, sms: { phone: parsed.phone, codeSent }, status });
    if (!(await page.takeLoginTransaction(request, param(body, 'execution')))) return again(t('login.error.expired_form'), true);
    if (!/^\d{6}$/.test(code)) return again(t('sms.error.missing_code'), true);

    const verified = await ctx.sms.codes.verify({ phone: parsed.phone, purpose: 'login', code });
    if (!verified.ok) return again(verifyErrorText(t, verified), verified.reason === 'wrong_code');

    let user = await ctx.users.findByPhone(verified.phone);
    if (!user && ctx.config.SMS_LOGIN_CREATES_USERS) user = await ctx.users.create({ phone: verified.phone });
    const audit = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
    if (!user) {
      await ctx.audit.record({ type: 'login.failure', ...audit, detail: { method: 'sms', reason: 'no_account' } });
      return again(t('sms.login.no_account'), false, 404);
    }
    if (user.status !== 'active') {
      await ctx.audit.record({ type: 'login.failure', userId: user.id, ...audit, detail: { method: 'sms', reason: 'disabled' } });
      return again(t('sms.login.disabled'), false, 403);
    }
    return completeSignIn(routes, request, reply, { user, method: 'sms', login, service: check?.ok ? check.service : undefined });
  });
}
