import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApereoImportError, importApereoServices, parseApereoService, relaxedJsonToJson } from '../../src/services/apereo-import.js';
import { SqlServiceRegistry } from '../../src/services/registry.js';
import { POLICY_DEFAULTS } from '../../src/services/types.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { ManualClock } from '../support/clock.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'apereo');
const POLICY_FIXTURES = path.join(import.meta.dirname, 'fixtures', 'apereo-policies');

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApereoImportError) return error.problems;
    throw error;
  }
  throw new Error('expected an ApereoImportError');
}

const minimal = (extra: string) => `{
  "@class": "org.apereo.cas.services.CasRegisteredService",
  "serviceId": "^https://app\\\\.example\\\\.org/.*",
  "name": "App",
  "id": 7${extra}
}`;

describe('relaxedJsonToJson', () => {
  it('blanks comments and trailing commas but keeps strings and positions', () => {
    const text = '{ "a": "x // y /* z */ #", // note\n "b": [1, 2,], /* c */ # d\n}';
    const json = relaxedJsonToJson(text);
    expect(json).toHaveLength(text.length);
    expect(JSON.parse(json)).toEqual({ a: 'x // y /* z */ #', b: [1, 2] });
  });

  it('keeps escaped quotes inside strings', () => {
    expect(JSON.parse(relaxedJsonToJson('{"a": "say \\"hi\\", // still text",}'))).toEqual({ a: 'say "hi", // still text' });
  });
});

describe('parseApereoService', () => {
  it('reads the fields wecas honours, with Apereo defaults', () => {
    expect(parseApereoService(minimal(''), 'app.json')).toEqual({
      id: 7,
      name: 'App',
      description: null,
      pattern: '^https://app\\.example\\.org/.*',
      matchType: 'regex',
      evaluationOrder: 0,
      attributes: [],
      ...POLICY_DEFAULTS,
      logoutType: 'back-channel',
      logoutUrl: null,
      proxyPattern: null,
      enabled: true,
    });
  });

  it('releases nothing under a deny-all policy, even with an attribute list', () => {
    const text = minimal(`, "attributeReleasePolicy": {
      "@class": "org.apereo.cas.services.DenyAllAttributeReleasePolicy", "allowedAttributes": ["mail"] }`);
    expect(parseApereoService(text, 'app.json').attributes).toEqual([]);
  });

  it('names the file and the missing field', () => {
    const text = '{ "@class": "org.apereo.cas.services.CasRegisteredService", "serviceId": "^https://x/.*", "id": 3 }';
    const problems = problemsOf(() => parseApereoService(text, 'NoName-3.json'));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^NoName-3\.json: name: /);
  });

  it('refuses a service class or policy it cannot honour', () => {
    expect(problemsOf(() => parseApereoService(minimal('').replace('CasRegisteredService', 'OidcRegisteredService'), 'oidc.json'))).toEqual([
      expect.stringMatching(/^oidc\.json: @class: unsupported @class/),
    ]);
    const all = minimal(', "attributeReleasePolicy": { "@class": "org.apereo.cas.services.ReturnAllAttributeReleasePolicy" }');
    expect(problemsOf(() => parseApereoService(all, 'all.json'))).toEqual([
      expect.stringMatching(/^all\.json: attributeReleasePolicy\.@class: unsupported @class/),
    ]);
    const proxy = minimal(', "proxyPolicy": { "@class": "org.apereo.cas.services.RegexMatchingRegisteredServiceProxyPolicy" }');
    expect(problemsOf(() => parseApereoService(proxy, 'proxy.json'))).toEqual([
      expect.stringMatching(/^proxy\.json: proxyPolicy\.pattern: .*needs a pattern/),
    ]);
  });

  it('names the Apereo field when the value is invalid for wecas', () => {
    const badRegex = minimal('').replace('^https://app', '^https://(app');
    expect(problemsOf(() => parseApereoService(badRegex, 'a.json'))).toEqual([expect.stringMatching(/^a\.json: serviceId: .*regular expression/)]);
    const badAttribute = minimal(
      ', "attributeReleasePolicy": { "@class": "ReturnAllowedAttributeReleasePolicy", "allowedAttributes": ["java.util.ArrayList", ["mail", "first name"]] }',
    );
    expect(problemsOf(() => parseApereoService(badAttribute, 'b.json'))).toEqual([
      expect.stringMatching(/^b\.json: attributeReleasePolicy\.allowedAttributes: .*XML names/),
    ]);
    expect(problemsOf(() => parseApereoService(minimal(', "logoutType": "SOAP"'), 'c.json'))).toEqual([
      expect.stringMatching(/^c\.json: logoutType: /),
    ]);
  });

  it('refuses a serviceId or proxy pattern whose matching can take exponential time, naming the file and the field', () => {
    const evil = minimal('').replace('^https://app\\\\.example\\\\.org/.*', '^(a+)+$');
    expect(problemsOf(() => parseApereoService(evil, 'Evil-8.json'))).toEqual([
      expect.stringMatching(/^Evil-8\.json: serviceId: .*exponential time/),
    ]);
    const evilProxy = minimal(
      ', "proxyPolicy": { "@class": "org.apereo.cas.services.RegexMatchingRegisteredServiceProxyPolicy", "pattern": "^https://app\\\\.example\\\\.org/([a-z]+/?)*$" }',
    );
    expect(problemsOf(() => parseApereoService(evilProxy, 'EvilProxy-9.json'))).toEqual([
      expect.stringMatching(/^EvilProxy-9\.json: proxyPolicy\.pattern: .*exponential time/),
    ]);
  });

  it('says where the JSON is broken', () => {
    const problems = problemsOf(() => parseApereoService('{\n  "name": "App"\n  "id": 1\n}', 'broken.json'));
    expect(problems).toEqual([expect.stringMatching(/^broken\.json: not valid JSON: .*line 3/)]);
  });
});

describe('parseApereoService: release, username and access policies', () => {
  const fixture = (name: string) => parseApereoService(readFileSync(path.join(POLICY_FIXTURES, name), 'utf8'), name);

  it('reads a mapped release policy as Jackson writes it, a source released under several names', () => {
    expect(fixture('StaffPortal-2001.json')).toMatchObject({
      attributes: [],
      attributeRenames: { displayName: ['cn', 'fullName'], memberOf: ['groups'], username: ['employeeNumber'] },
    });
  });

  it('reads the principal-attribute username provider and its canonicalization mode', () => {
    expect(fixture('StaffPortal-2001.json')).toMatchObject({ usernameAttribute: 'mail', usernameCase: 'lower' });
    expect(fixture('Library-2002.json')).toMatchObject({ usernameAttribute: 'username', usernameCase: 'upper' });
    // The default provider: the principal id, cased.
    expect(fixture('Wiki-2003.json')).toMatchObject({ usernameAttribute: null, usernameCase: 'lower' });
  });

  it('reads required attributes with requireAllAttributes (default true) and caseInsensitive', () => {
    expect(fixture('StaffPortal-2001.json')).toMatchObject({
      requiredAttributes: { memberOf: ['cn=staff,', 'cn=administrators,'], employeeType: ['^staff$'] },
      requireAllAttributes: false,
      requiredAttributesCaseInsensitive: true,
    });
    expect(fixture('Library-2002.json')).toMatchObject({
      attributes: ['displayName', 'mail'],
      requiredAttributes: { memberOf: ['library-users'], directory: ['ldap'] },
      requireAllAttributes: true,
      requiredAttributesCaseInsensitive: false,
    });
  });

  it('reads the hand-written forms: a mapped policy as a plain object, required values as plain arrays', () => {
    expect(fixture('Wiki-2003.json')).toMatchObject({
      attributeRenames: { mail: ['email'], stableId: ['uid'] },
      requiredAttributes: { memberOf: ['staff', 'students'] },
      enabled: true,
    });
  });

  it('reads a multifactor policy with the TOTP (mfa-gauth) or SMS token (mfa-simple) provider as "second factor required"', () => {
    const policy = (providers: string) =>
      `, "multifactorPolicy": { "@class": "org.apereo.cas.services.DefaultRegisteredServiceMultifactorPolicy", "multifactorAuthenticationProviders": ["java.util.LinkedHashSet", [${providers}]], "failureMode": "CLOSED", "bypassEnabled": false, "forceExecution": true }`;
    expect(parseApereoService(minimal(policy('"mfa-gauth"')), 'p.json').mfaPolicy).toBe('required');
    expect(parseApereoService(minimal(policy('"mfa-simple", "mfa-gauth"')), 'p.json').mfaPolicy).toBe('required');
    expect(parseApereoService(minimal(policy('')), 'p.json').mfaPolicy).toBe('optional');
    expect(parseApereoService(minimal(''), 'p.json').mfaPolicy).toBe('optional');
  });

  it.each([
    [
      'a second factor wecas does not offer (Duo)',
      ', "multifactorPolicy": { "@class": "org.apereo.cas.services.DefaultRegisteredServiceMultifactorPolicy", "multifactorAuthenticationProviders": ["java.util.LinkedHashSet", ["mfa-duo"]] }',
      /^p\.json: multifactorPolicy\.multifactorAuthenticationProviders: wecas offers only a TOTP app \(mfa-gauth\) or an SMS code \(mfa-simple\)/,
    ],
    [
      'a second factor triggered by an attribute',
      ', "multifactorPolicy": { "multifactorAuthenticationProviders": ["java.util.LinkedHashSet", ["mfa-gauth"]], "principalAttributeNameTrigger": "memberOf" }',
      /^p\.json: multifactorPolicy\.principalAttributeNameTrigger: wecas cannot ask for a second factor depending on attributes/,
    ],
    [
      'a second factor that may be bypassed',
      ', "multifactorPolicy": { "multifactorAuthenticationProviders": ["java.util.LinkedHashSet", ["mfa-gauth"]], "bypassEnabled": true }',
      /^p\.json: multifactorPolicy\.bypassEnabled: wecas cannot bypass the second factor/,
    ],
    [
      'a second factor that fails open',
      ', "multifactorPolicy": { "multifactorAuthenticationProviders": ["java.util.LinkedHashSet", ["mfa-gauth"]], "failureMode": "OPEN" }',
      /^p\.json: multifactorPolicy\.failureMode: wecas never lets a sign-in through without its second factor/,
    ],
    [
      'a scripted multifactor policy',
      ', "multifactorPolicy": { "@class": "org.apereo.cas.services.GroovyRegisteredServiceMultifactorPolicy", "groovyScript": "file:/etc/cas/mfa.groovy" }',
      /^p\.json: multifactorPolicy\.@class: unsupported @class/,
    ],
    [
      'an inline Groovy script as a released name',
      ', "attributeReleasePolicy": { "@class": "org.apereo.cas.services.ReturnMappedAttributeReleasePolicy", "allowedAttributes": { "@class": "java.util.TreeMap", "cn": "groovy { return attributes[\'cn\'][0] }" } }',
      /^p\.json: attributeReleasePolicy\.allowedAttributes\.cn\.0: is a script; wecas runs no scripts/,
    ],
    [
      'a released name that is no XML name',
      ', "attributeReleasePolicy": { "@class": "ReturnMappedAttributeReleasePolicy", "allowedAttributes": { "cn": "common name" } }',
      /^p\.json: attributeReleasePolicy\.allowedAttributes\.cn: .*XML names/,
    ],
    [
      'two sources released under one name',
      ', "attributeReleasePolicy": { "@class": "ReturnMappedAttributeReleasePolicy", "allowedAttributes": { "cn": "name", "displayName": "name" } }',
      /^p\.json: attributeReleasePolicy\.allowedAttributes\.displayName: name is already released from cn/,
    ],
    [
      'an attribute filter',
      ', "attributeReleasePolicy": { "@class": "ReturnAllowedAttributeReleasePolicy", "allowedAttributes": ["mail"], "attributeFilter": { "@class": "org.apereo.cas.services.support.RegisteredServiceRegexAttributeFilter", "pattern": "^\\\\w{3}$" } }',
      /^p\.json: attributeReleasePolicy\.attributeFilter: wecas cannot filter released values/,
    ],
    [
      'an anonymous username provider',
      ', "usernameAttributeProvider": { "@class": "org.apereo.cas.services.AnonymousRegisteredServiceUsernameAttributeProvider" }',
      /^p\.json: usernameAttributeProvider\.@class: unsupported @class/,
    ],
    [
      'a principal-attribute provider without its attribute',
      ', "usernameAttributeProvider": { "@class": "org.apereo.cas.services.PrincipalAttributeRegisteredServiceUsernameProvider" }',
      /^p\.json: usernameAttributeProvider\.usernameAttribute: .*needs a usernameAttribute/,
    ],
    [
      'an encrypted user name',
      ', "usernameAttributeProvider": { "@class": "org.apereo.cas.services.PrincipalAttributeRegisteredServiceUsernameProvider", "usernameAttribute": "mail", "encryptUsername": true }',
      /^p\.json: usernameAttributeProvider\.encryptUsername: wecas does not encrypt user names/,
    ],
    [
      'a canonicalization mode that is not UPPER, LOWER or NONE',
      ', "usernameAttributeProvider": { "@class": "org.apereo.cas.services.DefaultRegisteredServiceUsernameProvider", "canonicalizationMode": "TITLE" }',
      /^p\.json: usernameAttributeProvider\.canonicalizationMode: /,
    ],
    [
      'an access strategy that decides elsewhere',
      ', "accessStrategy": { "@class": "org.apereo.cas.services.RemoteEndpointServiceAccessStrategy", "endpointUrl": "https://x" }',
      /^p\.json: accessStrategy\.@class: unsupported @class/,
    ],
    [
      'rejected attributes',
      ', "accessStrategy": { "@class": "org.apereo.cas.services.DefaultRegisteredServiceAccessStrategy", "rejectedAttributes": { "@class": "java.util.HashMap", "memberOf": ["java.util.HashSet", ["alumni"]] } }',
      /^p\.json: accessStrategy\.rejectedAttributes: wecas cannot refuse people by attribute/,
    ],
    [
      'single sign-on turned off',
      ', "accessStrategy": { "@class": "org.apereo.cas.services.DefaultRegisteredServiceAccessStrategy", "ssoEnabled": false }',
      /^p\.json: accessStrategy\.ssoEnabled: wecas cannot turn single sign-on off/,
    ],
    [
      'a required value that is a script',
      ', "accessStrategy": { "requiredAttributes": { "memberOf": ["groovy { return true }"] } }',
      /^p\.json: accessStrategy\.requiredAttributes\.memberOf\.0: is a script/,
    ],
    [
      'a required value this server cannot read as a regular expression',
      ', "accessStrategy": { "requiredAttributes": { "memberOf": ["java.util.HashSet", ["staff("]] } }',
      /^p\.json: accessStrategy\.requiredAttributes\.memberOf: .*regular expression/,
    ],
    [
      'required authentication handlers',
      ', "authenticationPolicy": { "@class": "org.apereo.cas.services.DefaultRegisteredServiceAuthenticationPolicy", "requiredAuthenticationHandlers": ["java.util.TreeSet", ["LdapAuthenticationHandler"]] }',
      /^p\.json: authenticationPolicy\.requiredAuthenticationHandlers: .*--methods/,
    ],
  ])('refuses %s, naming the file and the field', (_what, extra, message) => {
    expect(problemsOf(() => parseApereoService(minimal(extra), 'p.json'))).toEqual([expect.stringMatching(message)]);
  });
});

describe('importApereoServices', () => {
  let db: Db;
  let registry: SqlServiceRegistry;
  let dir: string;

  beforeEach(async () => {
    db = openDatabase('sqlite::memory:').db;
    await migrateToLatest(db);
    registry = new SqlServiceRegistry(db, new ManualClock());
    dir = await mkdtemp(path.join(tmpdir(), 'wecas-apereo-'));
  });

  afterEach(async () => {
    await db.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('imports a directory of realistic definitions', async () => {
    const imported = await importApereoServices(registry, FIXTURES);
    expect(imported.map((i) => [path.basename(i.file), i.action, i.service.id])).toEqual([
      ['HTTPSandIMAPS-10000001.json', 'added', 10000001],
      ['Payroll-1001.json', 'added', 1001],
      ['Wiki-1002.json', 'added', 1002],
    ]);
    expect(await registry.get(1001)).toEqual({
      id: 1001,
      name: 'Payroll',
      description: 'Monthly pay slips // not a comment, inside a string',
      pattern: '^https://payroll\\.example\\.org(:8443)?/.*',
      matchType: 'regex',
      evaluationOrder: 10,
      attributes: ['mail', 'displayName', 'memberOf'],
      ...POLICY_DEFAULTS,
      logoutType: 'back-channel',
      logoutUrl: 'https://payroll.example.org/cas/logout',
      proxyPattern: '^https://payroll\\.example\\.org/pgtCallback$',
      enabled: true,
    });
    expect(await registry.get(1002)).toMatchObject({ attributes: ['uid', 'mail'], logoutType: 'front-channel', enabled: false, proxyPattern: null });
    // Evaluation order puts Payroll before the catch-all demo definition.
    expect((await registry.find('https://payroll.example.org:8443/home'))?.name).toBe('Payroll');
    expect((await registry.find('https://intranet.example.org/'))?.name).toBe('HTTPS and IMAPS');
  });

  it('imports the policy fixtures and stores each as it was read', async () => {
    const imported = await importApereoServices(registry, POLICY_FIXTURES);
    expect(imported.map((i) => [path.basename(i.file), i.action])).toEqual([
      ['Library-2002.json', 'added'],
      ['StaffPortal-2001.json', 'added'],
      ['Wiki-2003.json', 'added'],
    ]);
    expect(await registry.get(2001)).toEqual(parseApereoService(readFileSync(path.join(POLICY_FIXTURES, 'StaffPortal-2001.json'), 'utf8'), 'x'));
  });

  it('updates a service whose id exists already', async () => {
    await registry.add({ id: 1001, name: 'Old payroll', pattern: 'https://old.example.org/', matchType: 'prefix' });
    const imported = await importApereoServices(registry, path.join(FIXTURES, 'Payroll-1001.json'));
    expect(imported.map((i) => i.action)).toEqual(['updated']);
    expect(await registry.list()).toHaveLength(1);
    expect((await registry.get(1001))?.name).toBe('Payroll');
  });

  it('imports nothing when one file is wrong, and lists every problem', async () => {
    await writeFile(path.join(dir, 'good-1.json'), minimal('').replace('"id": 7', '"id": 1'));
    await writeFile(path.join(dir, 'bad-2.json'), minimal('').replace('"id": 7', '"id": 2').replace('"name": "App",', ''));
    await writeFile(path.join(dir, 'same-1.json'), minimal('').replace('"id": 7', '"id": 1'));
    await writeFile(path.join(dir, 'notes.txt'), 'not a definition');
    const error = await importApereoServices(registry, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApereoImportError);
    expect((error as ApereoImportError).problems).toEqual([
      expect.stringMatching(/bad-2\.json: name: /),
      expect.stringMatching(/same-1\.json: id: 1 is also the id of .*good-1\.json/),
    ]);
    expect(await registry.list()).toEqual([]);
  });

  it('says when there is nothing to import', async () => {
    await expect(importApereoServices(registry, dir)).rejects.toThrow(/no \.json service definitions/);
    await expect(importApereoServices(registry, path.join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: no such file/);
  });
});
