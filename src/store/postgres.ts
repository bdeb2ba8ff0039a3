import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type { Pool, PoolClient, PoolConfig } from 'pg';
import { preparedStatementName } from './compiled-once.js';

/**
 * A PostgreSQL connection pool. The driver is loaded here, when PostgreSQL is used, so a SQLite node never carries
 * it. `onConnectionError` is told when PostgreSQL closes a pooled connection (a restart, a failover,
 * `pg_terminate_backend`); the queries that were using it fail, and the pool opens a new one for the next query.
 *
 * A connection can be closed while it sits idle in the pool or while a query or transaction holds it. pg-pool
 * listens on idle connections only (and re-emits on the pool); a held one emits `error` on itself, and an
 * unheard `error` event ends the process. So every connection gets a listener of its own when it is made, and
 * the pool's event is left to it.
 */
export async function createPostgresPool(config: PoolConfig, onConnectionError: (err: Error) => void = () => {}): Promise<Pool> {
  const { default: pg } = await import('pg');
  // bigint (int8) arrives as a string by default; our bigints are millisecond times and ids that fit a double.
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ max: 10, connectionTimeoutMillis: 5000, ...config });
  pool.on('connect', (client: PoolClient) => {
    // A closed connection may report twice (PostgreSQL's FATAL message, then the reset socket): tell it once.
    let reported = false;
    client.on('error', (err) => {
      if (reported) return;
      reported = true;
      onConnectionError(err);
    });
  });
  // Already reported by the connection's own listener; without a listener here the re-emitted error would end the process.
  pool.on('error', () => {});
  return pool;
}

/**
 * Kysely's view of the pool: the hot statements (store/compiled-once.ts) go as named prepared statements, so each
 * connection has PostgreSQL parse and plan them once, then only binds and executes them; every other query goes as
 * Kysely sends it. The names are few and fixed (one per hot statement), so each connection holds a few dozen at most.
 */
export function preparingHotStatements(pool: Pool): PostgresPool {
  return {
    async connect(): Promise<PostgresPoolClient> {
      const client = await pool.connect();
      const query = (sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>): unknown => {
        if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as never); // a cursor (streaming)
        const name = preparedStatementName(sqlOrCursor);
        const values = [...(parameters ?? [])];
        return client.query(name ? { name, text: sqlOrCursor, values } : { text: sqlOrCursor, values });
      };
      return { query: query as unknown as PostgresPoolClient['query'], release: (destroy?: boolean) => client.release(destroy) };
    },
    end: () => pool.end(),
  };
}
