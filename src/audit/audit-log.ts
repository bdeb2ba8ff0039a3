import { CompiledQuery } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { SqliteStatement, SqliteStatementFailure, SqliteThread } from '../store/sqlite-thread.js';
import { randomToken } from '../tickets/ids.js';
import type { TicketStorageKind } from '../tickets/storage.js';
import type { AuthMethod, SecondFactorMethod } from '../tickets/types.js';

/** Who made the request an event records: never more than the address and the browser's own description. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

type MaskedPhone = string;

/** Where an administrator's action came from. */
export type AdminVia = 'cli' | 'api' | 'console';

/**
 * Every event wecas audits, typed by its `type`. What is not `type`, `userId` or `client` is stored as the
 * event's detail: context for people reading the log, never codes, tokens, tickets or secrets.
 */
export type AuditEvent = (
  | { type: 'login.success'; userId: string; method: AuthMethod; service?: string }
  | { type: 'login.failure'; userId?: string; method: AuthMethod; reason: string; username?: string }
  | { type: 'logout'; userId: string; everywhere?: true }
  | { type: 'ticket.validated'; userId: string; endpoint: string; serviceId: number; kind: 'ST' | 'PT'; pgt?: true }
  | { type: 'ticket.proxied'; serviceId: number; depth: number }
  // A signed-in person the service does not admit (its required attributes): no ticket was issued.
  | { type: 'access.denied'; userId: string; serviceId: number; service: string }
  | {
      type: 'wechat.bound';
      userId: string;
      appId: string;
      userCreated?: boolean;
      via?: 'account' | AdminVia;
      by?: 'phone' | 'password';
      directory?: string;
    }
  | { type: 'wechat.unbound'; userId: string; appId?: string; via?: AdminVia }
  | { type: 'wecom.unbound'; userId: string; corpId: string; userid: string; via?: AdminVia }
  | { type: 'wechat.error'; kind: string; endpoint: string; errcode: number | null }
  | { type: 'wecom.error'; kind: string; endpoint: string; errcode: number | null }
  | { type: 'wecom.bound'; userId: string; corpId: string; userid: string; phone: MaskedPhone }
  | { type: 'phone.bound'; userId: string; phone: MaskedPhone }
  // The account's life (login/recovery.ts): a password reset by SMS code, an activation, a phone change and its appeal.
  | { type: 'password.reset'; userId: string; sessions: number }
  | { type: 'account.activated'; userId: string; by: 'phone' | 'id_suffix' }
  | { type: 'phone.changed'; userId: string; from: MaskedPhone | null; to: MaskedPhone; by: 'code' | 'password' | 'appeal' }
  | { type: 'phone.appeal'; userId: string; appealId: string; to: MaskedPhone }
  | { type: 'phone.appeal_decided'; userId: string; appealId: string; decision: 'approved' | 'rejected'; via: AdminVia }
  | { type: 'sms.sent'; phone: MaskedPhone; purpose: string; provider: string }
  | { type: 'sms.failed'; phone: MaskedPhone; purpose: string; provider: string; kind: string; providerCode: string | null }
  | { type: 'directory.error'; directory: string; kind: string }
  | { type: 'session.ended'; userId: string; reason: 'account_disabled' | 'account_gone'; sessions: number; directory?: string }
  // What administrators do to accounts (wecas user …, later the admin API): `via` says through what.
  | { type: 'user.added'; userId: string; via: AdminVia; username?: string; directory?: string; password: boolean; import?: true }
  | { type: 'user.updated'; userId: string; via: AdminVia; changed: string[]; import?: true }
  | { type: 'user.disabled'; userId: string; via: AdminVia; sessions: number; missingFromImport?: true }
  | { type: 'user.enabled'; userId: string; via: AdminVia }
  | { type: 'user.password_set'; userId: string; via: AdminVia }
  | { type: 'user.renamed'; userId: string; via: AdminVia; from: string | null; to: string }
  | {
      type: 'user.merged';
      userId: string;
      via: AdminVia;
      /** The account merged in, now deleted: its id and name. */
      from: string;
      fromName: string;
      wechat: number;
      phone?: MaskedPhone;
      username?: string;
      sessions: number;
    }
  // An account deleted by its person (`via: 'account'`) or an administrator: `userId` is the pseudonym its earlier
  // events now carry (audit/pseudonyms.ts), never the deleted id; no name, no number.
  | { type: 'user.deleted'; userId: string; via: 'account' | AdminVia; directory?: string; wechat: number; wecom: number; sessions: number }
  // An administrator cleared the password: the account sets a new one by activation (an SMS code to its phone).
  | { type: 'user.password_cleared'; userId: string; via: AdminVia; sessions: number }
  | { type: 'user.sessions_ended'; userId: string; via: AdminVia; sessions: number }
  // Who may administer (`wecas admin …`, the admin API), and their personal API tokens (never the secret).
  | { type: 'admin.granted'; userId: string; via: AdminVia; role: string; before?: string }
  | { type: 'admin.revoked'; userId: string; via: AdminVia; role: string }
  | { type: 'admin.token_created'; userId: string; via: AdminVia; tokenId: string; role: string; name: string; expiresAt: number }
  | { type: 'admin.token_revoked'; userId: string; via: AdminVia; tokenId: string }
  // The service registry changed (`wecas service …`, the admin API).
  | { type: 'service.added' | 'service.updated' | 'service.removed'; serviceId: number; name: string; via: AdminVia; changed?: string[] }
  | { type: 'audit.exported'; via: AdminVia; rows: number }
  // The second factor: an authenticator added or removed (and how the removal was proved), a second-factor check
  // passed at sign-in or refused (its reason: wrong_code, throttled …).
  // An administrator's act in the console or the API: `userId` is the administrator, `target` the account acted on
  // (when it is one), `action` what was done (`user.disabled`, `service.updated`, `session.ended` …).
  | {
      type: 'admin.action';
      userId: string;
      via: AdminVia;
      role: 'admin' | 'helpdesk';
      action: string;
      target?: string;
      serviceId?: number;
      appealId?: string;
      sessions?: number;
    }
  | { type: 'admin.signed_in'; userId: string; via: AdminVia; role: 'admin' | 'helpdesk' }
  | { type: 'admin.refused'; userId: string; via: AdminVia; reason: 'no_role' | 'role_too_low' | 'bad_form'; path?: string }
  | { type: 'mfa.enabled'; userId: string; factor: 'totp' }
  | { type: 'mfa.disabled'; userId: string; factor: 'totp'; by: 'code' | 'password' | 'admin'; via?: AdminVia }
  | { type: 'mfa.success'; userId: string; factor: SecondFactorMethod; service?: string }
  | { type: 'mfa.failure'; userId: string; factor: SecondFactorMethod; reason: string }
  | { type: 'slo.sent'; userId: string; service: string; status: number; attempt: number; ticket: string }
  | { type: 'slo.failed'; userId: string; service: string; error: string; attempts: number }
) & {
  client?: ClientInfo;
  /** The administrator's account id, when an administrator did it through the admin API (`via: 'api'`). */
  admin?: string;
};

export type AuditType = AuditEvent['type'];

export interface AuditLog {
  record(event: AuditEvent): Promise<void>;
  /** Resolves once every event recorded so far is written (background events included): tests, shutdown. */
  flush?(): Promise<void>;
}

/** Rows per INSERT: 7 parameters each stays far below SQLite's and PostgreSQL's parameter limits. */
const MAX_ROWS_PER_INSERT = 500;

type AuditRow = { id: string; at: number; type: string; user_id: string | null; ip: string | null; user_agent: string | null; detail: string };

/** The row an event is stored as; undefined (and logged) when its detail cannot be serialised. */
function rowOf(e: AuditEvent, clock: Clock, logger?: Pick<Logger, 'error'>): AuditRow | undefined {
  try {
    const { type, userId, client, ...detail } = e as AuditEvent & { userId?: string };
    const at = clock.now();
    return {
      id: timeOrderedId(at),
      at,
      type,
      user_id: userId ?? null,
      ip: client?.ip ?? null,
      user_agent: client?.userAgent ? client.userAgent.slice(0, 300) : null,
      detail: JSON.stringify(detail),
    };
  } catch (err) {
    logger?.error({ err, type: e.type }, 'could not write audit event');
    return undefined;
  }
}

/** Multi-row INSERTs; a failed one is logged (with its event types), never thrown. */
async function writeRows(db: Db, rows: AuditRow[], logger?: Pick<Logger, 'error'>): Promise<void> {
  for (let start = 0; start < rows.length; start += MAX_ROWS_PER_INSERT) {
    const part = rows.slice(start, start + MAX_ROWS_PER_INSERT);
    try {
      await db.insertInto('audit_events').values(part).execute();
    } catch (err) {
      logger?.error({ err, events: part.length, types: [...new Set(part.map((r) => r.type))] }, 'could not write audit events');
    }
  }
}

/**
 * A background batch in one transaction: each index page it touches (the per-account index above all, whose
 * entries land all over it) is written to SQLite's WAL once per batch instead of once per INSERT, which took a
 * row's write from 10 to 5.6 µs with 100 accounts validating, 17 to 9.8 µs with 100 000 (docs/benchmarks.md).
 * Whole chunks of FAST_CHUNK rows go through one INSERT compiled once (Kysely builds and compiles a query of a
 * few thousand value nodes per call otherwise), with a turn of the event loop between chunks; the rest through the
 * query builder. Should the transaction fail,
 * the rows are written INSERT by INSERT as writeRows does, so one bad part never costs the others.
 */
async function writeBatch(db: Db, rows: AuditRow[], logger?: Pick<Logger, 'error'>): Promise<void> {
  if (rows.length < FAST_CHUNK) return writeRows(db, rows, logger);
  const inserts = batchInserts(db, rows);
  try {
    await db.transaction().execute(async (trx) => {
      for (const [i, insert] of inserts.entries()) {
        // better-sqlite3 runs each INSERT on this thread: between chunks, the requests waiting are answered. A batch
        // of 2,000 rows written at once held every request in flight for some 10 ms (the validators' p99).
        if (i > 0) await new Promise(setImmediate);
        await trx.executeQuery(CompiledQuery.raw(insert.sql, [...insert.parameters]));
      }
    });
  } catch {
    await writeRows(db, rows, logger);
  }
}

/**
 * A background batch written on the SQLite thread: the INSERTs are compiled here (Kysely stays the one builder of
 * SQL), run there, each all or nothing (sqlite-thread.ts). Rejects when the thread is gone, with nothing written.
 */
async function writeOnThread(thread: Pick<SqliteThread, 'write'>, db: Db, rows: AuditRow[], logger?: Pick<Logger, 'error'>): Promise<void> {
  const inserts = batchInserts(db, rows);
  const failures: SqliteStatementFailure[] = await thread.write(inserts.map(({ sql, parameters }) => ({ sql, parameters })));
  for (const { index, message } of failures) {
    const part = rows.slice(inserts[index]!.start, inserts[index + 1]?.start ?? rows.length);
    logger?.error({ err: message, events: part.length, types: [...new Set(part.map((r) => r.type))] }, 'could not write audit events');
  }
}

/**
 * A batch as INSERTs, each with the index of its first row: whole chunks of FAST_CHUNK rows through the INSERT
 * compiled once, the rest through the query builder.
 */
function batchInserts(db: Db, rows: AuditRow[]): Array<SqliteStatement & { start: number }> {
  const chunkSql = chunkInsertSql(db);
  const inserts: Array<SqliteStatement & { start: number }> = [];
  let start = 0;
  for (; start + FAST_CHUNK <= rows.length; start += FAST_CHUNK)
    inserts.push({ sql: chunkSql, parameters: parametersOf(rows, start, FAST_CHUNK), start });
  if (start < rows.length) {
    const { sql, parameters } = db.insertInto('audit_events').values(rows.slice(start)).compile();
    inserts.push({ sql, parameters, start });
  }
  return inserts;
}

/** Rows per precompiled INSERT: large enough to amortise a statement, small enough that little is left over. */
const FAST_CHUNK = 100;
const COLUMNS = ['id', 'at', 'type', 'user_id', 'ip', 'user_agent', 'detail'] as const satisfies ReadonlyArray<keyof AuditRow>;
const chunkInserts = new WeakMap<Db, string>();

/** The SQL of an INSERT of FAST_CHUNK rows in this database's dialect, compiled by Kysely once. */
function chunkInsertSql(db: Db): string {
  let text = chunkInserts.get(db);
  if (!text) {
    const row = Object.fromEntries(COLUMNS.map((c) => [c, null])) as unknown as AuditRow;
    text = db.insertInto('audit_events').values(Array<AuditRow>(FAST_CHUNK).fill(row)).compile().sql;
    chunkInserts.set(db, text);
  }
  return text;
}

/** The parameters of rows[start, start + n), column by column in COLUMNS' order, as the compiled INSERT takes them. */
function parametersOf(rows: AuditRow[], start: number, n: number): unknown[] {
  const out: unknown[] = new Array(n * COLUMNS.length);
  let k = 0;
  for (let i = start; i < start + n; i++) {
    const r = rows[i]!;
    out[k++] = r.id;
    out[k++] = r.at;
    out[k++] = r.type;
    out[k++] = r.user_id;
    out[k++] = r.ip;
    out[k++] = r.user_agent;
    out[k++] = r.detail;
  }
  return out;
}

/**
 * Audit events in the database (table audit_events), one row each. Recording never fails the request it
 * describes: a write error is logged instead.
 *
 * Group commit: the events recorded while the event loop works through one batch of I/O are written by one
 * multi-row INSERT when that batch is done (setImmediate), and each `record` resolves once its row is written,
 * so a caller that awaits it still knows its event is stored. Alone, an event waits for nothing but the end of
 * the current turn.
 */
export function createSqlAuditLog(db: Db, clock: Clock, logger?: Pick<Logger, 'error'>): AuditLog {
  let queue: Array<{ row: AuditRow; done: () => void }> = [];
  let writing: Promise<void> = Promise.resolve();

  async function flush(): Promise<void> {
    const batch = queue;
    queue = [];
    await writeRows(
      db,
      batch.map((p) => p.row),
      logger,
    );
    for (const p of batch) p.done();
  }

  return {
    record(e) {
      const row = rowOf(e, clock, logger);
      if (!row) return Promise.resolve();
      return new Promise<void>((done) => {
        if (queue.length === 0) {
          const turn = new Promise<void>((scheduled) => setImmediate(() => void flush().then(scheduled)));
          writing = writing.then(() => turn);
        }
        queue.push({ row, done });
      });
    },
    flush: () => writing,
  };
}

/**
 * The events written in the background (see createAuditLog): one or more per protocol request, so many that a
 * write each on the request's path would cost more than the request. Everything else (sign-ins and their
 * failures, bindings and unbindings, password, phone and second-factor changes, administrators' actions,
 * deletions, sessions ended, SMS sends) keeps the synchronous guarantee.
 */
export const BACKGROUND_EVENTS: ReadonlySet<AuditType> = new Set<AuditType>(['ticket.validated', 'ticket.proxied', 'slo.sent', 'slo.failed']);

/**
 * Whether the background batches go to the SQLite thread: not when the SQLite registry keeps the tickets in the same
 * file. Every request writes there on the main thread, and would wait, the event loop blocked in SQLite's busy
 * handler, whenever the thread held the file's write lock (validation 7.6 → 6.6 % of bare, docs/architecture.md).
 */
export function auditBatchesOnThread(registry: TicketStorageKind): boolean {
  return registry !== 'sql';
}

export interface AuditLogOptions {
  /** Events waiting for the background writer at most; past it they are dropped and counted. */
  capacity?: number;
  /** The longest a background event waits before its batch is written (ms). */
  flushIntervalMs?: number;
  /** Told of each background event dropped because the queue was full (a metric counts them). */
  onDropped?: (type: AuditType) => void;
  /** Told when a background batch is about to be written (wecas starts the SQLite thread on protocol traffic). */
  onBatch?: () => void;
  /** Writes the background batches off the main thread (a SQLite file's thread: store/sqlite-thread.ts); its owner closes it after the log. */
  thread?: Pick<SqliteThread, 'write'>;
}

/** The audit log wecas runs with: it must be closed (which writes what is queued) before the database is. */
export interface QueuedAuditLog extends AuditLog {
  flush(): Promise<void>;
  close(): Promise<void>;
}

export const AUDIT_QUEUE_CAPACITY = 10_000;
export const AUDIT_FLUSH_INTERVAL_MS = 100;

/**
 * Two classes of events (docs/architecture.md, "Audit"). Security-relevant ones are written as
 * createSqlAuditLog writes them: `record` resolves once the row is stored. BACKGROUND_EVENTS leave the request's
 * path: `record` only queues the row, and a writer stores the queue in batches, at most `flushIntervalMs` after
 * an event arrived, and at close. A crash loses at most the last interval's background events. When the queue is
 * full an event is dropped, counted (onDropped) and logged, never waited for.
 */
export function createAuditLog(db: Db, clock: Clock, logger?: Pick<Logger, 'error' | 'warn'>, options: AuditLogOptions = {}): QueuedAuditLog {
  const capacity = options.capacity ?? AUDIT_QUEUE_CAPACITY;
  const intervalMs = options.flushIntervalMs ?? AUDIT_FLUSH_INTERVAL_MS;
  const direct = createSqlAuditLog(db, clock, logger);
  let thread = options.thread;
  let queue: AuditRow[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let droppedSinceLogged = 0;

  /** On the SQLite thread while it lives; once it has failed, on the main thread for good, with one log line. */
  async function write(rows: AuditRow[]): Promise<void> {
    if (thread) {
      try {
        return await writeOnThread(thread, db, rows, logger);
      } catch (err) {
        logger?.error({ err }, 'SQLite thread gone: background audit events are written on the main thread from now on');
        thread = undefined;
      }
    }
    return writeBatch(db, rows, logger);
  }

  function writeQueue(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    if (droppedSinceLogged > 0) {
      logger?.warn({ dropped: droppedSinceLogged, capacity }, 'audit queue was full: background events dropped');
      droppedSinceLogged = 0;
    }
    // One batch at a time, in order: rows of a later batch never land before an earlier one's.
    if (batch.length > 0) options.onBatch?.();
    writing = writing.then(() => (batch.length > 0 ? write(batch) : undefined));
    return writing;
  }

  function enqueue(e: AuditEvent): void {
    if (queue.length >= capacity) {
      options.onDropped?.(e.type);
      // One line when dropping starts, one with the count at the next write: a full queue must not flood the log.
      if (droppedSinceLogged++ === 0) logger?.warn({ type: e.type, capacity }, 'audit queue full: dropping background events');
      return;
    }
    const row = rowOf(e, clock, logger);
    if (!row) return;
    queue.push(row);
    if (!timer) {
      timer = setTimeout(() => void writeQueue(), intervalMs);
      // Shutdown writes the queue (close); a pending batch alone must not keep a process alive.
      timer.unref();
    }
  }

  async function flush(): Promise<void> {
    await Promise.all([writeQueue(), direct.flush?.()]);
  }

  return {
    record(e) {
      if (!BACKGROUND_EVENTS.has(e.type)) return direct.record(e);
      enqueue(e);
      return Promise.resolve();
    },
    flush,
    close: flush,
  };
}

/** Unique per process (nodes share the audit table); the counter makes ids unique within it without a CSPRNG call. */
const PROCESS_PREFIX = randomToken(10);
let sequence = 0;
/** The millisecond `prefix` was made for, and the id's part up to the counter. */
let prefixMillis = Number.NaN;
let prefix = '';

/**
 * Audit ids sort by time (a zero-padded millisecond prefix), so each insert lands at the end of the primary-key
 * index instead of at a random page: random UUIDs made index maintenance most of an audit row's cost. They name a
 * row; they guard nothing, so they need no randomness of their own.
 */
function timeOrderedId(now: number): string {
  sequence = (sequence + 1) % 0x7fffffff;
  // The time part is made once a millisecond: under load, many rows share it.
  if (now !== prefixMillis) {
    prefixMillis = now;
    prefix = `${now.toString(36).padStart(9, '0')}-${PROCESS_PREFIX}-`;
  }
  // The counter padded to its widest (0x7fffffff is six base-36 digits): ids of one millisecond sort in the order
  // they were made ("…-00000z" before "…-000010").
  return prefix + sequence.toString(36).padStart(6, '0');
}
