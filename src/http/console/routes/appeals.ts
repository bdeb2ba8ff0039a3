import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AppealAdmin } from '../../../admin/appeals.js';
import { AdminRefusal } from '../../../admin/users.js';
import { maskPhone } from '../../../sms/mask.js';
import type { MessageKey } from '../../pages/messages.js';
import { field, form, param, query } from '../../params.js';
import type { ConsoleKit } from '../kit.js';

const RESULTS = new Map<string, MessageKey>([
  ['approved', 'admin.appeals.approved'],
  ['rejected', 'admin.appeals.rejected'],
  ['not_pending', 'admin.appeals.not_pending'],
  ['phone_taken', 'admin.appeals.phone_taken'],
]);

/** Phone-change appeals of people who lost their number: approve (the new number becomes theirs) or reject. */
export function registerAppealPages(
  app: FastifyInstance,
  deps: {
    kit: ConsoleKit;
    /** The appeals as this administrator (admin/appeals.ts, as the API and `wecas user appeal` decide them). */
    appeals: (request: FastifyRequest) => Pick<AppealAdmin, 'list' | 'decide'>;
  },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { kit } = deps;

  routes.get('/appeals', { schema: { querystring: query({ all: param, result: param }) } }, async (request, reply) => {
    const all = request.query.all === '1';
    const appeals = await deps.appeals(request).list(all ? undefined : 'pending');
    const rows = appeals.map((a) => ({ ...a, oldPhone: a.oldPhone ? maskPhone(a.oldPhone) : null, account: a.account ?? a.userId }));
    const t = kit.translate(request);
    const result = RESULTS.get(request.query.result ?? '');
    return kit.render(request, reply, 'admin-appeals', {
      title: t('admin.appeals.title'),
      appeals: rows,
      all,
      result: result ? t(result) : undefined,
      section: 'appeals',
    });
  });

  routes.post(
    '/appeals/:id',
    { schema: { params: z.object({ id: z.string().min(1).max(64) }), body: form({ csrf: field, decision: z.enum(['approved', 'rejected']) }) } },
    async (request, reply) => {
      const { decision } = request.body;
      try {
        await deps.appeals(request).decide(request.params.id, decision);
      } catch (err) {
        if (!(err instanceof AdminRefusal)) throw err;
        const result = err.reason.code === 'appeal_phone_taken' ? 'phone_taken' : 'not_pending';
        return reply.redirect(`${kit.base}/appeals?result=${result}`, 303);
      }
      await kit.audited(request, `appeal.${decision}`, { appealId: request.params.id });
      return reply.redirect(`${kit.base}/appeals?result=${decision}`, 303);
    },
  );
}
