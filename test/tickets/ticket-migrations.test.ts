// Migration 0012 moves service and proxy tickets out of `tickets` into `service_tickets`: a ticket issued before
// the upgrade validates after it, and one issued after goes back into `tickets` if the migration is undone.
// Migration 0013 keys a session's grants by service: the latest of several per service is kept, and undone, the
// grants are as the code before reads them.
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateTo, migrateToLatest } from '../../src/store/migrations.js';
import { newTicketId } from '../../src/tickets/ids.js';
import { SqlTicketRegistry } from '../../src/tickets/sql-registry.js';
import type { ProxyTicket, ServiceTicket, TicketGrantingTicket } from '../../src/tickets/types.js';
import { postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';

const BEFORE = '0011_audit_filters';
const BEFORE_GRANTS_BY_SERVICE = '0012_service_tickets';
const now = Date.now();
const clock = { now: () => now };

interface Opened {
  db: Db;
  /** Runs a migration step (PostgreSQL's test schemas take turns altering tables). */
  migrating(step: () => Promise<unknown>): Promise<void>;
  schema?: string;
  close(): Promise<void>;
}

const backends: Array<{ name: string; open(): Promise<Opened> }> = [
  {
    name: 'SQLite',
    async open() {
      const { db } = openDatabase('sqlite::memory:');
      await migrateToLatest(db);
      return { db, migrating: async (step) => void (await step()), close: () => db.destroy() };
    },
  },
];
if (requireServer('PostgreSQL', await postgresAvailable()))
  backends.push({
    name: 'PostgreSQL',
    async open() {
      const opened = await withPostgresSchema();
      return { db: opened.db, migrating: (step) => opened.alteringTables(step), schema: opened.schema, close: opened.cleanup };
    },
  });

function session(): TicketGrantingTicket {
  const id = newTicketId('TGT');
  return {
    kind: 'TGT',
    id,
    userId: 'u-alice',
    principal: 'alice',
    attributes: { mail: ['alice@example.org'] },
    method: 'password',
    authTime: now,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: now + 3_600_000,
    clientIp: '203.0.113.7',
  };
}

function serviceTicket(tgt: TicketGrantingTicket): ServiceTicket {
  return {
    kind: 'ST',
    id: newTicketId('ST'),
    tgtId: tgt.id,
    service: 'https://app.example.org/cas',
    serviceId: 1,
    fromNewLogin: true,
    createdAt: now,
    expiresAt: now + 10_000,
  };
}

function proxyTicket(tgt: TicketGrantingTicket): ProxyTicket {
  return {
    kind: 'PT',
    id: newTicketId('PT'),
    tgtId: tgt.id,
    pgtId: newTicketId('PGT'),
    service: 'https://backend.example.org/api',
    serviceId: 2,
    proxies: ['https://app.example.org/pgtCallback'],
    createdAt: now,
    expiresAt: now + 10_000,
  };
}

/** A ticket's row as the code before 0012 wrote it into `tickets`. */
const oldRow = (t: TicketGrantingTicket | ServiceTicket | ProxyTicket) => ({
  id: t.id,
  kind: t.kind,
  tgt_id: t.kind === 'TGT' ? t.id : t.tgtId,
  user_id: t.kind === 'TGT' ? t.userId : null,
  expires_at: t.expiresAt,
  data: JSON.stringify(t),
});

describe.each(backends)('migration 0012 (service tickets in a table of their own) on $name', (backend) => {
  let opened: Opened | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  it('moves the tickets issued before it, which then validate once, with their session', async () => {
    opened = await backend.open();
    const { db, schema } = opened;
    await opened.migrating(() => migrateTo(db, BEFORE, { schema }));
    const tgt = session();
    const st = serviceTicket(tgt);
    const pt = proxyTicket(tgt);
    // biome-ignore lint/suspicious/noExplicitAny: `tickets` as it was before 0012, which today's Database type no longer says
    await (db as any)
      .insertInto('tickets')
      .values([oldRow(tgt), oldRow(st), oldRow(pt)])
      .execute();

    let applied: string[] = [];
    await opened.migrating(async () => {
      applied = await migrateToLatest(db, { schema });
    });
    expect(applied).toEqual(['0012_service_tickets', '0013_grants_by_service']);
    const kinds = await db.selectFrom('tickets').select('kind').execute();
    expect(kinds.map((r) => r.kind)).toEqual(['TGT']);
    const registry = new SqlTicketRegistry(db, clock);
    expect(await registry.consumeWithSession(st.id)).toEqual({ ticket: st, tgt });
    expect(await registry.consumeWithSession(st.id)).toBeUndefined();
    expect(await registry.consumeWithSession(pt.id)).toEqual({ ticket: pt, tgt });
  });

  it('undone, puts the tickets issued since back where the code before it looks for them', async () => {
    opened = await backend.open();
    const { db, schema } = opened;
    const registry = new SqlTicketRegistry(db, clock);
    const tgt = session();
    const st = serviceTicket(tgt);
    await registry.add(tgt);
    await registry.add(st);

    await opened.migrating(() => migrateTo(db, BEFORE, { schema }));
    // biome-ignore lint/suspicious/noExplicitAny: `tickets` as it was before 0012
    const rows = await (db as any).selectFrom('tickets').select(['id', 'kind', 'tgt_id', 'data']).orderBy('kind').execute();
    expect(rows).toEqual([
      { id: st.id, kind: 'ST', tgt_id: tgt.id, data: JSON.stringify(st) },
      { id: tgt.id, kind: 'TGT', tgt_id: tgt.id, data: JSON.stringify(tgt) },
    ]);
  });
});

describe.each(backends)('migration 0013 (grants keyed by service) on $name', (backend) => {
  let opened: Opened | undefined;
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });

  const grantRow = (tgt: TicketGrantingTicket, service: string, ticketId: string, createdAt: number) => ({
    tgt_id: tgt.id,
    ticket_id: ticketId,
    service,
    service_id: 1,
    created_at: createdAt,
  });

  it('keeps the latest grant of each service, which the next issuance to that service replaces', async () => {
    opened = await backend.open();
    const { db, schema } = opened;
    await opened.migrating(() => migrateTo(db, BEFORE_GRANTS_BY_SERVICE, { schema }));
    const tgt = session();
    const app = 'https://app.example.org/cas';
    const other = 'https://other.example.org/cas';
    await db
      .insertInto('sso_grants')
      .values([
        // Before grants were bounded a session kept one per ticket: two for `app`, the second the later.
        grantRow(tgt, app, 'ST-1-older', now - 2000),
        grantRow(tgt, app, 'ST-2-newer', now - 1000),
        grantRow(tgt, other, 'ST-3-other', now - 1500),
      ])
      .execute();
    await opened.migrating(() => migrateToLatest(db, { schema }));

    const registry = new SqlTicketRegistry(db, clock);
    const grants = async () => (await registry.grants(tgt.id)).map((g) => [g.service, g.ticketId, Number(g.createdAt)]);
    expect(await grants()).toEqual([
      [other, 'ST-3-other', now - 1500],
      [app, 'ST-2-newer', now - 1000],
    ]);
    await registry.add(tgt);
    const st = serviceTicket(tgt);
    await registry.addServiceTicket(st, { tgtId: tgt.id, ticketId: st.id, service: app, serviceId: 1, createdAt: now });
    expect(await grants()).toEqual([
      [other, 'ST-3-other', now - 1500],
      [app, st.id, now],
    ]);
  });

  it('undone, leaves the grants as they were', async () => {
    opened = await backend.open();
    const { db, schema } = opened;
    const tgt = session();
    await db
      .insertInto('sso_grants')
      .values([grantRow(tgt, 'https://app.example.org/cas', 'ST-a', now), grantRow(tgt, 'https://other.example.org/cas', 'ST-b', now + 1)])
      .execute();
    await opened.migrating(() => migrateTo(db, BEFORE_GRANTS_BY_SERVICE, { schema }));
    const rows = await db.selectFrom('sso_grants').select(['ticket_id', 'service']).orderBy('ticket_id').execute();
    expect(rows).toEqual([
      { ticket_id: 'ST-a', service: 'https://app.example.org/cas' },
      { ticket_id: 'ST-b', service: 'https://other.example.org/cas' },
    ]);
  });
});
