import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AUDIT_CSV_HEADER, type AuditFilter, auditAccountId, auditCsvRow, readAuditPage } from '../../admin/audit.js';
import { csvLine } from '../../admin/csv.js';
import { refusal } from '../../admin/refusals.js';
import { AdminNotFound } from '../../admin/users.js';
import type { Db } from '../../store/db.js';
import { adminOf } from './auth.js';
import { refusals } from './errors.js';

const entry = z.object({
  id: z.string(),
  at: z.number().int(),
  type: z.string(),
  userId: z.string().nullable(),
  username: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
const time = z.iso.datetime({ offset: true }).describe('ISO 8601, e.g. 2026-11-30T00:00:00Z');
const filters = {
  account: z.string().min(1).optional().describe("an account's id, login name or phone (events of a deleted account: its id)"),
  type: z.string().min(1).optional().describe('an event type, e.g. login.success'),
  since: time.optional().describe('events at or after this time'),
  until: time.optional().describe('events before this time'),
  ip: z.string().min(1).optional(),
};
const CSV_PAGE = 1000;
const tags = ['audit'];
const helpdesk = { adminRole: 'helpdesk' } as const;

type Filters = {
  account?: string | undefined;
  type?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  ip?: string | undefined;
};

/** The filter a query asks for; an account is named as people know it, or by the id a deleted one had. */
async function filterOf(request: FastifyRequest, q: Filters): Promise<Omit<AuditFilter, 'limit'>> {
  let userId: string | undefined;
  if (q.account !== undefined) {
    userId = await auditAccountId(adminOf(request).act.users, q.account);
    if (userId === undefined) throw new AdminNotFound(refusal('no_account', { ref: q.account }));
  }
  return {
    userId,
    type: q.type,
    since: q.since === undefined ? undefined : Date.parse(q.since),
    until: q.until === undefined ? undefined : Date.parse(q.until),
    ip: q.ip,
  };
}

/** The audit log (helpdesk and admin): newest first, a page at a time, or as CSV. */
export function registerAuditRoutes(app: FastifyInstance, deps: { db: Db }): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/audit',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'Audit events, newest first, a page at a time',
        querystring: z.strictObject({
          ...filters,
          before: z.string().optional().describe('the `next` of the page before'),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: { 200: z.object({ events: z.array(entry), next: z.string().nullable() }), ...refusals },
      },
    },
    async (request) => {
      const { before, limit, ...q } = request.query;
      return readAuditPage(deps.db, { ...(await filterOf(request, q)), before, limit });
    },
  );
  routes.get(
    '/audit.csv',
    {
      config: helpdesk,
      schema: {
        tags,
        summary: 'Audit events as CSV (UTF-8, newest first)',
        querystring: z.strictObject({ ...filters, limit: z.coerce.number().int().min(1).max(100_000).default(10_000) }),
        response: { 200: z.string().describe(`text/csv: ${AUDIT_CSV_HEADER.join(',')}`), ...refusals },
      },
    },
    async (request, reply) => {
      const { limit, ...q } = request.query;
      const filter = await filterOf(request, q);
      const lines = [csvLine(AUDIT_CSV_HEADER)];
      let before: string | undefined;
      for (let rows = 0; rows < limit; ) {
        const page = await readAuditPage(deps.db, { ...filter, before, limit: Math.min(CSV_PAGE, limit - rows) });
        for (const e of page.events) lines.push(csvLine(auditCsvRow(e)));
        rows += page.events.length;
        if (page.next === null) break;
        before = page.next;
      }
      await adminOf(request).act.audit.record({ type: 'audit.exported', via: 'api', rows: lines.length - 1 });
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="wecas-audit.csv"')
        .header('cache-control', 'no-store')
        .send(`\uFEFF${lines.join('')}`);
    },
  );
}
