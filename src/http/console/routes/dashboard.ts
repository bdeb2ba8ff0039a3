import type { FastifyInstance } from 'fastify';
import type { Usage } from '../../../admin/usage.js';
import { barChart, gauge } from '../charts.js';
import type { ConsoleKit } from '../kit.js';

/** Days of sign-ins the dashboard draws. */
const DAYS = 14;

/**
 * The console's first page: health, SMS today against the budget, live sessions, sign-ins per method per day, from
 * the same report as the admin API's /health (admin/usage.ts).
 */
export function registerDashboard(app: FastifyInstance, deps: { kit: ConsoleKit; usage: Pick<Usage, 'report'>; wecom: boolean }): void {
  const { kit } = deps;
  app.get('/', async (request, reply) => {
    const t = kit.translate(request);
    const report = await deps.usage.report(DAYS);
    const methods = [...new Set(report.signIns.flatMap((d) => Object.keys(d.counts)))].sort();
    const charts = methods.map((method) => {
      const bars = report.signIns.map((d) => ({ label: d.day, value: d.counts[method] ?? 0 }));
      return {
        method,
        label: isKnownMethod(method) ? t(`admin.method.${method}`) : method,
        total: bars.reduce((n, b) => n + b.value, 0),
        svg: barChart(bars, { label: t('admin.dashboard.chart', { method }) }),
      };
    });
    const checks = Object.entries(report.checks).map(([name, c]) => ({
      name,
      // WeCom has no probe (its token is fetched when first needed): it is configured, or not.
      state: name === 'wecom' ? (deps.wecom ? 'ok' : 'off') : c.ok ? 'ok' : 'down',
      error: c.error,
      facts: name === 'wecom' ? '' : facts(c),
    }));
    const { sentToday, dailyBudget } = report.sms;
    return kit.render(request, reply, 'admin-dashboard', {
      title: t('admin.dashboard.title'),
      status: report.status,
      checks,
      sms: {
        used: sentToday,
        size: dailyBudget,
        svg: gauge(sentToday, dailyBudget, t('admin.dashboard.sms', { used: sentToday, size: dailyBudget })),
      },
      live: report.liveSessions,
      charts,
      firstDay: report.signIns[0]?.day,
      lastDay: report.signIns.at(-1)?.day,
      section: 'dashboard',
    });
  });
}

const METHODS = ['password', 'sms', 'wechat', 'wecom'] as const;
function isKnownMethod(method: string): method is (typeof METHODS)[number] {
  return (METHODS as readonly string[]).includes(method);
}

function facts(check: Record<string, unknown>): string {
  return Object.entries(check)
    .filter(([k]) => k !== 'ok' && k !== 'error' && k !== 'ms')
    .map(([k, v]) => `${k}: ${String(v)}`)
    .join(', ');
}
