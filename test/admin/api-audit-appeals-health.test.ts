// The audit log, phone-change appeals, health and usage, roles and tokens over the admin API.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/admin/csv.js';
import { type AdminApi, auditEvents, openAdminApi } from './api-harness.js';

let api: AdminApi;
let admin: { secret: string; userId: string };
let desk: { secret: string; userId: string };

beforeEach(async () => {
  api = await openAdminApi();
  admin = await api.token('admin', 'root');
  desk = await api.token('helpdesk', 'desk');
});
afterEach(() => api.close());

type Events = {
  events: Array<{ type: string; at: number; ip: string | null; username: string | null; detail: Record<string, unknown> }>;
  next: string | null;
};

describe('the audit log over the admin API', () => {
  beforeEach(async () => {
    const alice = await api.wecas.users.create({ username: 'alice', password: 'pw-alice-1' });
    for (let i = 0; i < 12; i++) {
      api.clock.advance(60_000);
      await api.wecas.audit.record({
        type: i % 3 === 0 ? 'login.failure' : 'login.success',
        userId: alice.id,
        method: 'password',
        ...(i % 3 === 0 ? { reason: 'invalid_credentials' } : {}),
        client: { ip: i < 6 ? '10.0.0.1' : '10.0.0.2', userAgent: 'test' },
      } as Parameters<typeof api.wecas.audit.record>[0]);
    }
    await api.wecas.audit.record({ type: 'logout', userId: alice.id, client: { ip: '10.0.0.3', userAgent: '=HYPERLINK("x")' } });
  });

  it('filters by account, type, time and IP, newest first, in keyset pages', async () => {
    const get = async (query: string) => (await api.call(desk.secret, 'GET', `/audit?${query}`)).json() as Events;
    expect((await get('account=alice&type=login.failure')).events.map((e) => e.type)).toEqual(Array(4).fill('login.failure'));
    expect((await get('account=alice&ip=10.0.0.2')).events).toHaveLength(6);
    const since = new Date(Date.UTC(2026, 10, 25, 9, 30) + 10 * 60_000).toISOString();
    const until = new Date(Date.UTC(2026, 10, 25, 9, 30) + 12 * 60_000).toISOString();
    expect((await get(`account=alice&since=${since}&until=${until}`)).events.map((e) => e.at - Date.UTC(2026, 10, 25, 9, 30))).toEqual([
      660_000, 600_000,
    ]);

    const seen: number[] = [];
    let before: string | null = null;
    do {
      const page: Events = await get(`account=alice&limit=5${before ? `&before=${before}` : ''}`);
      seen.push(...page.events.map((e) => e.at));
      before = page.next;
    } while (before);
    expect(seen).toHaveLength(13);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    const bad = await api.call(desk.secret, 'GET', '/audit?before=nonsense');
    expect({ status: bad.statusCode, error: bad.json().error }).toEqual({ status: 400, error: 'invalid_cursor' });
    const badTime = await api.call(desk.secret, 'GET', '/audit?since=yesterday');
    expect({ status: badTime.statusCode, error: badTime.json().error }).toEqual({ status: 400, error: 'invalid_request' });
  });

  it("finds a deleted account's events by the pseudonym they now carry", async () => {
    const pseudonym = 'deleted-AbCdEfGhIjKlMnOpQrSt';
    await api.wecas.audit.record({ type: 'logout', userId: pseudonym, client: { ip: '10.0.0.9', userAgent: null } });
    const found = (await api.call(desk.secret, 'GET', `/audit?account=${pseudonym}`)).json() as Events;
    expect(found.events.map((e) => [e.type, e.ip])).toEqual([['logout', '10.0.0.9']]);
  });

  it('exports CSV a spreadsheet opens safely, and audits the export naming the operator', async () => {
    const csv = await api.call(desk.secret, 'GET', '/audit.csv?account=alice');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="wecas-audit.csv"');
    const rows = parseCsv(csv.body).map((r) => r.cells);
    expect(rows[0]).toEqual(['time', 'type', 'account_id', 'login', 'ip', 'user_agent', 'detail']);
    expect(rows).toHaveLength(14);
    expect(rows[1]).toEqual([
      expect.stringMatching(/^2026-11-25T09:42:00/),
      'logout',
      expect.any(String),
      'alice',
      '10.0.0.3',
      `'=HYPERLINK("x")`,
      '{}',
    ]);
    expect(JSON.parse(rows[2]![6]!)).toEqual({ method: 'password' });
    expect((await auditEvents(api.wecas, 'audit.exported')).map((e) => e.detail)).toEqual([{ via: 'api', rows: 13, admin: desk.userId }]);
  });
});

describe('appeals over the admin API', () => {
  it('lists the appeals waiting, approves one (the number changes) and rejects another, naming the operator', async () => {
    const carol = await api.wecas.users.create({ username: 'carol', password: 'pw-carol-1', phone: '+8613900000001' });
    const dave = await api.wecas.users.create({ username: 'dave', password: 'pw-dave-1', phone: '+8613900000002' });
    const a1 = await api.wecas.phoneAppeals.create({
      userId: carol.id,
      oldPhone: carol.phone,
      newPhone: '+8613900000011',
      reason: 'lost it',
      ip: null,
    });
    api.clock.advance(1000);
    const a2 = await api.wecas.phoneAppeals.create({ userId: dave.id, oldPhone: dave.phone, newPhone: '+8613900000022', reason: '?', ip: null });
    const waiting = (await api.call(desk.secret, 'GET', '/appeals')).json() as { appeals: Array<{ id: string; account: string }> };
    expect(waiting.appeals.map((a) => [a.id, a.account])).toEqual([
      [a1.id, 'carol'],
      [a2.id, 'dave'],
    ]);
    const approved = await api.call(desk.secret, 'POST', `/appeals/${a1.id}/approve`);
    expect(approved.json()).toMatchObject({ id: a1.id, status: 'approved', decidedBy: desk.userId });
    expect((await api.wecas.users.findById(carol.id))?.phone).toBe('+8613900000011');
    expect((await api.call(desk.secret, 'POST', `/appeals/${a2.id}/reject`)).json()).toMatchObject({ status: 'rejected' });
    expect((await api.wecas.users.findById(dave.id))?.phone).toBe('+8613900000002');
    const twice = await api.call(desk.secret, 'POST', `/appeals/${a2.id}/approve`);
    expect({ status: twice.statusCode, body: twice.json() }).toEqual({
      status: 409,
      body: { error: 'refused', reason: 'appeal_not_waiting', message: `no appeal ${a2.id} is waiting for a decision` },
    });
    expect((await api.call(desk.secret, 'POST', '/appeals/nope/approve')).statusCode).toBe(404);
    expect((await api.call(desk.secret, 'GET', '/appeals')).json()).toEqual({ appeals: [] });
    expect(((await api.call(desk.secret, 'GET', '/appeals?status=all')).json() as { appeals: unknown[] }).appeals).toHaveLength(2);
    expect((await auditEvents(api.wecas, 'phone.appeal_decided')).map((e) => e.detail)).toEqual([
      { appealId: a1.id, decision: 'approved', via: 'api', admin: desk.userId },
      { appealId: a2.id, decision: 'rejected', via: 'api', admin: desk.userId },
    ]);
  });
});

describe('health and usage over the admin API', () => {
  it('reports the checks, SMS sent today against the budget, live sessions and sign-ins per method per day', async () => {
    const user = await api.wecas.users.create({ username: 'erin', password: 'pw-erin-1' });
    await api.wecas.audit.record({ type: 'login.success', userId: user.id, method: 'password' });
    await api.wecas.audit.record({ type: 'login.success', userId: user.id, method: 'wechat' });
    api.clock.advance(86_400_000);
    await api.wecas.audit.record({ type: 'login.success', userId: user.id, method: 'password' });
    await api.wecas.sessions.start({ userId: user.id, principal: 'erin', method: 'password', authTime: api.clock.now() });
    const sent = await api.wecas.sms.codes.send({ phone: '+8613900000099', purpose: 'login', ip: '10.0.0.9', browser: 'b-1' });
    expect(sent).toMatchObject({ ok: true });
    const report = (await api.call(desk.secret, 'GET', '/health?days=3')).json();
    expect(report).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, wechat: { configured: false }, wecom: { configured: false }, sms: { provider: 'console' } },
      sms: { sentToday: 1, dailyBudget: 5000 },
      liveSessions: 1,
      signIns: [
        { day: '2026-11-24', counts: {} },
        { day: '2026-11-25', counts: { password: 1, wechat: 1 } },
        { day: '2026-11-26', counts: { password: 1 } },
      ],
    });
    const tooLong = await api.call(desk.secret, 'GET', '/health?days=400');
    expect({ status: tooLong.statusCode, error: tooLong.json().error }).toEqual({ status: 400, error: 'invalid_request' });
  });
});

describe('roles and tokens over the admin API', () => {
  it('grants a role, makes a token shown once that works, revokes both; a helpdesk operator may do none of it', async () => {
    await api.wecas.users.create({ username: 'fay', password: 'pw-fay-1' });
    expect((await api.call(desk.secret, 'PUT', '/roles/fay', { role: 'helpdesk' })).statusCode).toBe(403);
    expect((await api.call(admin.secret, 'PUT', '/roles/fay', { role: 'helpdesk' })).json()).toMatchObject({ role: 'helpdesk', before: null });
    const made = await api.call(admin.secret, 'POST', '/tokens', { account: 'fay', name: 'fay desk', role: 'helpdesk', days: 7 });
    expect(made.statusCode).toBe(201);
    const { token, secret } = made.json() as { token: { id: string }; secret: string };
    expect((await api.call(secret, 'GET', '/audit?limit=1')).statusCode).toBe(200);
    const listed = await api.call(admin.secret, 'GET', '/tokens?account=fay');
    expect(listed.body).not.toContain(secret);
    expect((await api.call(admin.secret, 'DELETE', `/tokens/${token.id}`)).json()).toMatchObject({ id: token.id, revokedAt: api.clock.now() });
    expect((await api.call(secret, 'GET', '/audit?limit=1')).json().error).toBe('revoked_token');
    expect((await api.call(admin.secret, 'DELETE', '/roles/fay')).json()).toMatchObject({ revoked: 'helpdesk' });
    const granted = (await auditEvents(api.wecas, 'admin.granted')).filter((e) => e.detail.via === 'api');
    expect(granted.map((e) => e.detail)).toEqual([{ via: 'api', role: 'helpdesk', admin: admin.userId }]);
  });
});
