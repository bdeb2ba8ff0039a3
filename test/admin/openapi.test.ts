// The admin API as its OpenAPI document describes it: every route has schemas, and every route is walked with no
// token, a malformed header, an unknown, an expired and a revoked token, a token whose owner lost the role, a
// helpdesk token and an admin token. Each refusal is the right status with a JSON body naming the problem.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_API_PREFIX } from '../../src/http/admin/plugin.js';
import { type AdminApi, openAdminApi } from './api-harness.js';

interface Operation {
  method: string;
  path: string;
  role: 'admin' | 'helpdesk';
  spec: {
    description?: string;
    parameters?: Array<{ in: string; name: string; schema?: unknown }>;
    requestBody?: { content: Record<string, { schema?: unknown }> };
    responses: Record<string, { content?: Record<string, { schema?: { properties?: Record<string, unknown> } }> }>;
  };
}

let api: AdminApi;
let operations: Operation[];
const tokens: Record<string, string> = {};

beforeAll(async () => {
  api = await openAdminApi();
  const doc = await api.call(undefined, 'GET', '/openapi.json');
  expect(doc.statusCode).toBe(200);
  const spec = doc.json() as { openapi: string; paths: Record<string, Record<string, Operation['spec']>> };
  expect(spec.openapi).toMatch(/^3\./);
  operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const role = /Needs the (admin|helpdesk) role/.exec(op.description ?? '')?.[1];
      if (role !== 'admin' && role !== 'helpdesk') throw new Error(`${method} ${path} says no role: ${op.description}`);
      return { method: method.toUpperCase(), path, role, spec: op };
    }),
  );
  tokens.admin = (await api.token('admin', 'root')).secret;
  tokens.helpdesk = (await api.token('helpdesk', 'helen')).secret;
  tokens.expired = (await api.token('admin', 'old', 1)).secret;
  const revoked = await api.token('admin', 'gone');
  await api.wecas.admin.access.revokeToken(revoked.tokenId);
  tokens.revoked = revoked.secret;
  tokens.demoted = (await api.token('admin', 'demoted')).secret;
  await api.wecas.admin.access.revoke('demoted');
  api.clock.advance(86_400_000); // the 1-day token has expired; the others (30 days) have not
});
afterAll(() => api.close());

/** The operation's path with every parameter filled in (values no record has: the walk is about who is let in). */
function concrete(path: string): string {
  return path.replace(ADMIN_API_PREFIX, '').replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'id' ? '999999' : `no-such-${name}`));
}

async function send(op: Operation, token: string | undefined, header?: string) {
  const response = await api.app.inject({
    method: op.method as 'GET',
    url: `${ADMIN_API_PREFIX}${concrete(op.path)}`,
    headers: header !== undefined ? { authorization: header } : token !== undefined ? { authorization: `Bearer ${token}` } : {},
    ...(op.spec.requestBody ? { payload: {} } : {}),
  });
  return response;
}

function expectProblem(response: Awaited<ReturnType<typeof send>>, status: number, code: string): void {
  expect({ status: response.statusCode, type: response.headers['content-type'] }).toEqual({ status, type: 'application/json; charset=utf-8' });
  const body = response.json() as { error: string; message: string };
  expect(body).toEqual({ error: code, message: expect.any(String) });
  expect(body.message.length).toBeGreaterThan(10);
}

describe('the admin API from its OpenAPI document', () => {
  it('lists every resource group', () => {
    const paths = new Set(operations.map((o) => o.path.replace(ADMIN_API_PREFIX, '').split('/')[1]));
    expect([...paths].sort()).toEqual(['accounts', 'appeals', 'audit', 'audit.csv', 'health', 'roles', 'services', 'tokens']);
    expect(operations.length).toBeGreaterThanOrEqual(28);
  });

  it('gives every route a schema for its path parameters, body and responses, and a JSON error schema for each 4xx', () => {
    for (const op of operations) {
      const where = `${op.method} ${op.path}`;
      const named = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      const declared = (op.spec.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name);
      expect(declared.sort(), where).toEqual(named.sort());
      for (const p of op.spec.parameters ?? []) expect(p.schema, `${where} ${p.name}`).toBeDefined();
      if (op.spec.requestBody) expect(op.spec.requestBody.content['application/json']?.schema, where).toBeDefined();
      if (['PUT', 'PATCH'].includes(op.method)) expect(op.spec.requestBody, where).toBeDefined();
      const success = Object.keys(op.spec.responses).filter((s) => s.startsWith('2'));
      expect(success.length, where).toBe(1);
      expect(op.spec.responses[success[0]!]!.content, where).toBeDefined();
      for (const status of ['400', '401', '403', '404', '409']) {
        const schema = op.spec.responses[status]?.content?.['application/json']?.schema;
        expect(Object.keys(schema?.properties ?? {}), `${where} ${status}`).toEqual(['error', 'message', 'reason']);
      }
    }
  });

  it('refuses every route without a token, with a malformed header, and with an unknown token: 401 naming the problem', async () => {
    for (const op of operations) {
      const none = await send(op, undefined);
      expectProblem(none, 401, 'missing_token');
      expect(none.headers['www-authenticate']).toMatch(/^Bearer /);
      expectProblem(await send(op, undefined, `Basic ${Buffer.from('root:pw').toString('base64')}`), 401, 'invalid_authorization');
      expectProblem(await send(op, 'wecas_pat_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), 401, 'unknown_token');
    }
  });

  it('refuses an expired token, a revoked token and a token whose owner lost the role, on every route', async () => {
    for (const op of operations) {
      expectProblem(await send(op, tokens.expired), 401, 'expired_token');
      expectProblem(await send(op, tokens.revoked), 401, 'revoked_token');
      expectProblem(await send(op, tokens.demoted), 403, 'role_revoked');
    }
  });

  it('lets a helpdesk token through to helpdesk routes only, and an admin token through to all; every 4xx is JSON that names the problem', async () => {
    for (const op of operations) {
      const helpdesk = await send(op, tokens.helpdesk);
      const admin = await send(op, tokens.admin);
      if (op.role === 'admin') expectProblem(helpdesk, 403, 'insufficient_role');
      for (const [who, response] of [
        ['helpdesk', helpdesk],
        ['admin', admin],
      ] as const) {
        if (who === 'helpdesk' && op.role === 'admin') continue;
        const where = `${who} ${op.method} ${op.path}: ${response.body.slice(0, 200)}`;
        expect([401, 403], where).not.toContain(response.statusCode);
        expect(response.statusCode, where).toBeLessThan(500);
        if (response.statusCode >= 400) {
          const body = response.json() as { error: string; message: string };
          // A refusal of the domain names its reason too (admin/refusals.ts), a stable code like `error`.
          expect(body, where).toEqual({
            error: expect.stringMatching(/^[a-z_]+$/),
            message: expect.any(String),
            ...('reason' in body ? { reason: expect.stringMatching(/^[a-z_]+$/) } : {}),
          });
        }
      }
    }
  });

  it('answers an unknown route under the prefix with JSON, and sends no CORS headers, even to a preflight', async () => {
    const unknown = await api.call(tokens.admin, 'GET', '/nothing-here');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not_found', message: expect.stringContaining('/admin/api/v1/openapi.json') });
    const preflight = await api.app.inject({
      method: 'OPTIONS',
      url: `${ADMIN_API_PREFIX}/services`,
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    const viaBrowser = await api.app.inject({
      method: 'GET',
      url: `${ADMIN_API_PREFIX}/services`,
      headers: { origin: 'https://evil.example', authorization: `Bearer ${tokens.admin}` },
    });
    expect(viaBrowser.statusCode).toBe(200);
    for (const response of [preflight, viaBrowser]) expect(Object.keys(response.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
  });

  it('serves the reference page and its files from the installed package', async () => {
    const page = await api.call(undefined, 'GET', '/docs/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui-bundle.js');
    const script = await api.call(undefined, 'GET', '/docs/static/swagger-ui-bundle.js');
    expect(script.statusCode).toBe(200);
    expect(script.body.length).toBeGreaterThan(100_000);
  });
});
