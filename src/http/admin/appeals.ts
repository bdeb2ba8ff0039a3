import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { adminOf } from './auth.js';
import { refusals } from './errors.js';

const appeal = z.object({
  id: z.string(),
  userId: z.string(),
  account: z.string().nullable().describe('login name, else phone or id; null when the account is gone'),
  oldPhone: z.string().nullable(),
  newPhone: z.string().describe('already proved by a code'),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'rejected']),
  ip: z.string().nullable(),
  createdAt: z.number().int(),
  decidedAt: z.number().int().nullable(),
  decidedBy: z.string().nullable(),
});
const tags = ['appeals'];
const helpdesk = { adminRole: 'helpdesk' } as const;

/** Phone-change appeals of people who lost their old number: list, approve, reject (helpdesk and admin). */
export function registerAppealRoutes(app: FastifyInstance): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/appeals',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'Appeals, oldest first (those waiting unless told otherwise)',
        querystring: z.strictObject({ status: z.enum(['pending', 'approved', 'rejected', 'all']).default('pending') }),
        response: { 200: z.object({ appeals: z.array(appeal) }), ...refusals },
      },
    },
    async (request) => {
      const { status } = request.query;
      return { appeals: await adminOf(request).act.appeals.list(status === 'all' ? undefined : status) };
    },
  );
  for (const [action, decision] of [
    ['approve', 'approved'],
    ['reject', 'rejected'],
  ] as const)
    routes.post(
      `/appeals/:id/${action}`,
      {
        config: helpdesk,
        schema: {
          tags,
          summary: action === 'approve' ? "Approve: the new number becomes the account's" : 'Reject: the account keeps its number',
          params: z.object({ id: z.string().min(1) }),
          response: { 200: appeal, ...refusals },
        },
      },
      async (request) => adminOf(request).act.appeals.decide(request.params.id, decision),
    );
}
