/**
 * The one deletion of an account (users/deletion.ts) on SQLite and PostgreSQL: what goes, what the audit log keeps
 * (a pseudonym, the kept detail fields), that single logout is told under the pseudonym, and that a failure part-way
 * leaves the account exactly as it was (one transaction).
 */
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqlAuditLog } from '../../src/audit/audit-log.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { createTicketFactory } from '../../src/tickets/factory.js';
import { MemoryTicketRegistry } from '../../src/tickets/memory-registry.js';
import type { EndedSession } from '../../src/tickets/sessions.js';
import { createSsoSessions } from '../../src/tickets/sessions.js';
import { createPhoneAppeals } from '../../src/users/appeals.js';
import { createAccountDeletion } from '../../src/users/deletion.js';
import { createIdentityStore } from '../../src/users/identities.js';
import { SqlUserStore } from '../../src/users/store.js';
import type { User } from '../../src/users/types.js';
import { ManualClock } from '../support/clock.js';
import { postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';

interface Backend {
  name: string;
  open(): Promise<{ db: Db; close(): Promise<void> }>;
  /** Makes every UPDATE of audit_events fail, as a broken disk or a lost connection part-way would. */
  breakAuditUpdates(db: Db): Promise<void>;
}

const backends: Backend[] = [
  {
    name: 'SQLite in memory',
    async open() {
      const { db } = openDatabase('sqlite::memory:');
      await migrateToLatest(db);
      return { db, close: () => db.destroy() };
    },
    async breakAuditUpdates(db) {
      await sql`create trigger refuse_update before update on audit_events begin select raise(abort, 'audit is read-only'); end`.execute(db);
    },
  },
];
if (requireServer('PostgreSQL', await postgresAvailable()))
  backends.push({
    name: 'PostgreSQL',
    async open() {
      const schema = await withPostgresSchema();
      return { db: schema.db, close: schema.cleanup };
    },
    async breakAuditUpdates(db) {
      await sql`create function refuse_update() returns trigger as $$ begin raise exception 'audit is read-only'; end $$ language plpgsql`.execute(
        db,
      );
      await sql`create trigger refuse_update before update on audit_events for each row execute function refuse_update()`.execute(db);
    },
  });

describe.each(backends)('deleting an account on $name', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let told: EndedSession[];
  let user: User;

  beforeEach(async () => {
    ({ db, close } = await backend.open());
    clock = new ManualClock(Date.parse('2026-05-01T08:00:00Z'));
    told = [];
    user = await new SqlUserStore(db, clock).create({
      username: 'mei',
      password: 'Mei-pass-2024',
      phone: '+8613811112222',
      displayName: '王美',
      attributes: { mail: ['mei@example.org'] },
    });
    const identities = createIdentityStore(db, clock);
    await db
      .insertInto('identities')
      .values({
        id: 'i-1',
        user_id: user.id,
        provider: 'wechat',
        app_id: 'wx1',
        openid: 'o-mei',
        unionid: null,
        profile: '{}',
        created_at: clock.now(),
        last_login_at: null,
      })
      .execute();
    expect(await identities.listForUser(user.id)).toHaveLength(1);
    await db
      .insertInto('second_factors')
      .values({ user_id: user.id, totp_secret: 'sealed', totp_last_step: null, created_at: clock.now() })
      .execute();
    await db.insertInto('recovery_codes').values({ user_id: user.id, code_hash: 'h1' }).execute();
    await createPhoneAppeals(db, clock).create({
      userId: user.id,
      oldPhone: '+8613811112222',
      newPhone: '+8613899990000',
      reason: 'lost it',
      ip: null,
    });
    const audit = createSqlAuditLog(db, clock);
    const client = { ip: '192.0.2.7', userAgent: 'Firefox' };
    await audit.record({ type: 'login.success', userId: user.id, method: 'password', service: 'App', client });
    await audit.record({ type: 'phone.changed', userId: user.id, from: '+86138****2222', to: '+86138****0000', by: 'code', client });
    await audit.record({ type: 'login.failure', method: 'password', reason: 'invalid_credentials', username: 'MEI', client });
    await audit.record({ type: 'sms.sent', phone: '+86138****2222', purpose: 'login', provider: 'console' });
    await audit.record({ type: 'login.failure', method: 'password', reason: 'invalid_credentials', username: 'someone-else', client });
  });
  afterEach(() => close());

  function deletion() {
    const sessions = createSsoSessions({
      registry: new MemoryTicketRegistry(clock),
      factory: createTicketFactory({
        clock,
        policy: { serviceTicketMs: 10_000, proxyTicketMs: 10_000, tgtHardMs: 8 * 3600_000, tgtIdleMs: 7200_000 },
      }),
      clock,
      onEnded: async (ended) => {
        told.push(ended);
        return { frontChannelUrls: [] };
      },
    });
    const forgotten: string[] = [];
    const made = createAccountDeletion({
      db,
      clock,
      sessions,
      audit: createSqlAuditLog(db, clock),
      forget: [async (u) => void forgotten.push(u.id)],
    });
    return { made, sessions, forgotten };
  }

  const count = async (table: 'users' | 'identities' | 'second_factors' | 'recovery_codes' | 'phone_appeals') =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('removes the record and everything hung on it, and re-keys its events to a pseudonym without personal details', async () => {
    const { made, sessions, forgotten } = deletion();
    await sessions.start({ userId: user.id, principal: 'mei', method: 'password', authTime: clock.now() });
    const result = await made.delete(user, { via: 'account', client: { ip: '192.0.2.7', userAgent: 'Firefox' } });
    expect(result).toMatchObject({ wechat: 1, wecom: 0, sessions: 1 });
    for (const table of ['users', 'identities', 'second_factors', 'recovery_codes', 'phone_appeals'] as const) expect(await count(table)).toBe(0);
    expect(told.map((e) => e.tgt.userId)).toEqual([result!.pseudonym]);
    expect(forgotten).toEqual([user.id]);

    const rows = await db.selectFrom('audit_events').select(['type', 'user_id', 'ip', 'detail']).orderBy('id').execute();
    expect(rows.map((r) => [r.type, r.user_id === result!.pseudonym ? 'P' : r.user_id, r.ip, JSON.parse(r.detail)])).toEqual([
      ['login.success', 'P', '192.0.2.7', { method: 'password', service: 'App' }],
      ['phone.changed', 'P', '192.0.2.7', { by: 'code' }],
      ['login.failure', 'P', '192.0.2.7', { method: 'password', reason: 'invalid_credentials' }],
      ['sms.sent', null, null, { purpose: 'login', provider: 'console' }],
      ['login.failure', null, '192.0.2.7', { method: 'password', reason: 'invalid_credentials', username: 'someone-else' }],
      ['user.deleted', 'P', '192.0.2.7', { via: 'account', wechat: 1, wecom: 0, sessions: 1 }],
    ]);
    expect(await made.delete(user, { via: 'cli' })).toBeUndefined();
  });

  it('leaves the account exactly as it was when a step fails part-way', async () => {
    await backend.breakAuditUpdates(db);
    const { made } = deletion();
    await expect(made.delete(user, { via: 'account' })).rejects.toThrow(/audit is read-only/);
    for (const table of ['users', 'identities', 'second_factors', 'recovery_codes', 'phone_appeals'] as const) expect(await count(table)).toBe(1);
    expect(await new SqlUserStore(db, clock).findById(user.id)).toMatchObject({ username: 'mei', phone: '+8613811112222', displayName: '王美' });
    const keyed = await db.selectFrom('audit_events').select('type').where('user_id', '=', user.id).execute();
    expect(keyed).toHaveLength(2);
    expect(told).toEqual([]);
  });
});
