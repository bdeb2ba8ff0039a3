import type { Pool, PoolClient, PoolConfig } from 'pg';

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
