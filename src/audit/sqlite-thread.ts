import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { type DbDialect, SQLITE_BUSY_TIMEOUT_MS } from '../store/db.js';
import type { TicketStorageKind } from '../tickets/storage.js';

/** One INSERT of a background batch: its SQL (compiled by Kysely on the main thread) and its parameters. */
export interface AuditStatement {
  sql: string;
  parameters: readonly unknown[];
}

/** A statement the thread could not write, and why. */
export interface AuditStatementFailure {
  index: number;
  message: string;
}

/**
 * A thread of its own that writes the audit log's background batches to the SQLite file, on a connection of its
 * own. better-sqlite3 writes synchronously, so on the main thread each batch took its time from the requests
 * waiting (some 12 µs of a validation's 48, docs/benchmarks.md); here it takes the machine's other core.
 */
export interface AuditWriterThread {
  /** Runs each statement in a transaction of its own; resolves with those that failed, rejects if the thread is gone. */
  write(statements: AuditStatement[]): Promise<AuditStatementFailure[]>;
  /** Closes the thread's connection and ends the thread; call it after the last write resolved. */
  close(): Promise<void>;
}

// Plain JavaScript evaluated as the worker's script, as src/directories/hash-threads.ts does: the same text runs
// under tsx, vitest and dist/. Each statement of 100 rows is its own transaction, so the file's write lock is
// held for about a millisecond at a time: the main thread's own writes (a sign-in, a security event) wait for
// it in SQLite's busy handler, which blocks their thread while it waits.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.betterSqlite3);
const db = new Database(workerData.file);
db.pragma('busy_timeout = ' + workerData.busyTimeoutMs);
db.pragma('synchronous = NORMAL');
const prepared = new Map();
const statement = (sql) => {
  let s = prepared.get(sql);
  if (!s) { s = db.prepare(sql); prepared.set(sql, s); }
  return s;
};
const writeOne = db.transaction((sql, parameters) => statement(sql).run(parameters));
parentPort.on('message', ({ id, statements, close }) => {
  if (close) { db.close(); parentPort.postMessage({ id, failures: [] }); return; }
  const failures = [];
  statements.forEach(({ sql, parameters }, index) => {
    try { writeOne(sql, parameters); } catch (err) { failures.push({ index, message: String((err && err.message) || err) }); }
  });
  parentPort.postMessage({ id, failures });
});
`;

/**
 * Whether background batches go to a thread: only for a SQLite file, and only when tickets are not in that file
 * too. With the SQLite registry every request writes on the main thread, and each would then wait, blocked in
 * SQLite's busy handler, whenever the thread held the file's write lock.
 */
export function auditThreadWanted(dialect: DbDialect, file: string, registry: TicketStorageKind): boolean {
  return dialect === 'sqlite' && file !== ':memory:' && registry !== 'sql';
}

/** Starts the thread for a SQLite file (never ':memory:', which another connection cannot see). */
export function startAuditWriterThread(file: string): AuditWriterThread {
  const betterSqlite3 = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { betterSqlite3, file, busyTimeoutMs: SQLITE_BUSY_TIMEOUT_MS } });
  const pending = new Map<number, { resolve(f: AuditStatementFailure[]): void; reject(err: Error): void }>();
  let nextId = 0;
  let gone: Error | undefined;
  worker.unref(); // referenced only while a write is on it: an idle thread never keeps the process alive

  const fail = (err: Error) => {
    gone ??= err;
    for (const p of pending.values()) p.reject(gone);
    pending.clear();
  };
  worker.on('message', ({ id, failures }: { id: number; failures: AuditStatementFailure[] }) => {
    const p = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    p?.resolve(failures);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`audit writer thread exited (code ${code})`)));

  const send = (message: { statements?: AuditStatement[]; close?: true }) =>
    new Promise<AuditStatementFailure[]>((resolve, reject) => {
      if (gone) return reject(gone);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage({ id, ...message });
    });

  return {
    write: (statements) => send({ statements }),
    async close() {
      if (!gone) await send({ close: true }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
