import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MAX_USAGE_DAYS, type Usage } from '../../admin/usage.js';
import { refusals } from './errors.js';

const report = z.object({
  status: z.enum(['ready', 'degraded', 'not_ready']),
  checks: z.record(z.string(), z.object({ ok: z.boolean() }).catchall(z.unknown())).describe('database, redis, wechat, wecom, sms, directory:<name>'),
  sms: z.object({ sentToday: z.number().int(), dailyBudget: z.number().int() }),
  liveSessions: z.number().int(),
  signIns: z.array(z.object({ day: z.string(), counts: z.record(z.string(), z.number().int()) })).describe('per UTC day, per method'),
});

/** Health and usage (helpdesk and admin): what the console's dashboard draws. */
export function registerHealthRoutes(app: FastifyInstance, deps: { usage: Usage }): void {
  app.withTypeProvider<ZodTypeProvider>().get(
    '/health',
    {
      config: { adminRole: 'helpdesk' },
      schema: {
        tags: ['health'],
        summary: 'WeChat, WeCom, SMS and directory status; SMS sent today against the budget; live sessions; sign-ins per method per day',
        querystring: z.strictObject({ days: z.coerce.number().int().min(1).max(MAX_USAGE_DAYS).default(14) }),
        response: { 200: report, ...refusals },
      },
    },
    async (request) => deps.usage.report(request.query.days),
  );
}
