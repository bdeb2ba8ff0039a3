import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { workerCalls } from '../worker-calls.js';
import { type Db, SQLITE_BUSY_TIMEOUT_MS } from './db.js';

/** One statement for the thread: its SQL (compiled by Kysely on the main thread) and its parameters. */
export interface SqliteStatement {
  sql: string;
  parameters: readonly unknown[];
}

/** A statement the thread could not run, and why. */
export interface SqliteStatementFailure {
  index: number;
  message: string;
}

/**
 * A worker thread with a connection of its own to wecas's SQLite file, for the writing no request waits for.
 * better-sqlite3 is synchronous: whatever it does on the main thread, every request in flight waits for.
 * - It checkpoints the WAL (PASSIVE, every `checkpointEveryMs`), in place of SQLite's automatic checkpoint, which
 *   runs inside whichever commit crosses 1,000 pages and fsyncs there: on the event loop, a pause for every
 *   request (docs/benchmarks.md: the SQLite registry's p99 and throughput). A PASSIVE checkpoint waits for no
 *   reader or writer: the main connection's commits go on while it copies.
 * - It runs the statements it is given (the audit log's background batches): up to STATEMENTS_PER_TRANSACTION in one
 *   transaction, each under a savepoint of its own, so a statement that fails loses only its own rows. One commit
 *   for a whole 100 ms batch halved the thread's CPU per validation (13–14 → 7–9 µs, most of it the kernel's, writing the
 *   same index pages to the WAL once per commit; docs/benchmarks.md, fourth pass). A transaction also commits once
 *   it has held the file's write lock for TRANSACTION_BUDGET_MS, however many accounts its rows belong to.
 */
export interface SqliteThread {
  /** Runs the statements (each one all or nothing); resolves with those that failed, rejects if the thread is gone. */
  write(statements: SqliteStatement[]): Promise<SqliteStatementFailure[]>;
  /** Closes the thread's connection (its last checkpoint) and ends the thread. */
  close(): Promise<void>;
}

export interface SqliteThreadOptions {
  checkpointEveryMs?: number;
  /** How long one transaction may hold the file's write lock before it commits (TRANSACTION_BUDGET_MS). */
  transactionBudgetMs?: number;
  /** Told once when the thread fails or exits unasked (the main connection must checkpoint again by itself). */
  onGone?: (err: Error) => void;
}

// Plain JavaScript evaluated as the worker's script, as src/directories/hash-threads.ts does: the same text runs
// under tsx, vitest and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = NORMAL');
// Each statement's savepoint keeps the pages it changes in a statement journal; past 64 KiB SQLite spills that to
// a temporary file, a pwrite per page: in memory, the thread's CPU per validation fell from 27 to 14 µs.
db.pragma('temp_store = MEMORY');
// Again while behind (frames written during the last one): the WAL restarts from its beginning only when a
// checkpoint has caught up, so one that always trails the writer would let it grow.
const checkpoints = setInterval(() => {
  try {
    for (let i = 0; i < 4; i++) {
      const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
      if (checkpointed >= log) break;
    }
  } catch {}
}, workerData.checkpointEveryMs);
const prepared = new Map();
const statement = (sql) => {
  let s = prepared.get(sql);
  if (!s) { s = db.prepare(sql); prepared.set(sql, s); }
  return s;
};
// Called inside another transaction, a better-sqlite3 transaction function is a savepoint: a failure rolls back
// its own statement only, and the outer transaction goes on.
const runOne = db.transaction((sql, parameters) => statement(sql).run(parameters));
// A transaction runs statements from group.first until it has run statementsPerTransaction of them or held the write
// lock for transactionBudgetMs, whichever comes first; group.end is where it stopped.
const runGroup = db.transaction((statements, group, failures) => {
  const started = performance.now();
  const last = Math.min(statements.length, group.first + workerData.statementsPerTransaction);
  for (; group.end < last; group.end++) {
    if (group.end > group.first && performance.now() - started >= workerData.transactionBudgetMs) break;
    const { sql, parameters } = statements[group.end];
    try { runOne(sql, parameters); } catch (err) { failures.push({ index: group.end, message: String((err && err.message) || err) }); }
  }
});
parentPort.on('message', ({ id, statements, close }) => {
  if (close) {
    clearInterval(checkpoints);
    db.close();
    parentPort.postMessage({ id, failures: [] });
    return;
  }
  const failures = [];
  for (let first = 0; first < statements.length; ) {
    const group = { first, end: first };
    const before = failures.length;
    try { runGroup(statements, group, failures); } catch (err) {
      // The transaction failed (BEGIN, the disk at COMMIT): what it ran is lost, and a group that could not begin
      // counts as a whole one; each statement is named once.
      failures.length = before;
      if (group.end === first) group.end = Math.min(statements.length, first + workerData.statementsPerTransaction);
      for (let k = first; k < group.end; k++) failures.push({ index: k, message: String((err && err.message) || err) });
    }
    first = group.end;
  }
  parentPort.postMessage({ id, failures });
});
`;

/** The thread for a SQLite file (never ':memory:', which another connection cannot see). */
export function startSqliteThread(file: string, options: SqliteThreadOptions = {}): SqliteThread {
  const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
  const workerData = {
    betterSqlite3,
    file,
    busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS,
    checkpointEveryMs: options.checkpointEveryMs ?? 100,
    statementsPerTransaction: STATEMENTS_PER_TRANSACTION,
    transactionBudgetMs: options.transactionBudgetMs ?? TRANSACTION_BUDGET_MS,
  };
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
  let closing = false;
  const calls = workerCalls<{ id: number; failures: SqliteStatementFailure[] }>(worker, 'SQLite thread', (err) => {
    if (!closing) options.onGone?.(err);
  });
  return {
    write: async (statements) => (await calls.call({ statements })).failures,
    async close() {
      closing = true;
      if (!calls.gone) await calls.call({ close: true }).catch(() => undefined);
      await worker.terminate();
    },
  };
}

/** A file's thread that starts when first wanted: an idle node does without its ~8 MB (docs/benchmarks.md). */
export interface SqliteThreadOnDemand extends SqliteThread {
  /** Starts the thread if it is not running yet; its checkpoints replace the connection's from then on. */
  start(): Promise<void>;
}

/**
 * The thread for the file wecas's own connection `db` writes to, started by the first `start` or `write`. Until
 * then, and again should the thread be gone (logged), the connection checkpoints by itself, as SQLite does by
 * default; while it runs, the connection checkpoints only as a backstop (BACKSTOP_AUTOCHECKPOINT_PAGES).
 */
export function sqliteThreadFor(db: Db, file: string, logger?: Pick<Logger, 'error'>): SqliteThreadOnDemand {
  let starting: Promise<SqliteThread> | undefined;
  let closed = false;
  const onGone = (err: Error) => {
    logger?.error({ err }, 'SQLite thread failed: checkpoints and background writes are back on the main thread');
    void sql`PRAGMA wal_autocheckpoint = ${sql.lit(DEFAULT_AUTOCHECKPOINT_PAGES)}`.execute(db).catch(() => undefined);
  };
  const started = () =>
    (starting ??= (async () => {
      // A batch written as the node shuts down must not start a thread on a database about to close.
      if (closed) throw new Error('SQLite thread: closed');
      const thread = startSqliteThread(file, { onGone });
      await sql`PRAGMA wal_autocheckpoint = ${sql.lit(BACKSTOP_AUTOCHECKPOINT_PAGES)}`.execute(db);
      return thread;
    })());
  let asked: Promise<void> | undefined;
  return {
    start() {
      // Never rejects: without the thread the connection goes on checkpointing by itself. Asked again (at every ticket
      // or batch), it answers what it answered the first time, and a failure is logged once.
      asked ??= started().then(
        () => undefined,
        (err: Error) => logger?.error({ err }, 'SQLite thread could not start'),
      );
      return asked;
    },
    async write(statements) {
      return (await started()).write(statements);
    },
    async close() {
      closed = true;
      await (await starting?.catch(() => undefined))?.close();
    },
  };
}

/**
 * Statements per transaction at most: the audit log's are 100 rows each, so a commit of up to 1,000 rows; a 100 ms
 * batch at 17k validations a second is 17 statements.
 */
const STATEMENTS_PER_TRANSACTION = 10;
/**
 * The longest a transaction holds the write lock before it commits (the statement running then finishes first).
 * The main connection's writes (a sign-in's audit row) wait that long with the event loop blocked. What a row costs
 * grows with the accounts in a commit (each lands on its own page of the per-account index): 1,000 rows took 7 ms
 * with 100 accounts but 21–24 ms with 1,000 (`scripts/profile-validation/audit-rows.mjs`, docs/benchmarks.md, tenth pass).
 */
const TRANSACTION_BUDGET_MS = 8;

/** SQLite's own default: a checkpoint when the WAL passes 1,000 pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/**
 * The connection's own checkpoint while the thread runs: only past 10,000 pages (~40 MB), should the thread ever
 * fall that far behind, so the WAL stays bounded by SQLite itself whatever the thread does.
 */
const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
