import type { DatabaseError } from 'pg';
import { createPostgresPool } from '../store/postgres.js';
import { type DirectoryFailureKind, DirectoryUnavailable } from './directory.js';
import type { SqlReader, SqlReaderOptions } from './sql-connection.js';

/** A few connections: a lookup is one short query, and this database belongs to another system. */
const POOL_SIZE = 4;

export async function openPostgresReader(url: string, { directory, timeoutMs, onIdleConnectionError }: SqlReaderOptions): Promise<SqlReader> {
  const pool = await createPostgresPool(
    {
      connectionString: readOnly(url, directory),
      max: POOL_SIZE,
      connectionTimeoutMillis: timeoutMs,
      statement_timeout: timeoutMs, // the server stops the query…
      query_timeout: timeoutMs + 1000, // …and the client stops waiting for a server that no longer answers
      application_name: `wecas directory ${directory}`,
    },
    onIdleConnectionError,
  );
  return {
    async select(statement, parameter) {
      try {
        const result = await pool.query<Record<string, unknown>>({ text: statement, values: [parameter] });
        return { columns: result.fields.map((f) => f.name), rows: result.rows };
      } catch (err) {
        if (refusesParameter(err, parameter)) return { columns: null, rows: [] };
        throw postgresFailure(directory, err);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * Every session of this pool is read-only (`default_transaction_read_only`), whatever the configured queries say.
 * A startup option, so it holds from the first query; options already in the URL (a search_path…) are kept: pg
 * would let the URL's `options` replace any given beside it.
 */
function readOnly(url: string, directory: string): string {
  // Not URL's own error: it carries the whole URL, password included, to whatever logs it.
  if (!URL.canParse(url)) throw new DirectoryUnavailable(directory, 'misconfigured', 'its database URL cannot be parsed');
  const parsed = new URL(url);
  const options = [parsed.searchParams.get('options'), '-c default_transaction_read_only=on'].filter(Boolean).join(' ');
  parsed.searchParams.set('options', options);
  return parsed.toString();
}

/**
 * PostgreSQL refuses a value that cannot be of the compared column's type (`invalid input syntax for type integer:
 * "42x"`, out of range): no row has it. Only when the message quotes our parameter, so a query that fails on its
 * own data is still reported as misconfigured.
 */
function refusesParameter(err: unknown, parameter: string | null): boolean {
  const { code, message } = err as Partial<DatabaseError>;
  return (code === '22P02' || code === '22003') && parameter !== null && !!message?.includes(`"${parameter}"`);
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE']);

/** A driver error as the kind an operator acts on; its detail is the driver's message (pg never puts a password in one). */
function postgresFailure(directory: string, err: unknown): DirectoryUnavailable {
  const error = (err instanceof AggregateError ? err.errors[0] : err) as Partial<DatabaseError> | undefined;
  const code = String(error?.code ?? '');
  const message = error?.message || String(err);
  return new DirectoryUnavailable(directory, kindOf(code, message), code && !message.includes(code) ? `${code} ${message}` : message);
}

function kindOf(code: string, message: string): DirectoryFailureKind {
  if (code === 'ETIMEDOUT' || code === '57014' || /timeout/i.test(message)) return 'timeout'; // 57014: statement_timeout
  if (UNREACHABLE_CODES.has(code) || /Connection terminated/i.test(message)) return 'unreachable';
  if (/^57P0[1-3]$/.test(code) || code === '53300') return 'unreachable'; // shutting down, starting up, too many connections
  if (code.startsWith('08') && code !== '08P01') return 'unreachable'; // 08P01: a protocol violation, e.g. a query without its $1
  if (code.startsWith('28')) return 'service_account_refused'; // wrong user or password for the directory's database
  return 'misconfigured'; // syntax, an unknown table or column, a write refused as read-only, a database that does not exist
}
