import type { CompiledQuery } from 'kysely';
import { type Db, sqliteHandleOf } from './db.js';

/** Runs one compiled statement at once: the rows it returns (none for a plain write) and the rows it changed. */
export type RunNow = <R>(query: CompiledQuery<R>) => { rows: R[]; changes: number };

/**
 * Group commit for SQLite: the writes asked for in one turn of the event loop run together, in one transaction,
 * each under a savepoint of its own (one that fails is rolled back alone, and only its caller hears of it).
 * A commit is much of a one-row write's cost (the pages it touched written to the WAL, the locks taken and let
 * go); the validations of one turn sharing one halved a SQLite validation's CPU (docs/benchmarks.md, fourth pass).
 *
 * A group runs synchronously, start to commit, while it holds Kysely's connection and the database's write lock
 * (BEGIN IMMEDIATE): no other query of this connection (a Kysely transaction waiting on the event loop) can be
 * inside it, and no other connection can write between a work's reads and its writes. Should the commit itself
 * fail, every caller of the group hears of it and nothing of the group is written.
 */
export interface SqliteWriteGroups {
  /** Runs `work` in the next group; `work` runs its statements with `run` and must not wait for anything. */
  run<T>(work: (run: RunNow) => T): Promise<T>;
  /**
   * Runs one statement in the next group, without a savepoint of its own: SQLite undoes a statement that fails by
   * itself, so the savepoint `run` gives a work (two more statements, SAVEPOINT and RELEASE) buys it nothing.
   */
  runStatement<R>(query: CompiledQuery<R>): Promise<{ rows: R[]; changes: number }>;
}

interface Pending {
  work: (run: RunNow) => unknown;
  /** A work of one statement: run without a savepoint. */
  single: boolean;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; err: unknown };

/** The groups of a SQLite Db; undefined for PostgreSQL, whose writers do not share one lock and one thread. */
export function sqliteWriteGroups(db: Db): SqliteWriteGroups | undefined {
  const handle = sqliteHandleOf(db);
  if (!handle) return undefined;
  const runNow: RunNow = <R>(query: CompiledQuery<R>) => {
    const statement = handle.prepare(query.sql);
    if (statement.reader) return { rows: statement.all(query.parameters) as R[], changes: 0 };
    return { rows: [], changes: Number(statement.run(query.parameters).changes) };
  };
  // Inside the group's transaction, better-sqlite3 makes each work's transaction a savepoint.
  const one = handle.database.transaction((work: Pending['work']) => work(runNow));
  const group = handle.database.transaction((works: Pending[]): Outcome[] =>
    works.map((p) => {
      try {
        return { ok: true, value: p.single ? p.work(runNow) : one(p.work) };
      } catch (err) {
        return { ok: false, err };
      }
    }),
  );
  let pending: Pending[] | undefined;

  function flush(): void {
    const works = pending!;
    pending = undefined;
    db.connection()
      // IMMEDIATE: the write lock is taken at BEGIN, so a work may read before it writes and no other connection
      // can commit in between (a deferred transaction would fail its first write with SQLITE_BUSY_SNAPSHOT).
      .execute(async () => group.immediate(works))
      .then(
        (outcomes) => {
          for (const [i, o] of outcomes.entries()) {
            if (o.ok) works[i]!.resolve(o.value);
            else works[i]!.reject(o.err);
          }
        },
        (err: unknown) => {
          for (const p of works) p.reject(err);
        },
      );
  }

  function enqueue<T>(work: (run: RunNow) => T, single: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!pending) {
        pending = [];
        // After the poll phase: every request read in this turn has asked for its write by then.
        setImmediate(flush);
      }
      pending.push({ work, single, resolve: resolve as Pending['resolve'], reject });
    });
  }

  return {
    run: (work) => enqueue(work, false),
    runStatement: (query) => enqueue((run) => run(query), true),
  };
}
