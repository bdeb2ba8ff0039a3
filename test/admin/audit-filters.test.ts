// The audit pages filtered by address and by type (migration 0011_audit_filters indexes both, for issue 17's
// million-event log): paging through a filter gives exactly the matching events, newest first, each once, whatever
// index the database walks; and on SQLite the filter is answered from its index, not by walking the whole log.
import { CompiledQuery } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditFilter, readAuditPage } from '../../src/admin/audit.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { databaseBackends } from '../support/database-backends.js';

const backends = await databaseBackends();

const TYPES = ['login.success', 'login.failure', 'logout', 'user.disabled'];
const IPS = ['10.0.0.1', '10.0.0.2', '2001:db8::7', null];
const START = Date.parse('2026-11-01T00:00:00Z');

/** 600 events: several in the same millisecond (the cursor's tie-break on id), ids not in time order within one. */
function events() {
  return Array.from({ length: 600 }, (_, i) => ({
    id: `ev-${String((i * 7919) % 600).padStart(4, '0')}`,
    at: START + Math.floor(i / 3) * 1000,
    type: TYPES[(i * 13) % TYPES.length]!,
    user_id: i % 5 === 0 ? null : `user-${i % 7}`,
    ip: IPS[Math.floor(i / 4) % IPS.length] ?? null,
    user_agent: null,
    detail: JSON.stringify({ n: i }),
  }));
}

/** Every page of a filter, seven events at a time, through the cursors the pages give. */
async function allPages(db: Db, filter: Omit<AuditFilter, 'limit' | 'before'>): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 200; pages++) {
    const page = await readAuditPage(db, { ...filter, before, limit: 7 });
    out.push(...page.events);
    if (page.next === null) return out;
    before = page.next;
  }
  throw new Error('paging did not end');
}

describe.each(backends)('audit pages filtered by address and type on $name', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  const rows = events();
  const expected = (keep: (r: (typeof rows)[number]) => boolean) =>
    rows
      .filter(keep)
      .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
      .map((r) => r.id);

  beforeEach(async () => {
    ({ db, close } = await backend.open());
    await db.insertInto('audit_events').values(rows).execute();
  });
  afterEach(() => close());

  it.each([
    ['an address', { ip: '10.0.0.2' }, (r: (typeof rows)[number]) => r.ip === '10.0.0.2'],
    ['an IPv6 address', { ip: '2001:db8::7' }, (r: (typeof rows)[number]) => r.ip === '2001:db8::7'],
    ['a type', { type: 'user.disabled' }, (r: (typeof rows)[number]) => r.type === 'user.disabled'],
    [
      'a type and an address',
      { type: 'login.failure', ip: '10.0.0.1' },
      (r: (typeof rows)[number]) => r.type === 'login.failure' && r.ip === '10.0.0.1',
    ],
    ['an account and a type', { userId: 'user-3', type: 'logout' }, (r: (typeof rows)[number]) => r.user_id === 'user-3' && r.type === 'logout'],
    [
      'a type in a time window',
      { type: 'login.success', since: START + 20_000, until: START + 150_000 },
      (r: (typeof rows)[number]) => r.type === 'login.success' && r.at >= START + 20_000 && r.at < START + 150_000,
    ],
  ])('by %s: every matching event once, newest first', async (_, filter, keep) => {
    const want = expected(keep);
    expect(want.length).toBeGreaterThan(7); // more than one page
    const got = await allPages(db, filter);
    expect(got.map((e) => e.id)).toEqual(want);
    expect(got.every((e) => keep({ ...rows.find((r) => r.id === e.id)! }))).toBe(true);
  });

  it('an address with no events gives an empty page', async () => {
    expect(await readAuditPage(db, { ip: '192.0.2.1', limit: 10 })).toEqual({ events: [], next: null });
  });
});

describe('the audit filters on SQLite', () => {
  let db: Db;
  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
  });
  afterEach(() => db.destroy());

  /** SQLite's plan for the page query readAuditPage runs with this filter (captured by a Kysely plugin). */
  async function planOf(filter: { ip?: string; type?: string }): Promise<string> {
    const compiled: CompiledQuery[] = [];
    const recording = db.withPlugin({
      transformQuery(args) {
        compiled.push(db.getExecutor().compileQuery(args.node, args.queryId));
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    await readAuditPage(recording, { ...filter, limit: 10 });
    const query = compiled[0]!;
    const plan = await db.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${query.sql}`, [...query.parameters]));
    return plan.rows.map((r) => r.detail).join('; ');
  }

  it('finds an address through audit_events_ip and a type through audit_events_type', async () => {
    expect(await planOf({ ip: '10.0.0.1' })).toMatch(/USING INDEX audit_events_ip \(ip=\?\)/);
    expect(await planOf({ type: 'logout' })).toMatch(/USING INDEX audit_events_type \(type=\?\)/);
  });
});
