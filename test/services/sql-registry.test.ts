import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';
import { describeServiceRegistryContract } from './service-registry.contract.js';

describeServiceRegistryContract('SQLite (memory)', async () => {
  const { db } = openDatabase('sqlite::memory:');
  await migrateToLatest(db);
  // One in-memory database cannot be opened twice; a second registry on the same handle still has its own cache.
  return { db, openAnother: () => db, alteringTables: async (work) => void (await work()), close: () => db.destroy() };
});

if (requireServer('PostgreSQL', await postgresAvailable())) {
  describeServiceRegistryContract('PostgreSQL', async () => {
    const schema = await withPostgresSchema();
    return { db: schema.db, openAnother: () => schema.open(2), alteringTables: schema.alteringTables, close: schema.cleanup };
  });
}
