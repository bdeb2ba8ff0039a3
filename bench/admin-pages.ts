// Issue 17's page-size bench: with 100 000 accounts and 1 000 000 audit events, every list page of the admin
// console and of the admin REST API answers within 200 ms, however deep. A compiled SQLite node is filled over
// IPC (bench/admin-data.ts), then each page is requested over HTTP, one request at a time, as a signed-in
// administrator: the console with its cookie session (signed in through wecas's own login, as a browser does),
// the API with a personal token.
import { performance } from 'node:perf_hooks';
import type { AdminSample } from './admin-data.js';
import type { WecasNode } from './nodes.js';
import { fmtMs, type Row } from './table.js';

export const ADMIN_DATA = { accounts: 100_000, events: 1_000_000 };
const TARGET_MS = 200;
const ADMIN_LOGIN = 'bench-admin';
const ADMIN_PASSWORD = 'bench-admin-password-1';

interface Page {
  name: string;
  path: string;
  /** How many rows the answer holds (to show the page was a real one). */
  rows(body: string): number;
}

/** The audit pages' cursor: the (at, id) of the last event shown, as src/admin/audit.ts writes it. */
const auditCursor = (e: { at: number; id: string }) => Buffer.from(JSON.stringify([e.at, e.id])).toString('base64url');
const jsonRows = (key: string) => (body: string) => (JSON.parse(body) as Record<string, unknown[]>)[key]!.length;
const htmlRows = (body: string) => (body.match(/<tr[\s>]/g)?.length ?? 1) - 1;
const csvRows = (body: string) => body.trimEnd().split('\n').length - 1;

function apiPages(s: AdminSample): Page[] {
  const api = '/admin/api/v1';
  const accounts = jsonRows('accounts');
  const events = jsonRows('events');
  const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
  return [
    { name: 'accounts, first page', path: `${api}/accounts?limit=50`, rows: accounts },
    { name: 'accounts, deep page (after 90 %)', path: `${api}/accounts?${q({ limit: '50', after: s.deepAccountAfter })}`, rows: accounts },
    { name: 'accounts by login prefix', path: `${api}/accounts?${q({ login: s.loginPrefix })}`, rows: accounts },
    { name: 'accounts by whole phone', path: `${api}/accounts?${q({ phone: s.phone })}`, rows: accounts },
    { name: 'accounts by part of the name', path: `${api}/accounts?${q({ name: s.namePart })}`, rows: accounts },
    { name: 'audit, first page', path: `${api}/audit?limit=100`, rows: events },
    { name: 'audit, deep page (90 % back)', path: `${api}/audit?${q({ limit: '100', before: auditCursor(s.deepEvent) })}`, rows: events },
    { name: 'audit by type', path: `${api}/audit?${q({ type: s.type })}`, rows: events },
    { name: 'audit by IP', path: `${api}/audit?${q({ ip: s.ip })}`, rows: events },
    { name: 'audit by account', path: `${api}/audit?${q({ account: s.login })}`, rows: events },
    { name: 'audit CSV, one page', path: `${api}/audit.csv?limit=100`, rows: csvRows },
  ];
}

function consolePages(s: AdminSample): Page[] {
  const q = (o: Record<string, string>) => new URLSearchParams(o).toString();
  return [
    { name: 'accounts, first page', path: '/admin/accounts', rows: htmlRows },
    { name: 'accounts, deep page (after 90 %)', path: `/admin/accounts?${q({ after: s.deepAccountAfter })}`, rows: htmlRows },
    { name: 'accounts by login prefix', path: `/admin/accounts?${q({ q: s.loginPrefix })}`, rows: htmlRows },
    { name: 'accounts by whole phone', path: `/admin/accounts?${q({ q: s.phone })}`, rows: htmlRows },
    { name: 'accounts by part of the name', path: `/admin/accounts?${q({ q: s.namePart })}`, rows: htmlRows },
    { name: 'audit, first page', path: '/admin/audit', rows: htmlRows },
    { name: 'audit, deep page (90 % back)', path: `/admin/audit?${q({ cursor: auditCursor(s.deepEvent) })}`, rows: htmlRows },
    { name: 'audit by type', path: `/admin/audit?${q({ type: s.type })}`, rows: htmlRows },
    { name: 'audit by IP', path: `/admin/audit?${q({ ip: s.ip })}`, rows: htmlRows },
    { name: 'audit CSV of one account', path: `/admin/audit.csv?${q({ account: s.login })}`, rows: csvRows },
  ];
}

/** A client that keeps cookies, as a browser does for one origin (enough for wecas's login and the console). */
class CookieClient {
  private readonly jar = new Map<string, string>();
  constructor(private readonly base: string) {}

  async request(path: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { cookie: [...this.jar].map(([k, v]) => `${k}=${v}`).join('; '), 'accept-language': 'en' };
    const body = init.form ? new URLSearchParams(init.form).toString() : undefined;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(new URL(path, this.base), { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const [name, value] = [pair!.slice(0, at).trim(), pair!.slice(at + 1).trim()];
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

/** /admin/login → wecas's login with renew (password form) → its continuation → the console's callback. */
async function consoleSignIn(base: string, password: string): Promise<CookieClient> {
  const client = new CookieClient(base);
  const expectStatus = async (res: Response, status: number, step: string) => {
    if (res.status !== status) throw new Error(`console sign-in, ${step}: ${res.status} ${(await res.text()).slice(0, 300)}`);
    return res;
  };
  const start = await expectStatus(await client.request('/admin/login?lang=en'), 302, '/admin/login');
  const login = new URL(start.headers.get('location')!, base);
  const form = await expectStatus(await client.request(login.pathname + login.search), 200, 'the login form');
  const execution = /name="execution" value="([^"]+)"/.exec(await form.text())?.[1];
  if (!execution) throw new Error('console sign-in: no execution token in the login form');
  const posted = await expectStatus(
    await client.request(login.pathname + login.search, { method: 'POST', form: { execution, username: ADMIN_LOGIN, password } }),
    303,
    'posting the password',
  );
  const granted = await expectStatus(await client.request(posted.headers.get('location')!), 302, 'the continuation');
  const callback = new URL(granted.headers.get('location')!);
  // The callback sets the console's cookie and answers with a page that refreshes to /admin/ (a SameSite=Strict
  // cookie set on a cross-site navigation is only sent from the next one on).
  await expectStatus(await client.request(callback.pathname + callback.search), 200, 'the callback');
  const home = await client.request('/admin/accounts');
  if (home.status !== 200) throw new Error(`console sign-in: /admin/accounts answered ${home.status} after the callback`);
  return client;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

/** One warm-up request, then `n` timed one after another; every answer must be a 200 with rows. */
async function timePage(send: (path: string) => Promise<Response>, page: Page, n: number) {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    const res = await send(page.path);
    const body = await res.text();
    const ms = performance.now() - t0;
    if (res.status !== 200) throw new Error(`${page.path}: ${res.status} ${body.slice(0, 300)}`);
    rows = page.rows(body);
    if (i > 0) times.push(ms);
  }
  times.sort((a, b) => a - b);
  return { median: percentile(times, 50), p99: percentile(times, 99), rows };
}

/** Fills the node, signs in both ways, times every page; one table row per page. */
export async function adminPageRows(node: WecasNode, options: { requests: number; log(line: string): void }): Promise<Row[]> {
  const { log } = options;
  const t0 = performance.now();
  const sample = await node.child.call<AdminSample>('fillAdmin', ADMIN_DATA);
  log(`  filled ${ADMIN_DATA.accounts} accounts and ${ADMIN_DATA.events} audit events in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  const { secret } = await node.child.call<{ secret: string }>('admin', { username: ADMIN_LOGIN, password: ADMIN_PASSWORD });
  const consoleClient = await consoleSignIn(node.url, ADMIN_PASSWORD);
  const api = (path: string) => fetch(new URL(path, node.url), { headers: { authorization: `Bearer ${secret}` } });
  const viaConsole = (path: string) => consoleClient.request(path);
  const rows: Row[] = [];
  for (const [where, pages, send] of [
    ['API', apiPages(sample), api],
    ['console', consolePages(sample), viaConsole],
  ] as const) {
    for (const page of pages) {
      const m = await timePage(send, page, options.requests);
      log(`  ${where}: ${page.name}: median ${fmtMs(m.median)}, p99 ${fmtMs(m.p99)}, ${m.rows} rows`);
      rows.push({
        scenario: `admin ${where}: ${page.name}`,
        wecas: `${m.rows} row${m.rows === 1 ? '' : 's'}`,
        bare: '',
        ratio: '',
        p50: fmtMs(m.median),
        p99: fmtMs(m.p99),
        cpu: '',
        target: `< ${TARGET_MS} ms`,
        verdict: m.p99 < TARGET_MS ? 'met' : 'MISSED',
        command: 'npm run bench -- --only admin-pages',
        notes: `${options.requests} requests, one at a time`,
      });
    }
  }
  return rows;
}
