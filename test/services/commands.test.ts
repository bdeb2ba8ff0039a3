import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runServiceCommand } from '../../src/cli/service-commands.js';
import { SqlServiceRegistry } from '../../src/services/registry.js';
import { POLICY_DEFAULTS } from '../../src/services/types.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { ManualClock } from '../support/clock.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'apereo');

describe('wecas service …', () => {
  let db: Db;
  let clock: ManualClock;
  let printed: string[];

  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
    clock = new ManualClock();
  });

  afterEach(async () => {
    await db.destroy();
  });

  async function run(...args: string[]): Promise<number> {
    printed = [];
    return runServiceCommand(args, { db, clock, print: (line) => printed.push(line) });
  }

  const stored = () => new SqlServiceRegistry(db, clock).list();

  it('adds an exact service by default, with every option', async () => {
    expect(await run('add', 'https://app.example.org/cas', '--name', 'App')).toBe(0);
    expect(printed).toEqual([
      'Added service 1 "App": exact https://app.example.org/cas (order 0; attributes: none; logout: back-channel; no proxying)',
    ]);
    expect(
      await run(
        'add',
        '^https://wiki\\.example\\.org/.*',
        '--regex',
        '--name',
        'Wiki',
        '--attributes',
        'mail, memberOf,',
        '--order=-5',
        '--id',
        '40',
        '--logout-url',
        'https://wiki.example.org/logout',
        '--logout-type',
        'front-channel',
        '--proxy',
        '^https://wiki\\.example\\.org/pgt$',
        '--disabled',
      ),
    ).toBe(0);
    expect(printed[0]).toBe(
      'Added service 40 "Wiki": regex ^https://wiki\\.example\\.org/.* (order -5; attributes: mail, memberOf; ' +
        'logout: front-channel to https://wiki.example.org/logout; proxy callbacks: ^https://wiki\\.example\\.org/pgt$; DISABLED)',
    );
    expect(await stored()).toEqual([
      expect.objectContaining({ id: 40, matchType: 'regex', evaluationOrder: -5, attributes: ['mail', 'memberOf'], enabled: false }),
      expect.objectContaining({ id: 1, matchType: 'exact', pattern: 'https://app.example.org/cas', enabled: true }),
    ]);
    expect(await run('add', 'https://app.example.org/', '--prefix', '--name', 'Prefix')).toBe(0);
    expect(printed[0]).toMatch(/^Added service 41 "Prefix": prefix /);
  });

  it.each([
    [['add', 'https://app.example.org/'], /missing --name/],
    [['add', '--name', 'App'], /missing <pattern>/],
    [['add', 'https://a.example.org/', 'https://b.example.org/', '--name', 'App'], /unexpected argument "https:\/\/b/],
    [['add', 'https://a.example.org/', '--name', 'App', '--regex', '--prefix'], /one of --regex and --prefix/],
    [['add', 'https://a.example.org/', '--name', 'App', '--order', 'first'], /--order must be a whole number/],
    [['add', 'https://a.example.org/', '--name', 'App', '--logout-type', 'soap'], /--logout-type must be/],
    [['add', 'https://a.example.org/', '--name', 'App', '--colour', 'red'], /--colour/],
    [['frobnicate'], /unknown service command "frobnicate"/],
    [[], /missing service command/],
    [['remove'], /missing <id>/],
    [['disable', 'seven'], /the service id must be a whole number/],
  ])('refuses %j with exit code 2 and the usage', async (args, message) => {
    expect(await run(...args)).toBe(2);
    expect(printed[0]).toMatch(/^error: /);
    expect(printed[0]).toMatch(message);
    expect(printed).toContain('usage:');
    expect(await stored()).toEqual([]);
  });

  it('refuses an invalid service with exit code 1 and says why', async () => {
    expect(await run('add', 'https://(app', '--regex', '--name', 'App')).toBe(1);
    expect(printed).toEqual([expect.stringMatching(/^error: invalid service: pattern: is not a valid regular expression/)]);
    expect(await run('add', 'app.example.org', '--name', 'App')).toBe(1);
    expect(printed[0]).toMatch(/an exact pattern must be an absolute http\(s\) URL/);
    expect(await run('add', 'https://app.example.org/', '--name', 'App', '--attributes', 'mail,first name')).toBe(1);
    expect(printed[0]).toMatch(/attributes\.1: attribute names must be XML names/);
    expect(await stored()).toEqual([]);
  });

  it('refuses a pattern or proxy pattern whose matching can take exponential time, naming it, and keeps a normal one', async () => {
    expect(await run('add', '^https://app\\.example\\.org/(a+)+$', '--regex', '--name', 'Evil')).toBe(1);
    expect(printed).toEqual([expect.stringMatching(/^error: invalid service: pattern: .*exponential time.*\(a\+\)\+/)]);
    expect(
      await run('add', 'https://app.example.org/', '--prefix', '--name', 'Evil proxy', '--proxy', '^https://app\\.example\\.org/(\\w+\\s?)+$'),
    ).toBe(1);
    expect(printed).toEqual([expect.stringMatching(/^error: invalid service: proxyPattern: .*exponential time/)]);
    expect(await stored()).toEqual([]);
    const normal = '^https://app\\.example\\.org(:[0-9]+)?(/.*)?$';
    expect(await run('add', normal, '--regex', '--name', 'Normal', '--proxy', '^https://app\\.example\\.org/pgt(/.*)?$')).toBe(0);
    expect((await stored()).map((s) => s.pattern)).toEqual([normal]);
  });

  it('lists services as a table in evaluation order', async () => {
    expect(await run('list')).toBe(0);
    expect(printed).toEqual(['No services registered. Add one with: wecas service add <url> --name <name>']);
    await run('add', 'https://app.example.org/', '--prefix', '--name', 'App', '--attributes', 'mail,cn');
    await run('add', 'https://.*', '--regex', '--name', 'Everything https', '--order', '100', '--disabled');
    await run('add', 'https://first.example.org/x', '--name', 'First', '--order', '-1');
    expect(await run('list')).toBe(0);
    expect(printed).toEqual([
      'ID  ORDER  TYPE    PATTERN                      NAME              ATTRIBUTES  ENABLED',
      '3   -1     exact   https://first.example.org/x  First             -           yes',
      '1   0      prefix  https://app.example.org/     App               mail,cn     yes',
      '2   100    regex   https://.*                   Everything https  -           no',
    ]);
  });

  it('disables, enables and removes by id', async () => {
    await run('add', 'https://app.example.org/', '--name', 'App');
    expect(await run('disable', '1')).toBe(0);
    expect(printed).toEqual(['Service 1 "App" disabled.']);
    expect((await stored())[0]?.enabled).toBe(false);
    expect(await run('disable', '1')).toBe(0);
    expect(printed).toEqual(['Service 1 "App" was already disabled.']);
    expect(await run('enable', '1')).toBe(0);
    expect(printed).toEqual(['Service 1 "App" enabled.']);
    expect((await stored())[0]?.enabled).toBe(true);
    expect(await run('remove', '1')).toBe(0);
    expect(printed).toEqual(['Removed service 1 "App".']);
    expect(await stored()).toEqual([]);
  });

  it('adds a service with its policies, shows them, and updates only what is given', async () => {
    expect(
      await run(
        'add',
        'https://portal.example.edu/',
        '--prefix',
        '--name',
        'Portal',
        '--attributes',
        'mail',
        '--username-attribute',
        'username',
        '--username-case',
        'upper',
        '--rename',
        'displayName=cn,fullName',
        '--rename',
        'stableId=uid',
        '--require',
        'memberOf=^staff$',
        '--require',
        'memberOf=^faculty$',
        '--require',
        'directory=ldap',
        '--require-any',
        '--require-ignore-case',
        '--methods',
        'wechat,password',
        '--mfa',
        'required',
      ),
    ).toBe(0);
    expect(printed).toEqual([
      'Added service 1 "Portal": prefix https://portal.example.edu/ (order 0; attributes: mail; logout: back-channel; no proxying; ' +
        'user: username; user name in upper case; renamed: displayName as cn, fullName; stableId as uid; ' +
        'requires any of: memberOf, directory; methods: password, wechat; second factor required)',
    ]);
    expect(await stored()).toEqual([
      expect.objectContaining({
        usernameAttribute: 'username',
        usernameCase: 'upper',
        attributeRenames: { displayName: ['cn', 'fullName'], stableId: ['uid'] },
        requiredAttributes: { memberOf: ['^staff$', '^faculty$'], directory: ['ldap'] },
        requireAllAttributes: false,
        requiredAttributesCaseInsensitive: true,
        signInMethods: ['password', 'wechat'],
        mfaPolicy: 'required',
      }),
    ]);

    expect(await run('show', '1')).toBe(0);
    expect(printed).toEqual([
      'id               1',
      'name             Portal',
      'description      -',
      'pattern          prefix https://portal.example.edu/',
      'order            0',
      'enabled          yes',
      'user name        username (when missing: the login name, else the wecas id), in upper case',
      'attributes       mail',
      'renamed          displayName as cn, fullName; stableId as uid',
      'who may use it   people with any of: memberOf ~ /^staff$/ or /^faculty$/; directory ~ /ldap/ (ignoring case)',
      'sign-in methods  password, wechat',
      'second factor    required (TOTP app or SMS code)',
      'logout           back-channel',
      'proxy callbacks  none (may not proxy)',
    ]);

    expect(
      await run(
        'update',
        '1',
        '--username-attribute',
        '',
        '--no-renames',
        '--require',
        'memberOf=staff',
        '--require-all',
        '--methods',
        'any',
        '--mfa',
        'optional',
      ),
    ).toBe(0);
    expect(printed).toEqual([
      'Updated service 1 "Portal": prefix https://portal.example.edu/ (order 0; attributes: mail; logout: back-channel; no proxying; user name in upper case; requires all of: memberOf)',
    ]);
    expect(await stored()).toEqual([
      expect.objectContaining({
        name: 'Portal',
        attributes: ['mail'],
        usernameAttribute: null,
        usernameCase: 'upper',
        attributeRenames: {},
        requiredAttributes: { memberOf: ['staff'] },
        requireAllAttributes: true,
        requiredAttributesCaseInsensitive: true,
        signInMethods: [],
        mfaPolicy: 'optional',
      }),
    ]);
  });

  it.each([
    [['update', '1'], /nothing to change/],
    [['update', '1', '--methods', 'password,fingerprint'], /--methods takes password, sms, wechat, wecom or any \(got "fingerprint"\)/],
    [['update', '1', '--rename', 'cn'], /--rename takes <attribute>=<value> \(got "cn"\)/],
    [['update', '1', '--require', 'memberOf=x', '--no-requirements'], /one of --require and --no-requirements/],
    [['update', '1', '--require-any', '--require-all'], /one of --require-any and --require-all/],
    [['update', '1', '--username-case', 'title'], /--username-case must be none, upper or lower/],
    [['update', '1', '--mfa', 'sometimes'], /--mfa must be required or optional \(got "sometimes"\)/],
  ])('refuses the policy options %j with exit code 2, changing nothing', async (args, message) => {
    await run('add', 'https://app.example.org/', '--name', 'App');
    expect(await run(...args)).toBe(2);
    expect(printed[0]).toMatch(message);
    expect(await stored()).toEqual([expect.objectContaining({ ...POLICY_DEFAULTS })]);
  });

  it('refuses a requirement that is no regular expression with exit code 1', async () => {
    await run('add', 'https://app.example.org/', '--name', 'App');
    expect(await run('update', '1', '--require', 'memberOf=staff(')).toBe(1);
    expect(printed).toEqual([expect.stringMatching(/^error: invalid service: requiredAttributes\.memberOf\.0: is not a valid regular expression/)]);
  });

  it('says when there is no such service, with exit code 1', async () => {
    for (const command of ['remove', 'enable', 'disable', 'show']) {
      expect(await run(command, '9')).toBe(1);
      expect(printed).toEqual(['error: there is no service with id 9 (see: wecas service list)']);
    }
  });

  it('imports Apereo definitions and reports each one', async () => {
    await run('add', 'https://old.example.org/', '--name', 'Old payroll', '--id', '1001');
    expect(await run('import', FIXTURES)).toBe(0);
    expect(printed).toHaveLength(4);
    expect(printed[0]).toMatch(/^Added service 10000001 "HTTPS and IMAPS" from .*HTTPSandIMAPS-10000001\.json: regex /);
    expect(printed[1]).toMatch(/^Updated service 1001 "Payroll" from .*Payroll-1001\.json: regex .*attributes: mail, displayName, memberOf/);
    expect(printed[2]).toMatch(/^Added service 1002 "Wiki" from .*Wiki-1002\.json: .*DISABLED/);
    expect(printed[3]).toBe('Imported 3 service definition(s): 2 added, 1 updated.');
    expect(await stored()).toHaveLength(3);
  });

  it('reports every problem of a failed import with exit code 1', async () => {
    expect(await run('import', path.join(FIXTURES, 'no-such-file.json'))).toBe(1);
    expect(printed).toEqual([
      'error: nothing imported; a definition is not valid:',
      expect.stringMatching(/^ {2}.*no-such-file\.json: no such file or directory$/),
    ]);
    expect(await run('import')).toBe(2);
    expect(printed[0]).toBe('error: missing <file-or-directory>');
  });
});
