import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AccessAdmin } from '../../../admin/access.js';
import { MAX_TOKEN_DAYS } from '../../../admin/tokens.js';
import { AdminRefusal } from '../../../admin/users.js';
import { field, form, param, query } from '../../params.js';
import { refusalText } from '../domain-texts.js';
import type { ConsoleKit } from '../kit.js';

const createForm = form({ csrf: field, name: field, role: z.enum(['admin', 'helpdesk']), days: field });

/**
 * Personal API tokens: the signed-in administrator makes their own (a role no higher than theirs, an expiry), sees
 * its secret once, lists and revokes them; an admin sees and may revoke everyone's.
 */
export function registerTokenPages(app: FastifyInstance, deps: { kit: ConsoleKit; access: (request: FastifyRequest) => AccessAdmin }): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { kit } = deps;

  routes.get('/tokens', { schema: { querystring: query({ done: param }) } }, async (request, reply) =>
    tokensPage(request, reply, { notice: request.query.done === 'revoked' ? 'admin.tokens.revoked' : undefined }),
  );

  routes.post('/tokens', { schema: { body: createForm } }, async (request, reply) => {
    const who = kit.admin(request);
    try {
      const made = await deps
        .access(request)
        .createToken(who.userId, { role: request.body.role, name: request.body.name, days: Number(request.body.days) });
      return tokensPage(request, reply, { secret: made.secret, created: made.token.name }, 201);
    } catch (err) {
      if (!(err instanceof AdminRefusal)) throw err;
      return tokensPage(request, reply, { refusal: refusalText(kit.translate(request), err.reason) }, 400);
    }
  });

  routes.post(
    '/tokens/:id/revoke',
    { schema: { params: z.object({ id: z.string().min(1).max(64) }), body: form({ csrf: field }) } },
    async (request, reply) => {
      const who = kit.admin(request);
      const access = deps.access(request);
      const mine = (await access.listTokens(who.userId)).some((t) => t.id === request.params.id);
      if (!mine && who.role !== 'admin') return kit.refuse(request, reply, 403, 'admin.forbidden.title', 'admin.tokens.not_yours');
      try {
        await access.revokeToken(request.params.id);
      } catch (err) {
        if (!(err instanceof AdminRefusal)) throw err;
        return tokensPage(request, reply, { refusal: refusalText(kit.translate(request), err.reason) }, 409);
      }
      return reply.redirect(`${kit.base}/tokens?done=revoked`, 303);
    },
  );

  async function tokensPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { notice?: 'admin.tokens.revoked' | undefined; secret?: string; created?: string; refusal?: string },
    status = 200,
  ) {
    const who = kit.admin(request);
    const t = kit.translate(request);
    const tokens = await deps.access(request).listTokens(who.role === 'admin' ? undefined : who.userId);
    return kit.render(
      request,
      reply,
      'admin-tokens',
      {
        title: t('admin.tokens.title'),
        tokens: tokens.sort((a, b) => b.createdAt - a.createdAt),
        maxDays: MAX_TOKEN_DAYS,
        notice: extra.notice ? t(extra.notice) : undefined,
        secret: extra.secret,
        created: extra.created,
        refusal: extra.refusal,
        section: 'tokens',
      },
      status,
    );
  }
}
