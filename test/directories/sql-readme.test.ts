// README "An existing user table", tried as an operator would: its staff table in PostgreSQL, its environment lines
// through loadConfig (only the database URL pointed at this test's schema), and what the text says the directory does.
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createSqlDirectory } from '../../src/directories/sql.js';
import { type PostgresSchema, postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';
import { hashes, postgresUrlFor } from './sql-fixtures.js';

/** The environment lines of the worked example, as an environment file gives them (no quoting, no expansion). */
function workedExample(): Record<string, string> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('A worked example:'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return Object.fromEntries(
    block.split('\n').flatMap((line) => (/^[A-Z_]+=/.test(line) ? [[line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]] : [])),
  );
}

describe.runIf(requireServer('PostgreSQL', await postgresAvailable()))("the README's existing staff table", () => {
  let schema: PostgresSchema;

  beforeAll(async () => {
    schema = await withPostgresSchema();
    await sql`create table staff (id serial primary key, job_no text, pwd text, name text, mobile text, email text, dept text, status text)`.execute(
      schema.db,
    );
    const pwd = await hashes.bcrypt('hr-password-1');
    await sql`insert into staff (job_no, pwd, name, mobile, email, dept, status)
      values ('T2024001', ${pwd}, '张伟', '138 1234 5678', 'zhangwei@example.edu', '数学系', '在职')`.execute(schema.db);
  });
  afterAll(() => schema?.cleanup());

  it('works as the text says', async () => {
    const env = workedExample();
    expect(Object.keys(env)).toContain('SQL_DIRECTORY_BY_LOGIN_QUERY');
    const settings = loadConfig({ ...env, SQL_DIRECTORY_DATABASE_URL: postgresUrlFor(schema.schema) }).directories.sql!;
    const directory = await createSqlDirectory(settings);
    try {
      await directory.check();
      const zhang = (await directory.findByLogin('t2024001'))!;
      expect(zhang).toMatchObject({
        directory: 'hr',
        login: 'T2024001',
        displayName: '张伟',
        phone: '+8613812345678',
        groups: ['数学系'],
        attributes: { department: ['数学系'] },
        disabled: false,
      });
      expect((await directory.findByLogin('T2024001'))?.id).toBe(zhang.id);
      expect(await directory.verifyPassword(zhang, 'hr-password-1')).toBe(true);
      expect((await directory.findByPhone('+8613812345678'))?.id).toBe(zhang.id);
      expect((await directory.findById(zhang.id))?.login).toBe('T2024001');
      await sql`update staff set status = '离职'`.execute(schema.db);
      expect((await directory.findById(zhang.id))?.disabled).toBe(true);
    } finally {
      await directory.close();
    }
  });
});
