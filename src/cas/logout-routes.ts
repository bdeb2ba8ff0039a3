import type { FastifyInstance } from 'fastify';
import { checkService } from './login-request.js';
import { param, type Params } from './params.js';
import { type CasRoutes, clearTgc, endSession, noStore, TGC_COOKIE } from './sign-in.js';

export function registerLogoutRoutes(app: FastifyInstance, routes: CasRoutes): void {
  const { ctx, pages, prefix } = routes;

  // Idempotent: without a session it still shows the signed-out page (spec 1.3).
  app.get('/logout', async (request, reply) => {
    const tgtId = request.cookies[TGC_COOKIE];
    const session = tgtId ? await ctx.tickets.get(tgtId, 'TGT') : undefined;
    const frontChannel = tgtId ? await endSession(routes, tgtId) : [];
    clearTgc(routes, reply);
    if (session) {
      await ctx.audit.record({ type: 'logout', userId: session.userId, ip: request.ip, userAgent: request.headers['user-agent'] ?? null });
    }

    // `service` is followed only when it is a registered, enabled service; CAS 2.0's `url` is ignored (spec 1.3).
    const service = param(request.query as Params, 'service');
    if (service && ctx.config.LOGOUT_FOLLOW_SERVICE && frontChannel.length === 0) {
      const check = await checkService(ctx.services, service);
      if (check.ok) return noStore(reply).redirect(check.url, 302);
    }
    const t = pages.translate(request);
    return pages.send(request, reply, 'message', {
      title: t('loggedout.title'),
      paragraphs: [t('loggedout.body')],
      links: [{ href: `${prefix}/login`, label: t('loggedout.again'), primary: true }],
      frontChannel,
      imgOrigins: frontChannel.map((u) => new URL(u).origin),
    });
  });
}
