import type { Pool, PoolConfig } from 'pg';

/**
 * A PostgreSQL connection pool. The driver is loaded here, when PostgreSQL is used, so a SQLite node never carries
 * it. `onIdleConnectionError` is told when PostgreSQL closes an idle pooled connection (a restart, a failover,
 * `pg_terminate_backend`): the pool drops it and opens a new one for the next query; without a listener the error
 * would end the process.
 */
export async function createPostgresPool(config: PoolConfig, onIdleConnectionError: (err: Error) => void = () => {}): Promise<Pool> {
  const { default: pg } = await import('pg');
  // bigint (int8) arrives as a string by default; our bigints are millisecond times and ids that fit a double.
  pg.types.setTypeParser(20, (v) => Number(v));
  const pool = new pg.Pool({ max: 10, connectionTimeoutMillis: 5000, ...config });
  pool.on('error', onIdleConnectionError);
  return pool;
}
