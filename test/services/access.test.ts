import { describe, expect, it } from 'vitest';
import { casUser, releasedAttributes } from '../../src/cas/attributes.js';
import { acceptsMethod, personAllowed } from '../../src/services/access.js';
import { POLICY_DEFAULTS, type RegisteredService } from '../../src/services/types.js';

function service(change: Partial<RegisteredService> = {}): RegisteredService {
  return {
    id: 1,
    name: 'App',
    description: null,
    pattern: 'https://app.example.org/',
    matchType: 'prefix',
    evaluationOrder: 0,
    attributes: [],
    ...POLICY_DEFAULTS,
    logoutType: 'none',
    logoutUrl: null,
    proxyPattern: null,
    enabled: true,
    ...change,
  };
}

const staffDn = { memberOf: ['cn=Staff,ou=groups,dc=example,dc=org', 'cn=library,ou=groups,dc=example,dc=org'], directory: ['ldap'] };

describe('personAllowed (Apereo required attributes)', () => {
  it('admits everyone when nothing is required', () => {
    expect(personAllowed(service(), {})).toBe(true);
  });

  it('finds a pattern anywhere in a value, as Apereo does; anchors make it exact', () => {
    expect(personAllowed(service({ requiredAttributes: { memberOf: ['cn=Staff,'] } }), staffDn)).toBe(true);
    expect(personAllowed(service({ requiredAttributes: { memberOf: ['^Staff$'] } }), staffDn)).toBe(false);
    expect(personAllowed(service({ requiredAttributes: { memberOf: ['^Staff$'] } }), { memberOf: ['Staff'] })).toBe(true);
  });

  it('compares case as it is told', () => {
    expect(personAllowed(service({ requiredAttributes: { memberOf: ['cn=staff,'] } }), staffDn)).toBe(false);
    expect(personAllowed(service({ requiredAttributes: { memberOf: ['cn=staff,'] }, requiredAttributesCaseInsensitive: true }), staffDn)).toBe(true);
  });

  it('needs every attribute with requireAllAttributes, one without; an absent attribute never matches', () => {
    const required = { memberOf: ['cn=Staff,'], employeeType: ['faculty'] };
    expect(personAllowed(service({ requiredAttributes: required }), staffDn)).toBe(false);
    expect(personAllowed(service({ requiredAttributes: required, requireAllAttributes: false }), staffDn)).toBe(true);
    expect(personAllowed(service({ requiredAttributes: { employeeType: ['.*'] }, requireAllAttributes: false }), staffDn)).toBe(false);
  });

  it('any one of several values of a required attribute will do', () => {
    expect(personAllowed(service({ requiredAttributes: { directory: ['hr', 'ldap'] } }), staffDn)).toBe(true);
  });
});

describe('acceptsMethod', () => {
  it('takes every method when none are listed, else only the listed ones', () => {
    expect(acceptsMethod(service(), 'sms')).toBe(true);
    expect(acceptsMethod(service({ signInMethods: ['password', 'wechat'] }), 'wechat')).toBe(true);
    expect(acceptsMethod(service({ signInMethods: ['password', 'wechat'] }), 'sms')).toBe(false);
  });
});

describe('casUser and releasedAttributes', () => {
  const principal = { id: 'u-1234', attributes: { mail: ['Li.Lei@Example.org'], phone: ['+8613800000000'], username: ['2023001'] } };

  it('releases a source under several names, and beside its own name when both are asked', () => {
    expect(
      releasedAttributes(principal.attributes, service({ attributes: ['mail'], attributeRenames: { mail: ['email', 'eduPersonPrincipalName'] } })),
    ).toEqual({
      mail: ['Li.Lei@Example.org'],
      email: ['Li.Lei@Example.org'],
      eduPersonPrincipalName: ['Li.Lei@Example.org'],
    });
  });

  it('reads the username attribute from released names first, then the person, then falls back to the principal id', () => {
    const renamed = service({ usernameAttribute: 'studentNo', attributeRenames: { username: ['studentNo'] } });
    expect(casUser(principal, renamed, releasedAttributes(principal.attributes, renamed))).toBe('2023001');
    expect(casUser(principal, service({ usernameAttribute: 'phone' }), {})).toBe('+8613800000000');
    expect(casUser(principal, service({ usernameAttribute: 'stableId' }), {})).toBe('u-1234');
    expect(casUser(principal, service({ usernameAttribute: 'mail', usernameCase: 'lower' }), {})).toBe('li.lei@example.org');
    expect(casUser(principal, service({ usernameCase: 'upper' }), {})).toBe('U-1234');
  });
});
