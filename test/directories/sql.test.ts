// The sql directory (src/directories/sql.ts) over existing-style tables: the directory contract against a `staff`
// table in PostgreSQL (bcrypt and {SSHA} hashes, a status column) and a `people` table in a SQLite file (PBKDF2 and
// Argon2id, a lock flag, JSON groups, no by-id query), then what only this kind does: every hash format read
// through a table, the legacy switch, queries that do not fit, injection attempts, and the read-only connection.
import { type AddressInfo, createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlDirectorySettings } from '../../src/config.js';
import type { Directory } from '../../src/directories/directory.js';
import { createSqlDirectory } from '../../src/directories/sql.js';
import { hashPassword } from '../../src/users/password.js';
import { type PostgresSchema, postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';
import { type DirectoryFixture, directoryContract, type KnownAccount } from './directory.contract.js';
import { type HashVector, LEGACY, ONE_PER_FORMAT } from './hash-vectors.js';
import {
  closedPostgresUrl,
  createPeopleFile,
  createStaffTable,
  hashes,
  insertPeople,
  insertStaff,
  PEOPLE_QUERIES,
  postgresUrlFor,
  type SqliteFile,
  STAFF_QUERIES,
  type StaffRow,
  sqlSettings,
} from './sql-fixtures.js';

const zhang: KnownAccount = { login: 'zhangwei', password: 'pw-zhang-1', phone: '+8613812340001', displayName: '张伟', groups: ['teachers', 'math'] };
const li: KnownAccount = { login: 'lina', password: 'pw-lina-2', phone: '+8613812340002', displayName: '李娜', groups: ['staff'] };
const gone = { login: 'gone', password: 'pw-gone-3' };

/** The three contract accounts as rows, their hashes made by `hashOf` (one format per account). */
async function contractRows(hash: (account: string, password: string) => Promise<string> | string): Promise<StaffRow[]> {
  const row = async (a: KnownAccount, mobile: string): Promise<StaffRow> => ({
    login: a.login,
    passwordHash: await hash(a.login, a.password),
    name: a.displayName,
    mobile,
    email: `${a.login}@example.edu`,
    groups: a.groups,
    active: true,
  });
  return [
    await row(zhang, '138 1234 0001'),
    await row(li, '138 1234 0002'),
    { login: gone.login, passwordHash: await hash(gone.login, gone.password), name: '离职', mobile: null, email: null, groups: [], active: false },
  ];
}

/** Opens a directory for one test and closes it after, whatever the test did. */
async function withDirectory(settings: SqlDirectorySettings, test: (directory: Directory) => Promise<void>): Promise<void> {
  const directory = await createSqlDirectory(settings);
  try {
    await test(directory);
  } finally {
    await directory.close();
  }
}

describe.runIf(requireServer('PostgreSQL', await postgresAvailable()))('an existing staff table in PostgreSQL', () => {
  let schema: PostgresSchema;
  let settings: SqlDirectorySettings;

  beforeAll(async () => {
    schema = await withPostgresSchema();
    // bcrypt for most, {SSHA} for one: two systems' accounts merged into one table, as happens.
    await createStaffTable(schema.db, await contractRows((login, password) => (login === 'lina' ? hashes.ssha(password) : hashes.bcrypt(password))));
    settings = sqlSettings({ databaseUrl: postgresUrlFor(schema.schema), queries: STAFF_QUERIES, activeStatuses: ['在职'] });
  });
  afterAll(() => schema?.cleanup());

  directoryContract('sql (PostgreSQL staff table)', async (): Promise<DirectoryFixture> => {
    const directory = await createSqlDirectory(settings);
    return {
      directory,
      active: zhang,
      other: li,
      disabled: gone,
      unreachable: async () => createSqlDirectory({ ...settings, databaseUrl: await closedPostgresUrl() }),
      close: () => directory.close(),
    };
  });

  it('checks every hash format an existing table may hold, read through the table', async () => {
    const vectors = await everyFormat();
    for (const [i, v] of vectors.entries()) await insertStaff(schema.db, { ...row(`vector${i}`), passwordHash: v.hash });
    await withDirectory(settings, async (directory) => {
      for (const [i, vector] of vectors.entries()) {
        const account = (await directory.findByLogin(`vector${i}`))!;
        expect(await directory.verifyPassword(account, vector.password), `${vector.format}: ${vector.source}`).toBe(true);
        expect(await directory.verifyPassword(account, `${vector.password}!`), `${vector.format}: ${vector.source}`).toBe(false);
      }
    });
  });

  it('refuses an unsalted MD5 hash as misconfigured, saying why, unless the legacy switch is on', async () => {
    const md5 = LEGACY.find((v) => v.format === 'md5-hex')!;
    await insertStaff(schema.db, { ...row('oldmd5'), passwordHash: md5.hash });
    await withDirectory(settings, async (directory) => {
      const account = (await directory.findByLogin('oldmd5'))!;
      await expect(directory.verifyPassword(account, md5.password)).rejects.toMatchObject({
        kind: 'misconfigured',
        message: expect.stringMatching(/md5-hex is an unsalted hash, accepted only with the legacy-hash switch on/),
      });
    });
    const warnings: string[] = [];
    const logger = { warn: (_: object, message: string) => void warnings.push(message) };
    const legacy = await createSqlDirectory({ ...settings, legacyUnsaltedHashes: true }, { logger });
    try {
      expect(warnings.join('\n')).toMatch(/accepts unsalted MD5\/SHA-1 password hashes/);
      const account = (await legacy.findByLogin('oldmd5'))!;
      expect(await legacy.verifyPassword(account, md5.password)).toBe(true);
      expect(await legacy.verifyPassword(account, 'wrong')).toBe(false);
    } finally {
      await legacy.close();
    }
  });

  it('finds nothing for SQL injection attempts in a login, a phone or an id', async () => {
    await withDirectory(settings, async (directory) => {
      for (const login of ["' OR '1'='1", "zhangwei' --", "zhangwei'; DROP TABLE staff; --", 'zhangwei\\', '%', '_hangwei'])
        expect(await directory.findByLogin(login)).toBeUndefined();
      expect(await directory.findById('1 OR 1=1')).toBeUndefined();
      expect(await directory.findByPhone("+8613812340001' OR '1'='1")).toBeUndefined();
      expect((await directory.findByLogin('zhangwei'))?.login).toBe('zhangwei'); // the table is still there
    });
  });

  it('says misconfigured, naming the missing column, when a query does not return what an account needs (at check and at first use)', async () => {
    const withoutHash = { ...STAFF_QUERIES, byLogin: 'SELECT id, job_no AS login, name AS display_name FROM staff WHERE job_no = $1' };
    await withDirectory({ ...settings, queries: withoutHash }, async (directory) => {
      const missing = { kind: 'misconfigured', message: expect.stringContaining('the by-login query returns no column password_hash') };
      await expect(directory.check()).rejects.toMatchObject(missing);
      await expect(directory.findByLogin('zhangwei')).rejects.toMatchObject(missing);
      await expect(directory.findByLogin('nobody')).rejects.toMatchObject(missing); // known from the columns, even without a row
    });
    const broken = [
      'SELECT id, job_no AS login, pwd AS password_hash FROM staf WHERE job_no = $1', // no such table
      'SELECT id, job_no AS login, pwd AS password_hash FROM staff WHERE job_no = $2', // the wrong parameter
      'SELECT id, job_no AS login, pwd AS password_hash FROM staff', // no parameter at all
      `UPDATE staff SET pwd = 'x' WHERE job_no = $1 RETURNING id, job_no AS login, pwd AS password_hash`, // a write
    ];
    for (const byLogin of broken)
      await withDirectory({ ...settings, queries: { ...STAFF_QUERIES, byLogin } }, async (directory) => {
        await expect(directory.findByLogin('zhangwei'), byLogin).rejects.toMatchObject({ directory: 'hr', kind: 'misconfigured' });
      });
    await withDirectory(settings, async (directory) => {
      const account = (await directory.findByLogin('zhangwei'))!;
      expect(await directory.verifyPassword(account, zhang.password)).toBe(true); // the UPDATE changed nothing
    });
  });

  it('says timeout when the database accepts the connection and never answers', async () => {
    const silent = createServer(() => {}); // takes the connection, says nothing
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      await withDirectory({ ...settings, databaseUrl: `postgres://postgres@127.0.0.1:${port}/test`, timeoutMs: 300 }, async (directory) => {
        await expect(directory.findByLogin('zhangwei')).rejects.toMatchObject({ directory: 'hr', kind: 'timeout' });
      });
    } finally {
      silent.close();
    }
  });

  it('releases the columns beyond the fixed ones as attributes, and reads a status column against the active statuses', async () => {
    await insertStaff(schema.db, { ...row('wangfang'), title: '副教授' });
    await withDirectory(settings, async (directory) => {
      expect(await directory.findByLogin('wangfang')).toMatchObject({ attributes: { title: ['副教授'] }, disabled: false });
      expect(await directory.findByLogin('gone')).toMatchObject({ disabled: true, phone: null, mail: null, groups: [] });
    });
  });
});

describe('an existing people table in a SQLite file', () => {
  let file: SqliteFile;
  let settings: SqlDirectorySettings;

  beforeAll(async () => {
    // PBKDF2 (Django) for most, Argon2id for one; numbers kept with their country code, the by-phone query given E.164.
    const rows = await contractRows((login, password) => (login === 'lina' ? hashes.argon2id(password) : hashes.pbkdf2(password)));
    file = createPeopleFile(rows.map((r) => ({ ...r, mobile: r.mobile && `+86 ${r.mobile}` })));
    settings = sqlSettings({ databaseUrl: file.url, queries: PEOPLE_QUERIES, phoneParameter: 'e164', groups: { format: 'json', delimiter: ',' } });
  });
  afterAll(() => file?.cleanup());

  directoryContract('sql (SQLite people table)', async (): Promise<DirectoryFixture> => {
    const directory = await createSqlDirectory(settings);
    return { directory, active: zhang, other: li, disabled: gone, close: () => directory.close() };
  });

  it('checks every hash format an existing table may hold, read through the table', async () => {
    const vectors = await everyFormat();
    for (const [i, v] of vectors.entries()) insertPeople(file.db, { ...row(`vector${i}`), passwordHash: v.hash });
    await withDirectory(settings, async (directory) => {
      for (const [i, vector] of vectors.entries()) {
        const account = (await directory.findById(`vector${i}`))!; // no by-id query: the login is the id
        expect(await directory.verifyPassword(account, vector.password), `${vector.format}: ${vector.source}`).toBe(true);
        expect(await directory.verifyPassword({ ...account }, `${vector.password}!`), 'read again by id').toBe(false);
      }
    });
  });

  it('refuses an unsalted hash unless the legacy switch is on', async () => {
    const sha1 = LEGACY.find((v) => v.format === 'sha1-hex')!;
    insertPeople(file.db, { ...row('oldsha1'), passwordHash: sha1.hash });
    await withDirectory(settings, async (directory) => {
      await expect(directory.verifyPassword((await directory.findByLogin('oldsha1'))!, sha1.password)).rejects.toMatchObject({
        kind: 'misconfigured',
      });
    });
    await withDirectory({ ...settings, legacyUnsaltedHashes: true }, async (directory) => {
      expect(await directory.verifyPassword((await directory.findByLogin('oldsha1'))!, sha1.password)).toBe(true);
    });
  });

  it('finds nothing for SQL injection attempts', async () => {
    await withDirectory(settings, async (directory) => {
      for (const login of ["' OR '1'='1", "lina' --", "' OR 1=1 --", "lina'; DELETE FROM people; --"]) {
        expect(await directory.findByLogin(login)).toBeUndefined();
        expect(await directory.findById(login)).toBeUndefined();
      }
      expect((await directory.findByLogin('lina'))?.login).toBe('lina');
    });
  });

  it('says misconfigured for a query that lacks a column, writes, or is not SQL; unreachable for a file that is not there', async () => {
    const queries = [
      'SELECT uid AS id, uid AS login FROM people WHERE uid = ?',
      "UPDATE people SET secret = 'x' WHERE uid = ? RETURNING uid AS id, uid AS login, secret AS password_hash",
      'SELEKT everything',
    ];
    for (const byLogin of queries)
      await withDirectory({ ...settings, queries: { ...PEOPLE_QUERIES, byLogin } }, async (directory) => {
        await expect(directory.check(), byLogin).rejects.toMatchObject({ kind: 'misconfigured' });
      });
    await withDirectory({ ...settings, databaseUrl: `${file.url}.missing` }, async (directory) => {
      await expect(directory.findByLogin('lina')).rejects.toMatchObject({ kind: 'unreachable' });
    });
  });

  it('without a by-id query, refuses a table whose id is not its login (ids could never be found again)', async () => {
    const byLogin = PEOPLE_QUERIES.byLogin.replace('uid AS id', "'n' || uid AS id");
    await withDirectory({ ...settings, queries: { ...PEOPLE_QUERIES, byLogin } }, async (directory) => {
      await expect(directory.findByLogin('lina')).rejects.toMatchObject({
        kind: 'misconfigured',
        message: expect.stringMatching(/login must be the id/),
      });
    });
  });

  it('says misconfigured when a login matches several rows, and finds nobody by a phone several rows share', async () => {
    insertPeople(file.db, { ...row('Twin'), mobile: '+86 138 1234 0099' });
    insertPeople(file.db, { ...row('twin'), mobile: '+86 138 1234 0099' });
    await withDirectory(settings, async (directory) => {
      await expect(directory.findByLogin('TWIN')).rejects.toMatchObject({
        kind: 'misconfigured',
        message: expect.stringMatching(/found 2 accounts/),
      });
      expect(await directory.findByPhone('+8613812340099')).toBeUndefined();
    });
  });
});

/** One vector of each format (Argon2 made cheap here), and wecas's own scrypt$N=… (a table another wecas wrote). */
async function everyFormat(): Promise<HashVector[]> {
  const made = async (format: HashVector['format'], hash: (password: string) => Promise<string>, password: string): Promise<HashVector> => ({
    format,
    hash: await hash(password),
    password,
    source: 'made for this test',
  });
  return [
    ...ONE_PER_FORMAT.filter((v) => !v.format.startsWith('argon2')),
    await made('argon2id', hashes.argon2id, 'argon-id-1'),
    await made('argon2i', hashes.argon2i, 'argon-i-1'),
    await made('scrypt', hashPassword, 'wecas-own-1'),
  ];
}

/** An active row with no password, phone or groups; tests set what they check. */
function row(login: string): StaffRow {
  return { login, passwordHash: null, name: login, mobile: null, email: null, groups: [], active: true };
}
