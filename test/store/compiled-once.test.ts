// A query compiled once (src/store/compiled-once.ts) runs with each call's values in its slots, and keeps the
// constants it was written with.
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiledOnce } from '../../src/store/compiled-once.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';

let db: Db;
beforeEach(async () => {
  ({ db } = openDatabase('sqlite::memory:'));
  await migrateToLatest(db);
});
afterEach(() => db.destroy());

describe('compiledOnce', () => {
  it('runs the query with each call’s values, the constants as written', async () => {
    const insert = compiledOnce<{ key: string; value: string }, never>((arg) =>
      db.insertInto('kv').values({ key: arg('key'), value: arg('value'), counter: 7, expires_at: 0 }),
    );
    await db.executeQuery(insert({ key: 'a', value: 'first' }));
    await db.executeQuery(insert({ key: 'b', value: 'second' }));
    const find = compiledOnce<{ key: string }, { value: string; counter: number | null }>((arg) =>
      db.selectFrom('kv').select(['value', 'counter']).where('key', '=', arg('key')).where('expires_at', '=', 0),
    );
    expect((await db.executeQuery(find({ key: 'b' }))).rows).toEqual([{ value: 'second', counter: 7 }]);
    expect((await db.executeQuery(find({ key: 'a' }))).rows).toEqual([{ value: 'first', counter: 7 }]);
    expect((await db.executeQuery(find({ key: 'c' }))).rows).toEqual([]);
  });

  it('fills every place one name appears, in raw SQL too', async () => {
    const echo = compiledOnce<{ word: string }, { twice: string }>((arg) => ({
      compile: () => sql<{ twice: string }>`SELECT ${arg('word')} || '-' || ${arg('word')} AS twice`.compile(db),
    }));
    expect((await db.executeQuery(echo({ word: 'ab' }))).rows).toEqual([{ twice: 'ab-ab' }]);
    expect((await db.executeQuery(echo({ word: 'cd' }))).rows).toEqual([{ twice: 'cd-cd' }]);
  });
});
