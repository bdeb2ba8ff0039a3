// The LDAP block of the configuration: what DIRECTORIES=ldap requires, the defaults for OpenLDAP and for Active
// Directory, and the values it refuses, each named by its variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const REQUIRED = {
  DIRECTORIES: 'local,ldap',
  LDAP_URL: 'ldaps://ldap.example.edu',
  LDAP_BASE_DN: 'dc=example,dc=edu',
  LDAP_BIND_DN: 'cn=wecas,ou=services,dc=example,dc=edu',
  LDAP_BIND_PASSWORD: 's3cret',
};
const ldapOf = (env: Record<string, string>) => loadConfig({ NODE_ENV: 'test', ...env }).directories.ldap;

describe('the LDAP settings', () => {
  it('are read only when DIRECTORIES includes ldap, and then the URL, base DN and bind settings are required, by name', () => {
    expect(ldapOf({ DIRECTORIES: 'local' })).toBeUndefined();
    expect(() => ldapOf({ DIRECTORIES: 'ldap' })).toThrow(
      'LDAP_URL: DIRECTORIES includes ldap, which needs LDAP_URL, LDAP_BASE_DN, LDAP_BIND_DN, LDAP_BIND_PASSWORD',
    );
    const { LDAP_BIND_PASSWORD: _, ...withoutPassword } = REQUIRED;
    expect(() => ldapOf(withoutPassword)).toThrow('LDAP_BIND_PASSWORD: DIRECTORIES includes ldap, which needs LDAP_BIND_PASSWORD');
  });

  it('default to an OpenLDAP-style tree: uid, entryUUID, mobile, displayName, mail, memberOf, people by objectClass=person', () => {
    expect(ldapOf(REQUIRED)).toEqual({
      urls: ['ldaps://ldap.example.edu'],
      bindDn: REQUIRED.LDAP_BIND_DN,
      bindPassword: 's3cret',
      baseDn: 'dc=example,dc=edu',
      userFilter: '(&(objectClass=person)(uid={login}))',
      phoneFilter: '(&(objectClass=person)(mobile={phone}))',
      attributes: { login: 'uid', phone: 'mobile', displayName: 'displayName', mail: 'mail', groups: 'memberOf', id: 'entryUUID' },
      released: {},
      groups: { format: 'dn', search: undefined },
      disabled: { filter: undefined, userAccountControl: false },
      tls: { caFile: undefined, startTls: false },
      connectTimeoutMs: 5000,
      timeoutMs: 5000,
      poolSize: 4,
    });
  });

  it("take Active Directory's defaults with LDAP_ACTIVE_DIRECTORY: sAMAccountName, objectGUID, objectClass=user, userAccountControl", () => {
    const ad = ldapOf({ ...REQUIRED, LDAP_ACTIVE_DIRECTORY: 'true', LDAP_FAILOVER_URL: 'ldaps://dc2.ad.example.edu:636/' })!;
    expect(ad.urls).toEqual(['ldaps://ldap.example.edu', 'ldaps://dc2.ad.example.edu:636']);
    expect(ad.userFilter).toBe('(&(objectClass=user)(sAMAccountName={login}))');
    expect(ad.attributes).toMatchObject({ login: 'sAMAccountName', id: 'objectGUID' });
    expect(ad.disabled).toEqual({ filter: undefined, userAccountControl: true });
    const own = ldapOf({
      ...REQUIRED,
      LDAP_ACTIVE_DIRECTORY: 'true',
      LDAP_LOGIN_ATTRIBUTE: 'userPrincipalName',
      LDAP_DISABLED_FILTER: '(title=离职)',
    })!;
    expect(own.userFilter).toBe('(&(objectClass=user)(userPrincipalName={login}))');
    expect(own.disabled).toEqual({ filter: '(title=离职)', userAccountControl: true });
  });

  it('read the released attributes as name=attribute pairs or as JSON, and refuse anything else', () => {
    expect(ldapOf({ ...REQUIRED, LDAP_ATTRIBUTES: 'studentId=uid, department=departmentNumber' })!.released).toEqual({
      studentId: 'uid',
      department: 'departmentNumber',
    });
    expect(ldapOf({ ...REQUIRED, LDAP_ATTRIBUTES: '{"upn":"userPrincipalName"}' })!.released).toEqual({ upn: 'userPrincipalName' });
    expect(() => ldapOf({ ...REQUIRED, LDAP_ATTRIBUTES: 'studentId' })).toThrow(/LDAP_ATTRIBUTES: "studentId" is not name=attribute/);
    expect(() => ldapOf({ ...REQUIRED, LDAP_ATTRIBUTES: '{"upn":"user principal"}' })).toThrow(/LDAP_ATTRIBUTES/);
    expect(() => ldapOf({ ...REQUIRED, LDAP_ATTRIBUTES: '["uid"]' })).toThrow(/LDAP_ATTRIBUTES/);
  });

  it('refuse filters without their placeholder or with unbalanced parentheses, and URLs that are not ldap:// or ldaps://', () => {
    expect(() => ldapOf({ ...REQUIRED, LDAP_USER_FILTER: '(uid=zhangwei)' })).toThrow('LDAP_USER_FILTER: must contain {login}');
    expect(() => ldapOf({ ...REQUIRED, LDAP_PHONE_FILTER: '(mobile={login})' })).toThrow('LDAP_PHONE_FILTER: must contain {phone}');
    expect(() => ldapOf({ ...REQUIRED, LDAP_USER_FILTER: '(&(uid={login})' })).toThrow(/LDAP_USER_FILTER: must be an LDAP filter/);
    expect(() => ldapOf({ ...REQUIRED, LDAP_DISABLED_FILTER: 'employeeType=disabled' })).toThrow(/LDAP_DISABLED_FILTER/);
    expect(() => ldapOf({ ...REQUIRED, LDAP_URL: 'https://ldap.example.edu' })).toThrow(/LDAP_URL: must be ldap:\/\/host/);
    expect(ldapOf({ ...REQUIRED, LDAP_GROUP_FILTER: '(member={dn})' })!.groups.search).toEqual({
      baseDn: 'dc=example,dc=edu',
      filter: '(member={dn})',
    });
  });

  it('refuse StartTLS on ldaps://, and in production a plain ldap:// server beyond this machine (passwords would cross in clear)', () => {
    expect(() => ldapOf({ ...REQUIRED, LDAP_STARTTLS: 'true' })).toThrow(/LDAP_STARTTLS: .*ldaps:\/\/ URL is TLS already/);
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://sso.example.edu',
      WECHAT_APP_ID: 'wx1',
      WECHAT_APP_SECRET: 's',
      SMS_PROVIDER: 'tencent',
      TENCENT_SECRET_ID: 'id',
      TENCENT_SECRET_KEY: 'key',
      TENCENT_SMS_SDK_APP_ID: '1400',
      TENCENT_SMS_SIGN_NAME: '签名',
      TENCENT_SMS_TEMPLATE_ID: '1',
      SMS_CODE_SECRET: 'x'.repeat(32),
      ...REQUIRED,
    };
    expect(() => loadConfig({ ...production, LDAP_URL: 'ldap://ldap.example.edu' })).toThrow(
      /LDAP_URL: production sends passwords to LDAP over TLS only/,
    );
    expect(loadConfig({ ...production, LDAP_URL: 'ldap://ldap.example.edu', LDAP_STARTTLS: 'true' }).directories.ldap!.tls.startTls).toBe(true);
    expect(loadConfig({ ...production, LDAP_URL: 'ldap://127.0.0.1:389' }).directories.ldap!.urls).toEqual(['ldap://127.0.0.1:389']);
    expect(loadConfig(production).directories.ldap!.urls).toEqual(['ldaps://ldap.example.edu']);
  });
});
