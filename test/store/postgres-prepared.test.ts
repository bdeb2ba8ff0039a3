// On PostgreSQL, a compiled-once statement (src/store/compiled-once.ts) is prepared once per connection under its
// name (preparingHotStatements, src/store/postgres.ts); any other query is sent as it is, and prepares nothing.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compiledOnce } from '../../src/store/compiled-once.js';
import { type PostgresSchema, postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';

if (requireServer('PostgreSQL', await postgresAvailable())) {
  describe('hot statements on PostgreSQL', () => {
    let schema: PostgresSchema;
    beforeAll(async () => {
      schema = await withPostgresSchema({ poolSize: 1 });
    });
    afterAll(() => schema.cleanup());

    const prepared = async () =>
      (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(schema.db)).rows;

    it('are prepared once per connection under their name, and run with each call’s values', async () => {
      const { db } = schema;
      const insert = compiledOnce<{ key: string }, never>((arg) =>
        db.insertInto('kv').values({ key: arg('key'), value: 'v', counter: null, expires_at: 0 }),
      );
      const find = compiledOnce<{ key: string }, { key: string }>((arg) => db.selectFrom('kv').select('key').where('key', '=', arg('key')));
      await db.selectFrom('kv').select('key').where('key', '=', 'not-hot').execute();
      for (const key of ['a', 'b', 'c']) await db.executeQuery(insert({ key }));
      expect((await db.executeQuery(find({ key: 'b' }))).rows).toEqual([{ key: 'b' }]);
      expect((await db.executeQuery(find({ key: 'z' }))).rows).toEqual([]);
      // One connection (poolSize 1): both statements prepared there once, the query built per call not at all.
      const statements = await prepared();
      expect(statements).toHaveLength(2);
      expect(statements.map((s) => s.name)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^wecas_\d+$/), expect.stringMatching(/^wecas_\d+$/)]),
      );
      expect(statements.map((s) => s.statement).sort()).toEqual([insert({ key: '' }).sql, find({ key: '' }).sql].sort());
    });
  });
}
