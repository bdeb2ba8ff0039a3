import { type ExpressionBuilder, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { compiledOnce } from '../store/compiled-once.js';
import type { Db } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { type RunNow, type SqliteWriteGroups, sqliteWriteGroups } from '../store/sqlite-write-groups.js';
import { type ConsumedTicket, MAX_GRANTS_PER_SESSION, type TicketRegistry } from './registry.js';
import {
  type ProxyTicket,
  type ServiceTicket,
  type SsoGrant,
  type Ticket,
  type TicketGrantingTicket,
  type TicketKind,
  type TicketOfKind,
  tgtIdOf,
  userIdOf,
  withinSession,
} from './types.js';

/** Rows deleted per sweep statement: each batch is its own short transaction, so a sweep never holds a lock long. */
const SWEEP_BATCH = 500;

type EndedSession = { tgt: TicketGrantingTicket; grants: SsoGrant[] };

/**
 * Tickets in the `tickets`, `service_tickets` and `sso_grants` tables, shared by every node using the same database
 * (SQLite or PostgreSQL). The whole ticket is kept as JSON in `data`; the other columns exist to find, expire and
 * cascade. Service and proxy tickets have a table of their own with no index by session (migration 0012): one is
 * usable only while its session's row exists, so ending a session leaves them to the sweep.
 * Every statement that must be atomic starts with a write: PostgreSQL then locks the row, and SQLite takes its
 * database write lock (waiting up to busy_timeout) before anything is read.
 * The registry does not own the Db: whoever opened it destroys it.
 */
export class SqlTicketRegistry implements TicketRegistry {
  private readonly postgres: boolean;
  private readonly hot: HotStatements;
  /**
   * SQLite's group commit (undefined for PostgreSQL): the validations and issuances of one event-loop turn share
   * a transaction.
   */
  private readonly groups: SqliteWriteGroups | undefined;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {
    this.postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    this.hot = hotStatements(db);
    this.groups = sqliteWriteGroups(db);
    if (!this.postgres && !this.groups) throw new Error('SqlTicketRegistry: a SQLite database must be opened with openDatabase');
  }

  async add(ticket: Ticket): Promise<void> {
    if (ticket.kind === 'ST' || ticket.kind === 'PT') await this.db.executeQuery(this.hot.insertServiceTicket(serviceTicketRowOf(ticket)));
    else await this.db.executeQuery(this.hot.insertTicket(rowOf(ticket)));
  }

  async get<K extends TicketKind>(id: string, kind: K): Promise<TicketOfKind<K> | undefined> {
    const now = this.clock.now();
    if (kind === 'ST' || kind === 'PT') {
      const row = await this.db
        .selectFrom('service_tickets')
        .select('data')
        .where('id', '=', id)
        .where('kind', '=', kind)
        .where('expires_at', '>', now)
        .where((eb) => eb.exists(sessionOf(eb).select('session.id')))
        .executeTakeFirst();
      return row ? (JSON.parse(row.data) as TicketOfKind<K>) : undefined;
    }
    const { rows } = await this.db.executeQuery(this.hot.findTicket({ id, kind, now }));
    return rows[0] ? (JSON.parse(rows[0].data) as TicketOfKind<K>) : undefined;
  }

  async update(ticket: Ticket): Promise<void> {
    const set = { expires_at: ticket.expiresAt, data: JSON.stringify(ticket) };
    if (ticket.kind === 'ST' || ticket.kind === 'PT')
      await this.db.updateTable('service_tickets').set(set).where('id', '=', ticket.id).where('kind', '=', ticket.kind).execute();
    else await this.db.updateTable('tickets').set(set).where('id', '=', ticket.id).where('kind', '=', ticket.kind).execute();
  }

  async consume(id: string): Promise<Ticket | undefined> {
    // One DELETE … RETURNING: the database deletes the row once, so of concurrent callers (on any node)
    // exactly one gets it back; the others find nothing to delete. Without its session it is no ticket.
    const row = await this.db
      .deleteFrom('service_tickets')
      .where('id', '=', id)
      .returning((eb) => ['data', eb.exists(sessionOf(eb).select('session.id')).as('in_session')])
      .executeTakeFirst();
    return row?.in_session ? (JSON.parse(row.data) as Ticket) : undefined;
  }

  async consumeWithSession(id: string): Promise<ConsumedTicket | undefined> {
    // One statement: the DELETE … RETURNING of consume (exactly one caller gets the row), its TGT read by a
    // subquery in the RETURNING clause.
    const query = this.hot.consumeWithSession({ id });
    const { rows } = this.groups ? await this.groups.runStatement(query) : await this.db.executeQuery(query);
    const row = rows[0];
    // A ticket whose session ended went with it, as in the other registries (the row is left to the sweep).
    if (!row?.tgt_data) return undefined;
    const tgt = JSON.parse(row.tgt_data) as TicketGrantingTicket;
    return { ticket: JSON.parse(row.data) as ConsumedTicket['ticket'], tgt: tgt.expiresAt > this.clock.now() ? tgt : undefined };
  }

  async addServiceTicket(ticket: ServiceTicket, grant: SsoGrant): Promise<void> {
    const row = serviceTicketRowOf(ticket);
    if (!this.groups) return this.db.transaction().execute((trx) => grantInPostgres(trx, this.hot, grant, row));
    await this.groups.run((run) => {
      recordGrant(run, this.hot, grant);
      run(this.hot.insertServiceTicket(row));
    });
  }

  async addServiceTicketFromSession(ticket: ServiceTicket, grant: SsoGrant): Promise<TicketGrantingTicket | undefined> {
    if (!this.groups) return this.db.transaction().execute((trx) => issueFromSessionInPostgres(trx, this.hot, ticket, grant, this.clock.now()));
    // SQLite: the session read in the same write group as the writes, so the issuance is one step of the event loop.
    return this.groups.run((run) => {
      const [found] = run(this.hot.findTicket({ id: ticket.tgtId, kind: 'TGT', now: this.clock.now() })).rows;
      if (!found) return undefined;
      const tgt = JSON.parse(found.data) as TicketGrantingTicket;
      replaceGrant(run, this.hot, grant);
      run(this.hot.insertServiceTicket(serviceTicketRowOf(withinSession(ticket, tgt))));
      return tgt;
    });
  }

  async addGrant(grant: SsoGrant): Promise<void> {
    if (!this.groups) return this.db.transaction().execute((trx) => grantInPostgres(trx, this.hot, grant));
    await this.groups.run((run) => recordGrant(run, this.hot, grant));
  }

  async grants(tgtId: string): Promise<SsoGrant[]> {
    const rows = await this.db.selectFrom('sso_grants').selectAll().where('tgt_id', '=', tgtId).orderBy('created_at').orderBy('ticket_id').execute();
    return rows.map(toGrant);
  }

  async removeSession(tgtId: string): Promise<EndedSession | undefined> {
    return this.db.transaction().execute(async (trx) => {
      // Deleting the TGT first decides the race: of concurrent removers one deletes it, the others see no row
      // (PostgreSQL makes them wait for the winner's commit, then finds it gone) and return undefined.
      const deleted = await trx.deleteFrom('tickets').where('id', '=', tgtId).where('kind', '=', 'TGT').returning('data').executeTakeFirst();
      if (!deleted) return undefined;
      // Its proxy-granting tickets; its service and proxy tickets died with its row (consumeWithSession).
      await trx.deleteFrom('tickets').where('tgt_id', '=', tgtId).execute();
      const grants = await trx.deleteFrom('sso_grants').where('tgt_id', '=', tgtId).returningAll().execute();
      return {
        tgt: JSON.parse(deleted.data) as TicketGrantingTicket,
        // RETURNING has no order; give the grants in the order they were made, as grants() does.
        grants: grants.map(toGrant).sort((a, b) => a.createdAt - b.createdAt || a.ticketId.localeCompare(b.ticketId)),
      };
    });
  }

  async sessionsOf(userId: string): Promise<TicketGrantingTicket[]> {
    const rows = await this.db
      .selectFrom('tickets')
      .select('data')
      .where('user_id', '=', userId)
      .where('kind', '=', 'TGT')
      .where('expires_at', '>', this.clock.now())
      .execute();
    return rows.map((r) => JSON.parse(r.data) as TicketGrantingTicket).sort((a, b) => b.createdAt - a.createdAt);
  }

  async usersWithSessions(): Promise<string[]> {
    const rows = await this.db
      .selectFrom('tickets')
      .select('user_id')
      .distinct()
      .where('kind', '=', 'TGT')
      .where('expires_at', '>', this.clock.now())
      .execute();
    return rows.map((r) => r.user_id).filter((id): id is string => id !== null);
  }

  async count(kind: TicketKind): Promise<number> {
    const now = this.clock.now();
    const row =
      kind === 'ST' || kind === 'PT'
        ? await this.db
            .selectFrom('service_tickets')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('kind', '=', kind)
            .where('expires_at', '>', now)
            .where((eb) => eb.exists(sessionOf(eb).select('session.id')))
            .executeTakeFirstOrThrow()
        : await this.db
            .selectFrom('tickets')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('kind', '=', kind)
            .where('expires_at', '>', now)
            .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async sweep(): Promise<EndedSession[]> {
    const now = this.clock.now();
    const ended: EndedSession[] = [];
    // Expired TGTs go through removeSession (one short transaction each) so their grants reach single logout.
    for (;;) {
      const batch = await this.db
        .selectFrom('tickets')
        .select('id')
        .where('kind', '=', 'TGT')
        .where('expires_at', '<=', now)
        .limit(SWEEP_BATCH)
        .execute();
      for (const { id } of batch) {
        const removed = await this.removeSession(id); // undefined when another node's sweeper got there first
        if (removed) ended.push(removed);
      }
      if (batch.length < SWEEP_BATCH) break;
    }
    // Other expired tickets: one bounded DELETE per batch.
    for (;;) {
      const result = await this.db
        .deleteFrom('tickets')
        .where('id', 'in', (eb) => eb.selectFrom('tickets').select('id').where('kind', '!=', 'TGT').where('expires_at', '<=', now).limit(SWEEP_BATCH))
        .executeTakeFirst();
      if (Number(result.numDeletedRows) < SWEEP_BATCH) break;
    }
    for (;;) {
      const result = await this.db
        .deleteFrom('service_tickets')
        .where('id', 'in', (eb) => eb.selectFrom('service_tickets').select('id').where('expires_at', '<=', now).limit(SWEEP_BATCH))
        .executeTakeFirst();
      if (Number(result.numDeletedRows) < SWEEP_BATCH) break;
    }
    return ended;
  }

  async close(): Promise<void> {}
}

function rowOf(ticket: Ticket) {
  return {
    id: ticket.id,
    kind: ticket.kind,
    tgt_id: tgtIdOf(ticket),
    user_id: userIdOf(ticket),
    expires_at: ticket.expiresAt,
    data: JSON.stringify(ticket),
  };
}

function serviceTicketRowOf(ticket: ServiceTicket | ProxyTicket) {
  return { id: ticket.id, kind: ticket.kind, tgt_id: ticket.tgtId, expires_at: ticket.expiresAt, data: JSON.stringify(ticket) };
}

/** The session row a service or proxy ticket belongs to, live or not yet swept: whether it exists, or its data. */
function sessionOf(eb: ExpressionBuilder<Database, 'service_tickets'>) {
  return eb.selectFrom('tickets as session').whereRef('session.id', '=', 'service_tickets.tgt_id').where('session.kind', '=', 'TGT');
}

/**
 * A grant (and the ticket, when there is one) in PostgreSQL: the TGT's row lock, then one statement (hotStatements'
 * grantInPostgres or issueInPostgres) that replaces the service's grant, forgets the oldest past the cap and
 * stores the ticket: four round trips. It must be a statement of its own: its snapshot is taken after the lock is
 * held, so it sees every grant a racing issuance committed (in one statement with the UPDATE, the snapshot would
 * predate the lock, and two racing issuances could both keep a grant for the service). Without a live TGT there
 * is no grant (a concurrent removeSession ran first, or waits for this commit and then deletes it with the others).
 */
async function grantInPostgres(trx: Transaction<Database>, hot: HotStatements, grant: SsoGrant, ticket?: ServiceTicketRow): Promise<void> {
  const { numAffectedRows } = await trx.executeQuery(hot.lockSession({ tgtId: grant.tgtId }));
  if (!numAffectedRows) {
    if (ticket) await trx.executeQuery(hot.insertServiceTicket(ticket));
    return;
  }
  await trx.executeQuery(ticket ? hot.issueInPostgres({ ...grant, ...ticket }) : hot.grantInPostgres(grant));
}

/**
 * addServiceTicketFromSession in PostgreSQL: the live TGT's row locked and read by one UPDATE … RETURNING, then the
 * grant and ticket stored as grantInPostgres stores them (its second statement): four round trips, the read among them.
 */
async function issueFromSessionInPostgres(
  trx: Transaction<Database>,
  hot: HotStatements,
  ticket: ServiceTicket,
  grant: SsoGrant,
  now: number,
): Promise<TicketGrantingTicket | undefined> {
  const [found] = (await trx.executeQuery(hot.lockLiveSession({ tgtId: ticket.tgtId, now }))).rows;
  if (!found) return undefined;
  const tgt = JSON.parse(found.data) as TicketGrantingTicket;
  await trx.executeQuery(hot.issueInPostgres({ ...grant, ...serviceTicketRowOf(withinSession(ticket, tgt)) }));
  return tgt;
}

/**
 * Records a grant in SQLite while its TGT exists, in a write group (which holds the write lock from its start, so
 * the session cannot end between the check and the writes): one per service, at most MAX_GRANTS_PER_SESSION (see
 * TicketRegistry.addGrant).
 */
function recordGrant(run: RunNow, hot: HotStatements, grant: SsoGrant): void {
  if (run(hot.sessionExists({ tgtId: grant.tgtId })).rows.length === 0) return;
  replaceGrant(run, hot, grant);
}

/** The grant stored as the service's only one, the session's oldest forgotten past the cap. */
function replaceGrant(run: RunNow, hot: HotStatements, grant: SsoGrant): void {
  // The service's own grant updated in place leaves the count as it was: only a new service's can pass the cap.
  if (run(hot.replaceServiceGrant(grant)).changes > 0) return;
  run(hot.insertGrant(grant));
  run(hot.forgetGrantsPastCap(grant));
}

/**
 * The statements of validation and SSO issuance, compiled once (store/compiled-once.ts): on these paths Kysely's
 * building and compiling cost more than the database's own work.
 */
function hotStatements(db: Db) {
  const lockingSession = (tgtId: string) =>
    db
      .updateTable('tickets')
      .set((eb) => ({ expires_at: eb.ref('expires_at') }))
      .where('id', '=', tgtId)
      .where('kind', '=', 'TGT');
  return {
    insertTicket: compiledOnce<TicketRow, never>((arg) =>
      db.insertInto('tickets').values({
        id: arg('id'),
        kind: arg('kind'),
        tgt_id: arg('tgt_id'),
        user_id: arg('user_id'),
        expires_at: arg('expires_at'),
        data: arg('data'),
      }),
    ),
    insertServiceTicket: compiledOnce<ServiceTicketRow, never>((arg) =>
      db.insertInto('service_tickets').values({
        id: arg('id'),
        kind: arg('kind'),
        tgt_id: arg('tgt_id'),
        expires_at: arg('expires_at'),
        data: arg('data'),
      }),
    ),
    findTicket: compiledOnce<{ id: string; kind: TicketKind; now: number }, { data: string }>((arg) =>
      db.selectFrom('tickets').select('data').where('id', '=', arg('id')).where('kind', '=', arg('kind')).where('expires_at', '>', arg('now')),
    ),
    /** The ticket deleted and returned with its session's row, live or expired (null once the session ended). */
    consumeWithSession: compiledOnce<{ id: string }, { data: string; tgt_data: string | null }>((arg) =>
      db
        .deleteFrom('service_tickets')
        .where('id', '=', arg('id'))
        .returning((eb) => ['data', sessionOf(eb).select('session.data').as('tgt_data')]),
    ),
    /** Whether a session (live or not yet swept) has this id: SQLite's check before a grant, in a write group. */
    sessionExists: compiledOnce<{ tgtId: string }, { id: string }>((arg) =>
      db.selectFrom('tickets').select('id').where('id', '=', arg('tgtId')).where('kind', '=', 'TGT'),
    ),
    /** PostgreSQL: the no-op UPDATE that locks a session's row until commit. */
    lockSession: compiledOnce<{ tgtId: string }, never>((arg) => lockingSession(arg('tgtId'))),
    /** PostgreSQL: lockSession for a live session, which it returns. */
    lockLiveSession: compiledOnce<{ tgtId: string; now: number }, { data: string }>((arg) =>
      lockingSession(arg('tgtId')).where('expires_at', '>', arg('now')).returning('data'),
    ),
    /** SQLite: the service's grant (one per session and service, its key: migration 0013) made this one. */
    replaceServiceGrant: compiledOnce<SsoGrant, never>((arg) =>
      db
        .updateTable('sso_grants')
        .set({ ticket_id: arg('ticketId'), service_id: arg('serviceId'), created_at: arg('createdAt') })
        .where('tgt_id', '=', arg('tgtId'))
        .where('service', '=', arg('service')),
    ),
    insertGrant: compiledOnce<SsoGrant, never>((arg) =>
      db.insertInto('sso_grants').values({
        tgt_id: arg('tgtId'),
        ticket_id: arg('ticketId'),
        service: arg('service'),
        service_id: arg('serviceId'),
        created_at: arg('createdAt'),
      }),
    ),
    /**
     * Forgets a session's grants past the cap, the oldest. The cap is written into the SQL, not bound: SQLite marks a
     * statement whose LIMIT or OFFSET is a bound parameter to be compiled again whenever it is bound, which was some
     * 15 % of a SQLite SSO sign-in's instructions (docs/benchmarks.md, "Issue 16, eighth pass").
     */
    forgetGrantsPastCap: compiledOnce<{ tgtId: string }, never>((arg) =>
      db
        .deleteFrom('sso_grants')
        .where('tgt_id', '=', arg('tgtId'))
        .where('service', 'in', (eb) =>
          eb
            .selectFrom('sso_grants')
            .select('service')
            .where('tgt_id', '=', arg('tgtId'))
            .orderBy('created_at', 'desc')
            .orderBy('ticket_id', 'desc')
            .offset(sql.lit(MAX_GRANTS_PER_SESSION))
            .limit(sql.lit(MAX_GRANTS_PER_SESSION)),
        ),
    ),
    // PostgreSQL, after the lock (grantInPostgres): one statement for the grant, and one for the grant and the ticket.
    grantInPostgres: compiledOnce<SsoGrant, never>((arg) => ({ compile: () => sql`${grantCtes(arg)} SELECT 1`.compile(db) })),
    issueInPostgres: compiledOnce<SsoGrant & ServiceTicketRow, never>((arg) => ({
      compile: () =>
        sql`
          ${grantCtes(arg)}
          INSERT INTO service_tickets (id, kind, tgt_id, expires_at, data)
          VALUES (${arg('id')}, ${arg('kind')}, ${arg('tgt_id')}, ${arg('expires_at')}, ${arg('data')})
        `.compile(db),
    })),
  };
}
type HotStatements = ReturnType<typeof hotStatements>;
type TicketRow = ReturnType<typeof rowOf>;
type ServiceTicketRow = ReturnType<typeof serviceTicketRowOf>;

/**
 * PostgreSQL's CTEs that forget the oldest grants past the cap and store the service's, in place of its own if it
 * has one. They touch disjoint rows (the other services'; this service's).
 */
function grantCtes(arg: (name: keyof SsoGrant) => never) {
  return sql`
    WITH forgotten AS (
      DELETE FROM sso_grants WHERE tgt_id = ${arg('tgtId')} AND service IN (
        SELECT service FROM sso_grants WHERE tgt_id = ${arg('tgtId')} AND service <> ${arg('service')}
        ORDER BY created_at DESC, ticket_id DESC OFFSET ${MAX_GRANTS_PER_SESSION - 1}
      )
    ), granted AS (
      INSERT INTO sso_grants (tgt_id, ticket_id, service, service_id, created_at)
      VALUES (${arg('tgtId')}, ${arg('ticketId')}, ${arg('service')}, ${arg('serviceId')}, ${arg('createdAt')})
      ON CONFLICT (tgt_id, service) DO UPDATE
      SET ticket_id = excluded.ticket_id, service_id = excluded.service_id, created_at = excluded.created_at
    )`;
}

function toGrant(row: { tgt_id: string; ticket_id: string; service: string; service_id: number | null; created_at: number }): SsoGrant {
  return { tgtId: row.tgt_id, ticketId: row.ticket_id, service: row.service, serviceId: row.service_id, createdAt: row.created_at };
}
