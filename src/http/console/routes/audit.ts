import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AUDIT_CSV_HEADER, type AuditEntry, type AuditFilter, auditAccountId, auditCsvRow, BadCursor, readAuditPage } from '../../../admin/audit.js';
import { csvLine } from '../../../admin/csv.js';
import type { UserAdmin } from '../../../admin/users.js';
import type { Db } from '../../../store/db.js';
import { param, query } from '../../params.js';
import type { ConsoleKit } from '../kit.js';

const PAGE_SIZE = 100;
/** Rows per CSV export: a month of a busy deployment; narrow the filter for more. */
const CSV_LIMIT = 100_000;
const filterQuery = query({ account: param, type: param, ip: param, since: param, until: param, cursor: param });

/** The audit log: filter by account, type, time and address; page through it newest first; export as CSV. */
export function registerAuditPages(
  app: FastifyInstance,
  deps: {
    kit: ConsoleKit;
    db: Db;
    /** Accounts as this administrator finds them (admin/users.ts), as the API's audit filter does. */
    users: (request: FastifyRequest) => Pick<UserAdmin, 'find'>;
  },
): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { kit } = deps;

  routes.get('/audit', { schema: { querystring: filterQuery } }, async (request, reply) => {
    const f = await filterOf(request, request.query);
    const t = kit.translate(request);
    const page = f.unknownAccount ? { events: [], next: null } : await readPage({ ...f.filter, before: request.query.cursor, limit: PAGE_SIZE });
    const params = new URLSearchParams(Object.entries(f.values).filter(([, v]) => v) as Array<[string, string]>);
    const nextUrl = page.next ? `${kit.base}/audit?${new URLSearchParams([...params, ['cursor', page.next]])}` : undefined;
    return kit.render(request, reply, 'admin-audit', {
      title: t('admin.audit.title'),
      values: f.values,
      events: page.events.map((e) => ({ ...e, detailText: detailText(e) })),
      nextUrl,
      csvUrl: `${kit.base}/audit.csv?${params}`,
      unknownAccount: f.unknownAccount,
      section: 'audit',
    });
  });

  routes.get('/audit.csv', { schema: { querystring: filterQuery } }, async (request, reply) => {
    const f = await filterOf(request, request.query);
    const { events } = f.unknownAccount ? { events: [] } : await readAuditPage(deps.db, { ...f.filter, limit: CSV_LIMIT });
    await kit.audited(request, 'audit.exported');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="wecas-audit.csv"')
      .header('cache-control', 'no-store')
      .send(`\uFEFF${csvLine(AUDIT_CSV_HEADER)}${events.map((e) => csvLine(auditCsvRow(e))).join('')}`);
  });

  /** A page; a cursor that is none of ours reads as the first page (the link was edited by hand). */
  async function readPage(filter: AuditFilter) {
    try {
      return await readAuditPage(deps.db, filter);
    } catch (err) {
      if (!(err instanceof BadCursor)) throw err;
      return readAuditPage(deps.db, { ...filter, before: undefined });
    }
  }

  /** The filter as typed (kept in the form) and as queried; an account named by login name or id. */
  async function filterOf(
    request: FastifyRequest,
    q: {
      account?: string | undefined;
      type?: string | undefined;
      ip?: string | undefined;
      since?: string | undefined;
      until?: string | undefined;
    },
  ) {
    const values = {
      account: q.account?.trim() ?? '',
      type: q.type?.trim() ?? '',
      ip: q.ip?.trim() ?? '',
      since: q.since ?? '',
      until: q.until ?? '',
    };
    const filter: Omit<AuditFilter, 'limit'> = {
      type: values.type || undefined,
      ip: values.ip || undefined,
      since: dayStart(values.since),
      until: dayStart(values.until, 1),
    };
    let unknownAccount = false;
    if (values.account) {
      filter.userId = await auditAccountId(deps.users(request), values.account);
      unknownAccount = filter.userId === undefined;
    }
    return { values, filter, unknownAccount };
  }
}

/** A `YYYY-MM-DD` from a date field, as the start of that day in Beijing time (plus `days`). */
function dayStart(value: string, days = 0): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00+08:00`);
  return Number.isNaN(ms) ? undefined : ms + days * 86_400_000;
}

function detailText(e: AuditEntry): string {
  return Object.entries(e.detail)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
}
