// The databases the identity and binding tests run on: SQLite in memory, and PostgreSQL in a schema of its own
// (skipped locally with a printed reason when unreachable; under CI=true that fails instead).
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { postgresAvailable, requireServer, withPostgresSchema } from './postgres.js';

export interface OpenedBackend {
  db: Db;
  /** A second connection pool on the same data, as another wecas node has (SQLite in memory: the same one). */
  secondNode(): Db;
  close(): Promise<void>;
}

export interface Backend {
  name: string;
  open(): Promise<OpenedBackend>;
}

export async function databaseBackends(): Promise<Backend[]> {
  const backends: Backend[] = [
    {
      name: 'SQLite in memory',
      async open() {
        const { db } = openDatabase('sqlite::memory:');
        await migrateToLatest(db);
        return { db, secondNode: () => db, close: () => db.destroy() };
      },
    },
  ];
  if (requireServer('PostgreSQL', await postgresAvailable()))
    backends.push({
      name: 'PostgreSQL',
      async open() {
        const schema = await withPostgresSchema();
        return { db: schema.db, secondNode: () => schema.open(), close: schema.cleanup };
      },
    });
  return backends;
}
