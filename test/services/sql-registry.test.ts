import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { describeServiceRegistryContract } from './service-registry.contract.js';

describeServiceRegistryContract('SQLite (memory)', async () => {
  const { db } = openDatabase('sqlite::memory:');
  await migrateToLatest(db);
  return { db, close: () => db.destroy() };
});
