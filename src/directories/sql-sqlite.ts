import SqliteDatabase from 'better-sqlite3';
import { type DirectoryFailureKind, DirectoryUnavailable } from './directory.js';
import type { SqlReader, SqlReaderOptions } from './sql-connection.js';

/**
 * An existing SQLite file, opened read-only (SQLite itself refuses every write) on first use, so a file that is not
 * there yet fails lookups rather than the start. Its queries run synchronously, as wecas's own SQLite queries do.
 */
export function openSqliteReader(file: string, { directory, timeoutMs }: SqlReaderOptions): SqlReader {
  let database: SqliteDatabase.Database | undefined;
  const prepared = new Map<string, SqliteDatabase.Statement>();

  const statementFor = (sql: string): SqliteDatabase.Statement => {
    database ??= new SqliteDatabase(file, { readonly: true, fileMustExist: true, timeout: timeoutMs });
    let statement = prepared.get(sql);
    if (!statement) {
      statement = database.prepare(sql);
      prepared.set(sql, statement); // a handful of configured queries: no bound needed
    }
    if (!statement.reader) throw new DirectoryUnavailable(directory, 'misconfigured', 'a directory query must be a SELECT');
    return statement;
  };

  return {
    async select(sql, parameter) {
      try {
        const statement = statementFor(sql);
        const columns = statement.columns().map((c) => c.name);
        return { columns, rows: statement.all(parameter) as Array<Record<string, unknown>> };
      } catch (err) {
        throw err instanceof DirectoryUnavailable ? err : sqliteFailure(directory, err);
      }
    },
    async close() {
      database?.close();
      database = undefined;
      prepared.clear();
    },
  };
}

function sqliteFailure(directory: string, err: unknown): DirectoryUnavailable {
  const { code = '', message = String(err) } = err as { code?: string; message?: string };
  return new DirectoryUnavailable(directory, kindOf(code), code ? `${code} ${message}` : message);
}

function kindOf(code: string): DirectoryFailureKind {
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') return 'timeout'; // still locked after the busy timeout
  if (code === 'SQLITE_CANTOPEN' || code.startsWith('SQLITE_IOERR')) return 'unreachable'; // the file is gone or unreadable
  return 'misconfigured'; // syntax, an unknown table or column, the parameter count, a write, a file that is not a database
}
