import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ADMIN_ROLES } from '../../admin/roles.js';
import { MAX_TOKEN_DAYS } from '../../admin/tokens.js';
import { adminOf } from './auth.js';
import { refusals } from './errors.js';

const role = z.enum(ADMIN_ROLES);
const grant = z.object({ userId: z.string(), username: z.string().nullable(), role, grantedAt: z.number().int(), grantedBy: z.string().nullable() });
const token = z.object({
  id: z.string(),
  userId: z.string(),
  role,
  name: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
  lastUsedAt: z.number().int().nullable(),
});
const account = z.object({ account: z.string().min(1).describe('an account id, login name or phone number') });
const tags = ['roles and tokens'];
const admin = { adminRole: 'admin' } as const;

/** Who may administer, and their personal API tokens (admin role only). */
export function registerAccessRoutes(app: FastifyInstance): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/roles',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Granted roles (directory groups may confer more)',
        response: { 200: z.object({ roles: z.array(grant) }), ...refusals },
      },
    },
    async (request) => ({ roles: await adminOf(request).act.access.list() }),
  );
  routes.put(
    '/roles/:account',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Grant a role',
        params: account,
        body: z.strictObject({ role }),
        response: { 200: z.object({ account: z.string(), role, before: role.nullable() }), ...refusals },
      },
    },
    async (request) => {
      const { target, before } = await adminOf(request).act.access.grant(request.params.account, request.body.role);
      return { account: target.user.id, role: request.body.role, before: before ?? null };
    },
  );
  routes.delete(
    '/roles/:account',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Revoke a granted role',
        params: account,
        response: { 200: z.object({ account: z.string(), revoked: role }), ...refusals },
      },
    },
    async (request) => {
      const { target, role: revoked } = await adminOf(request).act.access.revoke(request.params.account);
      return { account: target.user.id, revoked };
    },
  );
  routes.get(
    '/tokens',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Personal API tokens (never their secrets)',
        querystring: z.strictObject({ account: z.string().min(1).optional() }),
        response: { 200: z.object({ tokens: z.array(token) }), ...refusals },
      },
    },
    async (request) => ({ tokens: await adminOf(request).act.access.listTokens(request.query.account) }),
  );
  routes.post(
    '/tokens',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Make a token (for yourself unless `account` is given); its secret is in this answer only',
        body: z.strictObject({
          account: z.string().min(1).optional(),
          name: z.string().min(1).max(100),
          role: role.default('helpdesk'),
          days: z.number().int().min(1).max(MAX_TOKEN_DAYS).default(90),
        }),
        response: { 201: z.object({ token, secret: z.string() }), ...refusals },
      },
    },
    async (request, reply) => {
      const { act, admin: self } = adminOf(request);
      const { account: ref, ...input } = request.body;
      const { token: made, secret } = await act.access.createToken(ref ?? self.id, input);
      return reply.code(201).header('cache-control', 'no-store').send({ token: made, secret });
    },
  );
  routes.delete(
    '/tokens/:id',
    {
      config: admin,
      schema: { tags, summary: 'Revoke a token', params: z.object({ id: z.string().min(1) }), response: { 200: token, ...refusals } },
    },
    async (request) => adminOf(request).act.access.revokeToken(request.params.id),
  );
}
