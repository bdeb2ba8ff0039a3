import type { FastifyInstance } from 'fastify';
import { beijingDay, signInsPerMethodPerDay } from '../../../audit/queries.js';
import type { Clock } from '../../../clock.js';
import type { Readiness } from '../../../observability/health.js';
import type { DailyBudget } from '../../../sms/daily-budget.js';
import type { Db } from '../../../store/db.js';
import { barChart, gauge } from '../charts.js';
import type { ConsoleKit } from '../kit.js';

const DAYS = 14;
const DAY_MS = 86_400_000;

export interface DashboardDeps {
  kit: ConsoleKit;
  readiness: Readiness;
  smsBudget: Pick<DailyBudget, 'used' | 'size'>;
  liveSessions: () => Promise<number>;
  db: Db;
  clock: Clock;
  /** Whether WeCom is configured (readiness has no probe of it: its token is fetched when first needed). */
  wecom: boolean;
}

/** The console's first page: health, SMS today against the budget, live sessions, sign-ins per method per day. */
export function registerDashboard(app: FastifyInstance, deps: DashboardDeps): void {
  const { kit } = deps;
  app.get('/', async (request, reply) => {
    const t = kit.translate(request);
    const now = deps.clock.now();
    const [report, smsUsed, live, perDay] = await Promise.all([
      deps.readiness.check(),
      deps.smsBudget.used(),
      deps.liveSessions(),
      signInsPerMethodPerDay(deps.db, now - DAYS * DAY_MS),
    ]);
    const days = Array.from({ length: DAYS }, (_, i) => beijingDay(now - (DAYS - 1 - i) * DAY_MS));
    const methods = [...new Set([...perDay.values()].flatMap((m) => [...m.keys()]))].sort();
    const charts = methods.map((method) => {
      const bars = days.map((day) => ({ label: day, value: perDay.get(day)?.get(method) ?? 0 }));
      return { method, total: bars.reduce((n, b) => n + b.value, 0), svg: barChart(bars, { label: t('admin.dashboard.chart', { method }) }) };
    });
    const checks = Object.entries(report.checks).map(([name, c]) => ({ name, state: c.ok ? 'ok' : 'down', error: c.error, facts: facts(c) }));
    // Readiness has no probe of WeCom (its token is fetched when first needed): shown as configured or not.
    if (!('wecom' in report.checks)) checks.push({ name: 'wecom', state: deps.wecom ? 'ok' : 'off', error: undefined, facts: '' });
    return kit.render(request, reply, 'admin-dashboard', {
      title: t('admin.dashboard.title'),
      status: report.status,
      checks,
      sms: {
        used: smsUsed,
        size: deps.smsBudget.size,
        svg: gauge(smsUsed, deps.smsBudget.size, t('admin.dashboard.sms', { used: smsUsed, size: deps.smsBudget.size })),
      },
      live,
      charts,
      firstDay: days[0],
      lastDay: days.at(-1),
      section: 'dashboard',
    });
  });
}

function facts(check: Record<string, unknown>): string {
  return Object.entries(check)
    .filter(([k]) => k !== 'ok' && k !== 'error' && k !== 'ms')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}
