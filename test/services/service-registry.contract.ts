// One suite for every ServiceRegistry backend (SQLite, PostgreSQL): run it through describeServiceRegistryContract.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ServiceValidationError, SqlServiceRegistry } from '../../src/services/registry.js';
import { type NewService, POLICY_DEFAULTS } from '../../src/services/types.js';
import type { Db } from '../../src/store/db.js';
import { ManualClock } from '../support/clock.js';

/** A migrated, empty database for one test, and how to dispose of it. */
export interface TestDatabase {
  db: Db;
  /** A second connection to the same database, as another wecas process would have. */
  openAnother(): Db;
  /** Runs DDL on the tables; PostgreSQL takes the test schemas' lock, so no other file's migration sees it halfway. */
  alteringTables(work: () => Promise<unknown>): Promise<void>;
  close(): Promise<void>;
}

const app: NewService = { name: 'App', pattern: 'https://app.example.org/', matchType: 'prefix' };

export function describeServiceRegistryContract(backend: string, openTestDatabase: () => Promise<TestDatabase>): void {
  describe(`SqlServiceRegistry on ${backend}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    let clock: ManualClock;
    let registry: SqlServiceRegistry;

    beforeEach(async () => {
      testDb = await openTestDatabase();
      db = testDb.db;
      clock = new ManualClock();
      registry = new SqlServiceRegistry(db, clock, { reloadIntervalMs: 5000 });
    });

    afterEach(async () => {
      await testDb.close();
    });

    it('stores every field and reads it back', async () => {
      const added = await registry.add({
        id: 42,
        name: 'Payroll',
        description: 'Monthly pay slips',
        pattern: '^https://pay\\.example\\.org/.*',
        matchType: 'regex',
        evaluationOrder: -3,
        attributes: ['mail', 'display_name', 'memberOf'],
        attributeRenames: { displayName: ['cn', 'fullName'], stableId: ['employeeId'] },
        usernameAttribute: 'mail',
        usernameCase: 'lower',
        requiredAttributes: { memberOf: ['^payroll$', 'finance'], directory: ['hr'] },
        requireAllAttributes: false,
        requiredAttributesCaseInsensitive: true,
        signInMethods: ['wechat', 'password'],
        mfaPolicy: 'required',
        logoutType: 'front-channel',
        logoutUrl: 'https://pay.example.org/logout',
        proxyPattern: '^https://pay\\.example\\.org/pgt$',
        enabled: false,
      });
      const fresh = new SqlServiceRegistry(db, clock);
      expect(await fresh.get(42)).toEqual(added);
      expect(added).toEqual({
        id: 42,
        name: 'Payroll',
        description: 'Monthly pay slips',
        pattern: '^https://pay\\.example\\.org/.*',
        matchType: 'regex',
        evaluationOrder: -3,
        attributes: ['mail', 'display_name', 'memberOf'],
        attributeRenames: { displayName: ['cn', 'fullName'], stableId: ['employeeId'] },
        usernameAttribute: 'mail',
        usernameCase: 'lower',
        requiredAttributes: { memberOf: ['^payroll$', 'finance'], directory: ['hr'] },
        requireAllAttributes: false,
        requiredAttributesCaseInsensitive: true,
        // In one order whatever order they were given in.
        signInMethods: ['password', 'wechat'],
        mfaPolicy: 'required',
        logoutType: 'front-channel',
        logoutUrl: 'https://pay.example.org/logout',
        proxyPattern: '^https://pay\\.example\\.org/pgt$',
        enabled: false,
      });
    });

    it('fills in defaults and numbers new services max(id) + 1', async () => {
      const first = await registry.add(app);
      expect(first).toEqual({
        id: 1,
        name: 'App',
        description: null,
        pattern: 'https://app.example.org/',
        matchType: 'prefix',
        evaluationOrder: 0,
        attributes: [],
        attributeRenames: {},
        usernameAttribute: null,
        usernameCase: 'none',
        requiredAttributes: {},
        requireAllAttributes: true,
        requiredAttributesCaseInsensitive: false,
        signInMethods: [],
        mfaPolicy: 'optional',
        logoutType: 'back-channel',
        logoutUrl: null,
        proxyPattern: null,
        enabled: true,
      });
      await registry.add({ ...app, id: 10 });
      expect((await registry.add(app)).id).toBe(11);
    });

    it('refuses an id that is taken', async () => {
      await registry.add({ ...app, id: 5 });
      await expect(registry.add({ ...app, id: 5 })).rejects.toThrow(/id 5 already exists/);
      expect(await registry.list()).toHaveLength(1);
    });

    it.each([
      ['an empty pattern', { pattern: ' ' }, 'pattern'],
      ['an exact pattern that is no URL', { matchType: 'exact', pattern: 'app.example.org/x' }, 'pattern'],
      ['a prefix pattern that is not http(s)', { pattern: 'javascript:alert(1)//' }, 'pattern'],
      ['a prefix pattern with a fragment', { pattern: 'https://app.example.org/#x' }, 'pattern'],
      ['a regex that does not compile', { matchType: 'regex', pattern: 'https://(app' }, 'pattern'],
      ['an attribute name that is no XML name', { attributes: ['mail', '1st name'] }, 'attributes.1'],
      ['a relative logout URL', { logoutUrl: '/logout' }, 'logoutUrl'],
      ['a proxy pattern that does not compile', { proxyPattern: '[a-' }, 'proxyPattern'],
      ['an empty name', { name: '' }, 'name'],
      ['a rename to no XML name', { attributeRenames: { mail: ['e mail'] } }, 'attributeRenames.mail.0'],
      ['a rename to no name at all', { attributeRenames: { mail: [] } }, 'attributeRenames.mail'],
      ['two attributes released under one name', { attributes: ['mail'], attributeRenames: { phone: ['mail'] } }, 'attributeRenames.phone'],
      ['an empty username attribute', { usernameAttribute: ' ' }, 'usernameAttribute'],
      ['an unknown user name case', { usernameCase: 'title' }, 'usernameCase'],
      ['a required value that is no regular expression', { requiredAttributes: { memberOf: ['staff('] } }, 'requiredAttributes.memberOf.0'],
      ['a required value that can take exponential time', { requiredAttributes: { memberOf: ['^(a+)+$'] } }, 'requiredAttributes.memberOf.0'],
      ['a required attribute with no values', { requiredAttributes: { memberOf: [] } }, 'requiredAttributes.memberOf'],
      ['an unknown sign-in method', { signInMethods: ['password', 'fingerprint'] }, 'signInMethods.1'],
      ['an unknown second-factor policy', { mfaPolicy: 'sometimes' }, 'mfaPolicy'],
    ] as const)('refuses %s with a ServiceValidationError naming the field', async (_what, change, field) => {
      const error = await registry.add({ ...app, ...change } as NewService).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceValidationError);
      expect((error as ServiceValidationError).field).toBe(field);
      expect((error as Error).message).toContain(field);
      expect(await registry.list()).toEqual([]);
    });

    it('finds by evaluation order, then id, disabled services included', async () => {
      const catchAll = await registry.add({ name: 'All https', pattern: 'https://.*', matchType: 'regex', evaluationOrder: 100 });
      await registry.add({ ...app, name: 'Second', evaluationOrder: 5, id: 20 });
      const first = await registry.add({ ...app, name: 'First', evaluationOrder: 5, id: 10 });
      await registry.update({ ...first, enabled: false });
      expect((await registry.find('https://app.example.org/page'))?.name).toBe('First');
      expect((await registry.find('https://app.example.org/page'))?.enabled).toBe(false);
      expect(await registry.find('https://other.example.org/')).toEqual(catchAll);
      expect(await registry.find('javascript:alert(1)')).toBeUndefined();
      expect((await registry.list()).map((s) => s.name)).toEqual(['First', 'Second', 'All https']);
    });

    it('updates and removes, telling whether there was such a service', async () => {
      const added = await registry.add(app);
      expect(await registry.update({ ...added, pattern: 'https://new.example.org/', attributes: ['mail'] })).toBe(true);
      expect(await registry.find('https://app.example.org/')).toBeUndefined();
      expect((await registry.find('https://new.example.org/x'))?.attributes).toEqual(['mail']);
      expect(await registry.update({ ...added, id: 999 })).toBe(false);
      await expect(registry.update({ ...added, matchType: 'regex', pattern: '(' })).rejects.toBeInstanceOf(ServiceValidationError);

      expect(await registry.remove(added.id)).toBe(true);
      expect(await registry.remove(added.id)).toBe(false);
      expect(await registry.find('https://new.example.org/x')).toBeUndefined();
      expect(await registry.get(added.id)).toBeUndefined();
    });

    it('answers from memory until the reload interval has passed', async () => {
      await registry.add(app);
      expect(await registry.find('https://app.example.org/')).toBeDefined();
      await db.deleteFrom('services').execute(); // behind the registry's back
      expect(await registry.find('https://app.example.org/')).toBeDefined();
      clock.advance(4999);
      expect(await registry.find('https://app.example.org/')).toBeDefined();
      clock.advance(1);
      expect(await registry.find('https://app.example.org/')).toBeUndefined();
    });

    it('answers from its last read while the table cannot be read, and reads again once it can', async () => {
      await registry.add(app);
      expect(await registry.find('https://app.example.org/')).toBeDefined();
      const other = new SqlServiceRegistry(testDb.openAnother(), clock);
      await other.add({ ...app, name: 'Other', pattern: 'https://other.example.org/' });
      // The database goes away (here: the table does), and the copy grows old.
      await testDb.alteringTables(() => db.schema.alterTable('services').renameTo('services_away').execute());
      clock.advance(5000);
      expect((await registry.find('https://app.example.org/'))?.name).toBe('App');
      expect(await registry.find('https://other.example.org/')).toBeUndefined();
      await testDb.alteringTables(() => db.schema.alterTable('services_away').renameTo('services').execute());
      expect((await registry.find('https://other.example.org/'))?.name).toBe('Other');
    });

    it('sees what another registry instance (another process) wrote once the interval has passed', async () => {
      const other = new SqlServiceRegistry(testDb.openAnother(), clock);
      expect(await registry.find('https://app.example.org/')).toBeUndefined();
      const added = await other.add(app);
      expect(await other.find('https://app.example.org/')).toEqual(added); // its own write: at once
      expect(await registry.find('https://app.example.org/')).toBeUndefined();
      clock.advance(5000);
      expect(await registry.find('https://app.example.org/')).toEqual(added);

      await other.update({ ...added, enabled: false });
      clock.advance(5000);
      expect((await registry.find('https://app.example.org/'))?.enabled).toBe(false);
    });

    it('hands out services that cannot be changed behind its back', async () => {
      await registry.add({ ...app, attributes: ['mail'], attributeRenames: { mail: ['email'] }, requiredAttributes: { memberOf: ['^staff$'] } });
      const found = await registry.find('https://app.example.org/');
      expect(() => Object.assign(found ?? {}, { enabled: false })).toThrow(TypeError);
      expect(() => found?.attributes.push('password')).toThrow(TypeError);
      expect(() => found?.attributeRenames.mail?.push('password')).toThrow(TypeError);
      expect(() => Object.assign(found?.requiredAttributes ?? {}, { memberOf: ['.*'] })).toThrow(TypeError);
      expect(() => found?.signInMethods.push('sms')).toThrow(TypeError);
      expect(await registry.find('https://app.example.org/')).toMatchObject({ enabled: true, attributes: ['mail'] });
    });

    it('answers concurrent requests made before the first read', async () => {
      await registry.add(app);
      const fresh = new SqlServiceRegistry(db, clock);
      const results = await Promise.all([fresh.find('https://app.example.org/'), fresh.list(), fresh.get(1)]);
      expect(results[0]?.id).toBe(1);
      expect(results[1]).toHaveLength(1);
      expect(results[2]?.id).toBe(1);
    });

    it('reads a service stored before per-service policies with the behaviour it had: everyone, every method, the principal id', async () => {
      await db
        .insertInto('services')
        .values({
          id: 3,
          name: 'Older',
          description: null,
          pattern: 'https://older.example.org/',
          match_type: 'prefix',
          evaluation_order: 0,
          attributes: '["mail"]',
          logout_type: 'back-channel',
          logout_url: null,
          proxy_pattern: null,
          enabled: 1,
          created_at: 0,
          updated_at: 0,
        })
        .execute();
      expect(await registry.get(3)).toMatchObject({
        attributes: ['mail'],
        attributeRenames: {},
        usernameAttribute: null,
        usernameCase: 'none',
        requiredAttributes: {},
        requireAllAttributes: true,
        requiredAttributesCaseInsensitive: false,
        signInMethods: [],
      });
    });

    it('updates every policy field', async () => {
      const added = await registry.add(app);
      const changed = {
        ...added,
        attributeRenames: { phone: ['mobile'] },
        usernameAttribute: 'phone',
        usernameCase: 'upper' as const,
        requiredAttributes: { memberOf: ['staff'] },
        requireAllAttributes: false,
        requiredAttributesCaseInsensitive: true,
        signInMethods: ['sms' as const],
      };
      expect(await registry.update(changed)).toBe(true);
      expect(await new SqlServiceRegistry(db, clock).get(added.id)).toEqual(changed);
      expect(await registry.update({ ...changed, ...POLICY_DEFAULTS })).toBe(true);
      expect(await new SqlServiceRegistry(db, clock).get(added.id)).toEqual({ ...added, ...POLICY_DEFAULTS });
    });

    it('skips a stored service that no longer compiles, and says so', async () => {
      await registry.add({ ...app, evaluationOrder: 1 });
      await db
        .insertInto('services')
        .values({
          id: 7,
          name: 'Broken',
          description: null,
          pattern: '(',
          match_type: 'regex',
          evaluation_order: 0,
          attributes: '[]',
          logout_type: 'none',
          logout_url: null,
          proxy_pattern: null,
          enabled: 1,
          created_at: 0,
          updated_at: 0,
        })
        .execute();
      const problems: string[] = [];
      const reader = new SqlServiceRegistry(db, clock, { onInvalidService: (s, e) => problems.push(`${s.id}: ${e.message}`) });
      expect((await reader.find('https://app.example.org/x'))?.name).toBe('App');
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^7: /);
      expect((await reader.list()).map((s) => s.name)).toEqual(['Broken', 'App']);
    });
  });
}
