// The services of the admin API: register, read, change, test a URL against, remove; each change audited naming the admin.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AdminApi, auditEvents, openAdminApi } from './api-harness.js';

let api: AdminApi;
let admin: { secret: string; userId: string };

beforeEach(async () => {
  api = await openAdminApi();
  admin = await api.token('admin', 'root');
});
afterEach(() => api.close());

describe('services over the admin API', () => {
  it('registers a service with every policy field, reads it back, changes some fields and removes it', async () => {
    const input = {
      name: 'Library',
      description: 'the catalogue',
      pattern: 'https://lib.example.edu/',
      matchType: 'prefix',
      evaluationOrder: 5,
      attributes: ['mail'],
      attributeRenames: { memberOf: ['groups'] },
      usernameAttribute: 'mail',
      usernameCase: 'lower',
      requiredAttributes: { memberOf: ['^staff$'] },
      requireAllAttributes: false,
      requiredAttributesCaseInsensitive: true,
      signInMethods: ['password', 'wechat'],
      mfaPolicy: 'required',
      logoutType: 'front-channel',
      logoutUrl: 'https://lib.example.edu/logout',
      proxyPattern: '^https://lib\\.example\\.edu/proxy$',
      enabled: true,
    };
    const created = await api.call(admin.secret, 'POST', '/services', input);
    expect(created.statusCode).toBe(201);
    const service = created.json() as { id: number };
    expect(service).toEqual({ id: 1, ...input });
    expect((await api.call(admin.secret, 'GET', '/services/1')).json()).toEqual(service);
    expect(await api.wecas.services.get(1)).toEqual(service);

    const patched = await api.call(admin.secret, 'PATCH', '/services/1', { enabled: false, attributes: ['mail', 'phone'], name: 'Library' });
    expect(patched.json()).toEqual({ service: { ...service, enabled: false, attributes: ['mail', 'phone'] }, changed: ['attributes', 'enabled'] });
    expect((await api.call(admin.secret, 'GET', '/services')).json()).toEqual({
      // The console's built-in service (services/built-in.ts) is listed first: it is in the registry, and matches.
      services: [expect.objectContaining({ id: 0, name: 'wecas admin console' }), { ...service, enabled: false, attributes: ['mail', 'phone'] }],
    });

    expect((await api.call(admin.secret, 'DELETE', '/services/1')).statusCode).toBe(200);
    expect(await api.wecas.services.get(1)).toBeUndefined();
    const missing = await api.call(admin.secret, 'GET', '/services/1');
    expect({ status: missing.statusCode, body: missing.json() }).toEqual({
      status: 404,
      body: { error: 'not_found', reason: 'no_such_service', message: 'there is no service with id 1' },
    });

    const events = [
      ...(await auditEvents(api.wecas, 'service.added')),
      ...(await auditEvents(api.wecas, 'service.updated')),
      ...(await auditEvents(api.wecas, 'service.removed')),
    ];
    expect(events.map((e) => e.detail)).toEqual([
      { serviceId: 1, name: 'Library', via: 'api', admin: admin.userId },
      { serviceId: 1, name: 'Library', via: 'api', changed: ['attributes', 'enabled'], admin: admin.userId },
      { serviceId: 1, name: 'Library', via: 'api', admin: admin.userId },
    ]);
  });

  it('refuses what the registry refuses, and unknown fields, with a 400 that names the field', async () => {
    const badRegex = await api.call(admin.secret, 'POST', '/services', { name: 'x', pattern: '(a+)+$', matchType: 'regex' });
    expect(badRegex.statusCode).toBe(400);
    expect(badRegex.json()).toEqual({ error: 'invalid_service', message: expect.stringContaining('pattern') });
    const typo = await api.call(admin.secret, 'POST', '/services', {
      name: 'x',
      pattern: 'https://a.example/',
      matchType: 'exact',
      atributes: ['mail'],
    });
    expect(typo.statusCode).toBe(400);
    expect(typo.json()).toEqual({ error: 'invalid_request', message: expect.stringContaining('atributes') });
    const notJson = await api.app.inject({
      method: 'POST',
      url: '/admin/api/v1/services',
      headers: { authorization: `Bearer ${admin.secret}`, 'content-type': 'application/json' },
      payload: '{"name":',
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toEqual({ error: 'bad_request', message: expect.any(String) });
  });

  it('tests a URL: which service matches, in what form, and why; the services tried before it', async () => {
    await api.wecas.services.add({ name: 'Exact', pattern: 'https://app.example.org/cb', matchType: 'exact', evaluationOrder: 1 });
    await api.wecas.services.add({ name: 'Apps', pattern: 'https://app.example.org/', matchType: 'prefix', evaluationOrder: 2 });
    await api.wecas.services.add({ name: 'Old', pattern: '^https://old\\.example\\.org/.*', matchType: 'regex', evaluationOrder: 3, enabled: false });

    const hit = (await api.call(admin.secret, 'POST', '/services/match', { url: 'HTTPS://App.Example.org:443/x?y=1' })).json();
    expect(hit).toMatchObject({
      matchedAs: 'https://app.example.org/x?y=1',
      verdict: 'matched',
      service: { id: 2, name: 'Apps' },
      reason:
        'the URL begins with the pattern at a path boundary of service 2 "Apps" (prefix, evaluation order 2); 2 services tried before it did not match',
    });
    expect(hit.tried.map((t: { id: number; outcome: string }) => [t.id, t.outcome])).toEqual([
      [0, 'no_match'],
      [1, 'no_match'],
      [2, 'matched'],
    ]);
    const disabled = (await api.call(admin.secret, 'POST', '/services/match', { url: 'https://old.example.org/a' })).json();
    expect(disabled).toMatchObject({
      verdict: 'matched_disabled',
      service: { id: 3 },
      reason: expect.stringContaining('disabled, so sign-in refuses it'),
    });
    const none = (await api.call(admin.secret, 'POST', '/services/match', { url: 'https://elsewhere.example/' })).json();
    expect(none).toMatchObject({ verdict: 'no_service', service: null, reason: 'none of the 4 registered services matches this URL' }); // 3 and the built-in one
    const notUrl = (await api.call(admin.secret, 'POST', '/services/match', { url: 'javascript:alert(1)' })).json();
    expect(notUrl).toMatchObject({ verdict: 'not_a_service_url', matchedAs: null, tried: [] });
  });
});
