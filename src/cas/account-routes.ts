import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TicketGrantingTicket } from '../tickets/types.js';
import type { MessageKey } from '../web/messages.js';
import { ensureBrowserCookie } from './browser-cookie.js';
import { param, type Params } from './params.js';
import { type CasRoutes, clearTgc, currentSession, endSession } from './sign-in.js';

/**
 * The signed-in person's own page: profile, linked WeChat (unlink, link another by scanning) and sessions
 * ("sign out everywhere"). Forms carry a token derived from the session id, which another site cannot know.
 */
export function registerAccountRoutes(app: FastifyInstance, routes: CasRoutes): void {
  const { ctx, pages, prefix } = routes;

  app.get('/account', async (request, reply) => {
    const tgt = await currentSession(routes, request);
    if (!tgt) return reply.redirect(`${prefix}/login`, 302);
    const query = request.query as Params;
    const notice = param(query, 'bound') ? 'account.wechat.bound' : param(query, 'unbound') ? 'account.wechat.unbound' : undefined;
    const error = accountError(param(query, 'error'));
    return accountPage(request, reply, tgt, { notice, error });
  });

  app.post('/account/wechat/unbind', async (request, reply) => {
    const tgt = await sessionWithValidForm(request);
    if (!tgt) return reply.redirect(`${prefix}/account?error=bad_form`, 303);
    const user = await ctx.users.findById(tgt.userId);
    if (!user) return reply.redirect(`${prefix}/login`, 303);
    // Unlinking must leave a way back in: a phone (SMS code) or a password.
    if (!user.phone && !user.hasPassword) return reply.redirect(`${prefix}/account?error=cannot_unbind`, 303);
    const identityId = param(request.body as Params, 'identity') ?? '';
    if (await ctx.identities.unbind(user.id, identityId)) {
      await ctx.audit.record({ type: 'wechat.unbound', userId: user.id, ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
    }
    return reply.redirect(`${prefix}/account?unbound=1`, 303);
  });

  app.get('/account/wechat/bind', async (request, reply) => {
    const tgt = await currentSession(routes, request);
    const wechat = ctx.wechatLogin;
    if (!tgt || !wechat) return reply.redirect(`${prefix}/account`, 302);
    const state = await wechat.begin(ensureBrowserCookie(routes, request, reply), { purpose: 'bind', loginQuery: '', userId: tgt.userId });
    const lang = pages.localeOf(request) === 'en' ? 'en' : 'cn';
    const url = wechat.client.authorizeUrl({ redirectUri: `${ctx.config.casBaseUrl}/login/wechat/callback`, state, lang });
    return reply.header('cache-control', 'no-store').redirect(url, 302);
  });

  app.post('/account/logout-all', async (request, reply) => {
    const tgt = await sessionWithValidForm(request);
    if (!tgt) return reply.redirect(`${prefix}/account?error=bad_form`, 303);
    for (const session of await ctx.sso.sessionsOf(tgt.userId)) await endSession(routes, session.id);
    await ctx.audit.record({ type: 'logout', userId: tgt.userId, ip: request.ip, userAgent: request.headers['user-agent'] ?? null, detail: { everywhere: true } });
    clearTgc(routes, reply);
    return reply.redirect(`${prefix}/logout`, 303);
  });

  async function accountPage(request: FastifyRequest, reply: FastifyReply, tgt: TicketGrantingTicket, view: { notice?: MessageKey | undefined; error?: MessageKey | undefined }) {
    const user = await ctx.users.findById(tgt.userId);
    if (!user) return reply.redirect(`${prefix}/logout`, 302);
    const t = pages.translate(request);
    const locale = pages.localeOf(request);
    const identities = await ctx.identities.listForUser(user.id);
    const sessions = (await ctx.sso.sessionsOf(user.id)).map((s) => ({ ...s, current: s.id === tgt.id }));
    const avatars = identities.map((i) => i.profile.headimgurl).filter(Boolean);
    return pages.send(request, reply, 'account', {
      title: t('account.title'),
      user,
      identities,
      sessions,
      prefix,
      csrf: formToken(tgt.id),
      canBindWeChat: !!ctx.wechatLogin && identities.length === 0,
      notice: view.notice ? t(view.notice) : undefined,
      error: view.error ? t(view.error) : undefined,
      date: (ms: number) => new Date(ms).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Asia/Shanghai' }),
      imgOrigins: avatars.map((u) => new URL(u).origin),
    });
  }

  async function sessionWithValidForm(request: FastifyRequest): Promise<TicketGrantingTicket | undefined> {
    const tgt = await currentSession(routes, request);
    const token = param(request.body as Params, 'csrf') ?? '';
    if (!tgt) return undefined;
    const expected = Buffer.from(formToken(tgt.id));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected) ? tgt : undefined;
  }
}

function formToken(tgtId: string): string {
  return createHash('sha256').update(`account-form:${tgtId}`).digest('base64url');
}

function accountError(code: string | undefined): MessageKey | undefined {
  switch (code) {
    case 'bad_form':
      return 'account.bad_form';
    case 'cannot_unbind':
      return 'account.wechat.cannot_unbind';
    case 'user_has_other_wechat':
      return 'account.wechat.user_has_other_wechat';
    case 'wechat_already_bound':
      return 'account.wechat.wechat_already_bound';
    default:
      return undefined;
  }
}
