import { openPostgresReader } from './sql-postgres.js';
import { openSqliteReader } from './sql-sqlite.js';

/** What a configured SELECT gave. */
export interface SqlResult {
  /**
   * The columns it returns, in order; null when the database refused the parameter's value for the column it is
   * compared with (`42x` for an integer id): no row can have that value, so there is no result to look at.
   */
  columns: string[] | null;
  rows: Array<Record<string, unknown>>;
}

/**
 * A read-only connection to an existing system's database, separate from wecas's own. Every failure is thrown as a
 * DirectoryUnavailable of the directory it serves (unreachable, timeout, refused credentials, misconfigured).
 */
export interface SqlReader {
  select(statement: string, parameter: string | null): Promise<SqlResult>;
  close(): Promise<void>;
}

export interface SqlReaderOptions {
  /** The directory's name, for its errors. */
  directory: string;
  /** For connecting and for each query. */
  timeoutMs: number;
  /** Told when PostgreSQL closes an idle pooled connection (the pool replaces it). */
  onIdleConnectionError?: (err: Error) => void;
}

/** Opens `postgres://…` or `sqlite:<file>` for reading; connects on first use, so an unreachable database is a failed lookup, not a failed start. */
export async function openSqlReader(url: string, options: SqlReaderOptions): Promise<SqlReader> {
  return url.startsWith('sqlite:') ? openSqliteReader(url.slice('sqlite:'.length), options) : openPostgresReader(url, options);
}
