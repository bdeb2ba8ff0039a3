// `wecas audit` filters (user by name or id, type, since as ISO or age, limit) and retention pruning.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqlAuditLog } from '../../src/audit/audit-log.js';
import { pruneAuditEvents, queryAuditEvents } from '../../src/audit/queries.js';
import { parseSince, runAuditCommand } from '../../src/cli/audit-commands.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let db: Db;
let clock: ManualClock;
let printed: string[];
let aliceId: string;

async function run(...args: string[]) {
  printed = [];
  const code = await runAuditCommand(args, { db, clock, print: (line) => printed.push(line) });
  return { code, printed };
}

beforeEach(async () => {
  db = openDatabase('sqlite::memory:').db;
  await migrateToLatest(db);
  clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
  aliceId = (await new SqlUserStore(db, clock).create({ username: 'alice', password: 'pw-alice-123' })).id;
  const audit = createSqlAuditLog(db, clock);
  await audit.record({ type: 'login.failure', method: 'password', reason: 'invalid_credentials', client: { ip: '192.0.2.1', userAgent: null } });
  clock.advance(DAY);
  await audit.record({ type: 'login.success', userId: aliceId, method: 'password', client: { ip: '192.0.2.1', userAgent: null } });
  clock.advance(HOUR);
  await audit.record({
    type: 'ticket.validated',
    userId: aliceId,
    endpoint: 'p3/serviceValidate',
    serviceId: 1,
    kind: 'ST',
    client: { ip: '192.0.2.9', userAgent: null },
  });
  clock.advance(HOUR);
  await audit.record({ type: 'logout', userId: 'deleted-user-id', client: { ip: '192.0.2.2', userAgent: null } });
});
afterEach(async () => db.destroy());

describe('wecas audit', () => {
  it('lists events newest first with time, type, username, IP and detail', async () => {
    const { code, printed } = await run();
    expect(code).toBe(0);
    expect(printed).toHaveLength(4);
    expect(printed[0]).toMatch(/^2026-03-02T14:00:00\.000Z {2}logout +deleted-user-id {2}192\.0\.2\.2$/);
    expect(printed[1]).toContain('ticket.validated');
    expect(printed[1]).toContain('  alice  192.0.2.9  {"endpoint":"p3/serviceValidate","serviceId":1,"kind":"ST"}');
    expect(printed[3]).toMatch(/^2026-03-01T12:00:00\.000Z {2}login\.failure +- {2}192\.0\.2\.1/);
  });

  it('--user takes a username (any case) or an id', async () => {
    expect((await run('--user', 'Alice')).printed).toHaveLength(2);
    expect((await run('--user', aliceId)).printed).toHaveLength(2);
    expect((await run('--user', 'deleted-user-id')).printed).toHaveLength(1);
  });

  it('--type, --since (age or ISO) and --limit narrow the list', async () => {
    expect((await run('--type', 'login.success')).printed).toEqual([expect.stringContaining('login.success')]);
    expect((await run('--since', '90m')).printed).toHaveLength(2);
    expect((await run('--since', '2026-03-02T00:00:00Z')).printed).toHaveLength(3);
    expect((await run('--limit', '1')).printed).toEqual([expect.stringContaining('logout')]);
    expect((await run('--type', 'sms.sent')).printed).toEqual(['no matching audit events']);
  });

  it('--json prints one JSON object per line', async () => {
    const { printed } = await run('--json', '--limit', '2', '--user', 'alice');
    const events = printed.map((l) => JSON.parse(l));
    expect(events[0]).toMatchObject({
      type: 'ticket.validated',
      username: 'alice',
      userId: aliceId,
      at: '2026-03-02T13:00:00.000Z',
      detail: { kind: 'ST' },
    });
  });

  it('refuses a bad --since, --limit or unknown option with the usage and exit code 2', async () => {
    for (const args of [['--since', 'yesterday'], ['--limit', '0'], ['--limit', 'many'], ['--colour']]) {
      const { code, printed } = await run(...args);
      expect(code).toBe(2);
      expect(printed[0]).toMatch(/^error: /);
      expect(printed.join('\n')).toContain('usage:');
    }
  });

  it('parseSince reads ages in s, m, h, d', () => {
    const now = 1_000_000_000;
    expect(parseSince('45s', now)).toBe(now - 45_000);
    expect(parseSince('7d', now)).toBe(now - 7 * DAY);
  });
});

describe('audit retention', () => {
  it('pruneAuditEvents deletes events older than the cut-off and keeps the rest', async () => {
    expect(await pruneAuditEvents(db, Date.parse('2026-03-02T12:30:00Z'))).toBe(2);
    const left = await queryAuditEvents(db, { limit: 10 });
    expect(left.map((e) => e.type)).toEqual(['logout', 'ticket.validated']);
  });

  it('prunes across several batches', async () => {
    const audit = createSqlAuditLog(db, clock);
    await Promise.all(Array.from({ length: 2500 }, () => audit.record({ type: 'ticket.proxied', serviceId: 1, depth: 1 })));
    expect(await pruneAuditEvents(db, clock.now() + 1)).toBe(2504);
    expect(await queryAuditEvents(db, { limit: 10 })).toEqual([]);
  });
});
