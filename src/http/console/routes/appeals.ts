import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Recovery } from '../../../login/recovery.js';
import { maskPhone } from '../../../sms/mask.js';
import type { PhoneAppeals } from '../../../users/appeals.js';
import type { UserStore } from '../../../users/store.js';
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
    appeals: Pick<PhoneAppeals, 'list'>;
    users: Pick<UserStore, 'findById'>;
    decide: (request: FastifyRequest, id: string, decision: 'approved' | 'rejected') => ReturnType<Recovery['decideAppeal']>;
  },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { kit } = deps;

  routes.get('/appeals', { schema: { querystring: query({ all: param, result: param }) } }, async (request, reply) => {
    const all = request.query.all === '1';
    const appeals = await deps.appeals.list(all ? undefined : 'pending');
    const rows = await Promise.all(
      appeals.map(async (a) => {
        const user = await deps.users.findById(a.userId);
        return { ...a, oldPhone: a.oldPhone ? maskPhone(a.oldPhone) : null, account: user?.username ?? user?.displayName ?? a.userId };
      }),
    );
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
      const result = await deps.decide(request, request.params.id, request.body.decision);
      if (result === 'approved' || result === 'rejected') await kit.audited(request, `appeal.${result}`, { appealId: request.params.id });
      return reply.redirect(`${kit.base}/appeals?result=${result}`, 303);
    },
  );
}
