// The `sql` directory's settings (SQL_DIRECTORY_* in src/config.ts): required only when DIRECTORIES names it, each
// problem named by its variable, and the typed group config.directories.sql with its defaults.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const BY_LOGIN = 'SELECT id, job_no AS login, pwd AS password_hash FROM staff WHERE lower(job_no) = lower($1)';

describe('the sql directory settings', () => {
  it('are absent, and none is required, when DIRECTORIES does not name sql', () => {
    expect(loadConfig({}).directories).toMatchObject({ order: ['local'], recheckSeconds: 300, ldap: undefined, sql: undefined });
    expect(loadConfig({ SQL_DIRECTORY_BY_LOGIN_QUERY: BY_LOGIN }).directories.sql).toBeUndefined();
  });

  it('need the database URL and the by-login query when DIRECTORIES names sql, saying which are missing', () => {
    expect(() => loadConfig({ DIRECTORIES: 'local,sql' })).toThrow(
      'SQL_DIRECTORY_DATABASE_URL: DIRECTORIES includes sql, which needs SQL_DIRECTORY_DATABASE_URL and SQL_DIRECTORY_BY_LOGIN_QUERY',
    );
    expect(() => loadConfig({ DIRECTORIES: 'sql', SQL_DIRECTORY_DATABASE_URL: 'postgres://hr@db/hr' })).toThrow(
      'SQL_DIRECTORY_BY_LOGIN_QUERY: DIRECTORIES includes sql, which needs SQL_DIRECTORY_BY_LOGIN_QUERY',
    );
    expect(() => loadConfig({ DIRECTORIES: 'sql', SQL_DIRECTORY_DATABASE_URL: 'mysql://hr@db/hr', SQL_DIRECTORY_BY_LOGIN_QUERY: BY_LOGIN })).toThrow(
      /SQL_DIRECTORY_DATABASE_URL: .*postgres:\/\/.*sqlite:<file>/,
    );
    expect(() => loadConfig({ DIRECTORIES: 'sql', SQL_DIRECTORY_DATABASE_URL: 'sqlite::memory:', SQL_DIRECTORY_BY_LOGIN_QUERY: BY_LOGIN })).toThrow(
      /SQL_DIRECTORY_DATABASE_URL/,
    );
  });

  it('come typed, with their defaults, in config.directories.sql', () => {
    const config = loadConfig({
      DIRECTORIES: 'local,sql',
      SQL_DIRECTORY_DATABASE_URL: 'postgres://hr:secret@db:5432/hr',
      SQL_DIRECTORY_BY_LOGIN_QUERY: BY_LOGIN,
    });
    expect(config.directories).toEqual({
      order: ['local', 'sql'],
      recheckSeconds: 300,
      sql: {
        name: 'sql',
        databaseUrl: 'postgres://hr:secret@db:5432/hr',
        queries: { byLogin: BY_LOGIN, byPhone: undefined, byId: undefined },
        phoneParameter: 'national',
        groups: { format: 'delimited', delimiter: ',' },
        activeStatuses: undefined,
        legacyUnsaltedHashes: false,
        timeoutMs: 5000,
      },
    });
  });

  it('read every SQL_DIRECTORY_* variable', () => {
    const sql = loadConfig({
      DIRECTORIES: 'sql',
      SQL_DIRECTORY_NAME: 'hr',
      SQL_DIRECTORY_DATABASE_URL: 'sqlite:data/hr.db',
      SQL_DIRECTORY_BY_LOGIN_QUERY: BY_LOGIN,
      SQL_DIRECTORY_BY_PHONE_QUERY: 'SELECT … WHERE mobile = ?',
      SQL_DIRECTORY_BY_ID_QUERY: 'SELECT … WHERE id = ?',
      SQL_DIRECTORY_PHONE_PARAMETER: 'e164',
      SQL_DIRECTORY_GROUPS_FORMAT: 'json',
      SQL_DIRECTORY_GROUPS_DELIMITER: ';',
      SQL_DIRECTORY_ACTIVE_STATUSES: '在职, active',
      SQL_DIRECTORY_LEGACY_UNSALTED_HASHES: 'true',
      SQL_DIRECTORY_TIMEOUT_MS: '2000',
    }).directories.sql;
    expect(sql).toEqual({
      name: 'hr',
      databaseUrl: `sqlite:${path.resolve('data/hr.db')}`,
      queries: { byLogin: BY_LOGIN, byPhone: 'SELECT … WHERE mobile = ?', byId: 'SELECT … WHERE id = ?' },
      phoneParameter: 'e164',
      groups: { format: 'json', delimiter: ';' },
      activeStatuses: ['在职', 'active'],
      legacyUnsaltedHashes: true,
      timeoutMs: 2000,
    });
  });

  it('refuse a directory name that is not one, or that is local, and statuses with a gap; an empty list is unset', () => {
    const base = { DIRECTORIES: 'sql', SQL_DIRECTORY_DATABASE_URL: 'postgres://hr@db/hr', SQL_DIRECTORY_BY_LOGIN_QUERY: BY_LOGIN };
    expect(() => loadConfig({ ...base, SQL_DIRECTORY_NAME: 'local' })).toThrow(/SQL_DIRECTORY_NAME: .*cannot be local/);
    expect(() => loadConfig({ ...base, SQL_DIRECTORY_NAME: 'HR System' })).toThrow(/SQL_DIRECTORY_NAME: /);
    expect(() => loadConfig({ ...base, SQL_DIRECTORY_PHONE_PARAMETER: 'digits' })).toThrow(/SQL_DIRECTORY_PHONE_PARAMETER/);
    expect(() => loadConfig({ ...base, SQL_DIRECTORY_ACTIVE_STATUSES: 'active,,在职' })).toThrow(/SQL_DIRECTORY_ACTIVE_STATUSES/);
    expect(loadConfig({ ...base, SQL_DIRECTORY_ACTIVE_STATUSES: '' }).directories.sql?.activeStatuses).toBeUndefined();
  });
});
