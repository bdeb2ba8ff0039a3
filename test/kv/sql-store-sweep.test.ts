import { afterEach, beforeEach, expect, it } from 'vitest';
import { SqlKeyValueStore } from '../../src/kv/sql-store.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { ManualClock } from '../support/clock.js';

// The contract can only see that live entries survive a sweep; here we look at the table to see expired rows go.
let db: Db;
beforeEach(async () => {
  db = openDatabase('sqlite::memory:').db;
  await migrateToLatest(db);
});
afterEach(() => db.destroy());

it('deletes every expired row, across several batches, and nothing else', async () => {
  const clock = new ManualClock();
  const store = new SqlKeyValueStore(db, clock);
  for (let i = 0; i < 2500; i++) await store.put(`state:${i}`, { i }, 60);
  await store.increment('rate:old', 60);
  await store.put('state:live', 'y', 600);
  clock.advance(60_000);

  expect(await store.sweep()).toBe(2501);
  const rows = await db.selectFrom('kv').select('key').execute();
  expect(rows).toEqual([{ key: 'state:live' }]);
  expect(await store.sweep()).toBe(0);
});
