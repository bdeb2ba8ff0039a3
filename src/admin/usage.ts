import type { Clock } from '../clock.js';
import type { CheckResult, Readiness } from '../observability/health.js';
import type { DailyBudget } from '../sms/daily-budget.js';
import type { Db } from '../store/db.js';
import type { TicketRegistry } from '../tickets/registry.js';

const DAY_MS = 86_400_000;
export const MAX_USAGE_DAYS = 31;

export interface UsageReport {
  status: 'ready' | 'degraded' | 'not_ready';
  /** database, redis, wechat, sms, directory:<name> (as /health/ready), and wecom. */
  checks: Record<string, CheckResult>;
  sms: { sentToday: number; dailyBudget: number };
  liveSessions: number;
  /** Successful sign-ins per UTC day and method, oldest day first; days without any are listed with zeros. */
  signIns: Array<{ day: string; counts: Record<string, number> }>;
}

export type Usage = ReturnType<typeof createUsage>;

/** The health and usage figures an administrator watches (the admin API's /health; the console's dashboard). */
export function createUsage(deps: {
  db: Db;
  clock: Clock;
  readiness: Readiness;
  budget: Pick<DailyBudget, 'used' | 'size'>;
  tickets: Pick<TicketRegistry, 'count'>;
  wecomConfigured: boolean;
}) {
  const { db, clock } = deps;

  /**
   * Counted from the audit log's login.success events. Their method is in the JSON detail, which SQLite and
   * PostgreSQL read with different functions: the rows of the period are read (the at index bounds them) and
   * counted here.
   */
  async function signIns(days: number): Promise<UsageReport['signIns']> {
    const today = Math.floor(clock.now() / DAY_MS) * DAY_MS;
    const since = today - (days - 1) * DAY_MS;
    const rows = await db.selectFrom('audit_events').select(['at', 'detail']).where('type', '=', 'login.success').where('at', '>=', since).execute();
    const byDay = new Map<string, Record<string, number>>();
    for (let d = since; d <= today; d += DAY_MS) byDay.set(new Date(d).toISOString().slice(0, 10), {});
    for (const row of rows) {
      const counts = byDay.get(new Date(Number(row.at)).toISOString().slice(0, 10));
      if (!counts) continue;
      const method = methodOf(row.detail);
      counts[method] = (counts[method] ?? 0) + 1;
    }
    return [...byDay].map(([day, counts]) => ({ day, counts }));
  }

  return {
    async report(days: number): Promise<UsageReport> {
      const [readiness, sentToday, liveSessions, perDay] = await Promise.all([
        deps.readiness.check(),
        deps.budget.used(),
        deps.tickets.count('TGT'),
        signIns(days),
      ]);
      return {
        status: readiness.status,
        checks: { ...readiness.checks, wecom: { ok: true, configured: deps.wecomConfigured } },
        sms: { sentToday, dailyBudget: deps.budget.size },
        liveSessions,
        signIns: perDay,
      };
    },
  };
}

function methodOf(detail: string): string {
  try {
    const method = (JSON.parse(detail) as { method?: unknown }).method;
    return typeof method === 'string' ? method : 'unknown';
  } catch {
    return 'unknown';
  }
}
