import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { MFA_POLICIES, SIGN_IN_METHODS } from '../../services/types.js';
import { adminOf } from './auth.js';
import { refusals } from './errors.js';

const attributeMap = z.record(z.string(), z.array(z.string()));

/** Every field of a registered service (services/types.ts), as the API reads and writes it. */
const serviceFields = {
  name: z.string().describe('shown to people on the login page'),
  description: z.string().nullable(),
  pattern: z.string().describe('an absolute http(s) URL (exact, prefix) or a regular expression matched against the whole URL (regex)'),
  matchType: z.enum(['exact', 'prefix', 'regex']),
  evaluationOrder: z.number().int().describe('lower is tried first; ties go to the lower id'),
  attributes: z.array(z.string()).describe('attributes released under their own names'),
  attributeRenames: attributeMap.describe('attribute → the names it is released as'),
  usernameAttribute: z.string().nullable().describe('the attribute whose first value is the CAS user; null: the login name, else the wecas id'),
  usernameCase: z.enum(['none', 'upper', 'lower']),
  requiredAttributes: attributeMap.describe('attribute → patterns, one of which must be found in a value; {}: everyone'),
  requireAllAttributes: z.boolean(),
  requiredAttributesCaseInsensitive: z.boolean(),
  signInMethods: z.array(z.enum(SIGN_IN_METHODS)).describe('accepted methods; []: every method'),
  mfaPolicy: z.enum(MFA_POLICIES),
  logoutType: z.enum(['back-channel', 'front-channel', 'none']),
  logoutUrl: z.string().nullable(),
  proxyPattern: z.string().nullable().describe('anchored regex a pgtUrl must match; null: may not proxy'),
  enabled: z.boolean(),
};

export const serviceSchema = z.object({ id: z.number().int(), ...serviceFields });
const serviceInput = z.strictObject({
  ...z.object(serviceFields).partial().shape,
  id: z.number().int().min(0).optional(),
  name: serviceFields.name,
  pattern: serviceFields.pattern,
  matchType: serviceFields.matchType,
});
const servicePatch = z.strictObject(z.object(serviceFields).partial().shape);
const idParams = z.object({ id: z.coerce.number().int().min(0).describe('the service id') });
const tags = ['services'];
const admin = { adminRole: 'admin' } as const;

const matchStep = z.object({
  id: z.number().int(),
  name: z.string(),
  matchType: serviceFields.matchType,
  pattern: z.string(),
  evaluationOrder: z.number().int(),
  enabled: z.boolean(),
  outcome: z.enum(['matched', 'no_match', 'invalid_pattern']),
});
const matchReport = z.object({
  url: z.string(),
  matchedAs: z.string().nullable(),
  service: serviceSchema.nullable(),
  verdict: z.enum(['matched', 'matched_disabled', 'no_service', 'not_a_service_url']),
  reason: z.string(),
  tried: z.array(matchStep),
});

/** The service registry (admin role only): list, show, add, change, remove, and the "which service matches" tester. */
export function registerServiceRoutes(app: FastifyInstance): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  routes.get(
    '/services',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Every registered service, in evaluation order',
        response: { 200: z.object({ services: z.array(serviceSchema) }), ...refusals },
      },
    },
    async (request) => ({ services: await adminOf(request).act.services.list() }),
  );
  routes.get(
    '/services/:id',
    { config: admin, schema: { tags, summary: 'One service', params: idParams, response: { 200: serviceSchema, ...refusals } } },
    async (request) => adminOf(request).act.services.get(request.params.id),
  );
  routes.post(
    '/services',
    { config: admin, schema: { tags, summary: 'Register a service', body: serviceInput, response: { 201: serviceSchema, ...refusals } } },
    async (request, reply) => reply.code(201).send(await adminOf(request).act.services.add(request.body)),
  );
  routes.patch(
    '/services/:id',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Change some fields of a service (the others stay)',
        params: idParams,
        body: servicePatch,
        response: { 200: z.object({ service: serviceSchema, changed: z.array(z.string()) }), ...refusals },
      },
    },
    async (request) => adminOf(request).act.services.update(request.params.id, request.body),
  );
  routes.delete(
    '/services/:id',
    {
      config: admin,
      schema: { tags, summary: 'Remove a service', params: idParams, response: { 200: z.object({ removed: serviceSchema }), ...refusals } },
    },
    async (request) => ({ removed: await adminOf(request).act.services.remove(request.params.id) }),
  );
  routes.post(
    '/services/match',
    {
      config: admin,
      schema: {
        tags,
        summary: 'Which service a URL belongs to, and why',
        body: z.strictObject({ url: z.string().min(1).describe('a service URL, as an application would send it to /login') }),
        response: { 200: matchReport, ...refusals },
      },
    },
    async (request) => adminOf(request).act.services.match(request.body.url),
  );
}
