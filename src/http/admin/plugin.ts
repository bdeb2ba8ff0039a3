import fastifySwagger, { type SwaggerTransform } from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import type { Wecas } from '../../wecas.js';
import { registerAccessRoutes } from './access.js';
import { registerAccountRoutes } from './accounts.js';
import { registerAppealRoutes } from './appeals.js';
import { registerAuditRoutes } from './audit.js';
import { authenticateAdmins } from './auth.js';
import { ApiProblem, answerProblem } from './errors.js';
import { registerHealthRoutes } from './health.js';
import { registerServiceRoutes } from './services.js';

/** The zod schemas as JSON schema, and the role each route needs said in its description (where clients read it). */
const withRole: SwaggerTransform = (input) => {
  const out = jsonSchemaTransform(input);
  const role = input.route.config?.adminRole;
  if (role === undefined) return out;
  const needs = role === 'admin' ? 'Needs the admin role.' : 'Needs the helpdesk role (or admin).';
  return { ...out, schema: { ...out.schema, description: needs } };
};

/** Where the admin API lives: outside the CAS prefix, versioned so a later, different API can sit beside it. */
export const ADMIN_API_PREFIX = '/admin/api/v1';

/**
 * The admin API, a scope of its own under ADMIN_API_PREFIX: bearer tokens, JSON answers for every refusal, and
 * the OpenAPI document generated from the routes' zod schemas (@fastify/swagger) with a reference page
 * (@fastify/swagger-ui, whose files are served from the installed package). No CORS plugin: browsers of other
 * origins are refused by the same-origin policy, as a token-bearing API should have them.
 */
export async function registerAdminApi(app: FastifyInstance, wecas: Wecas): Promise<void> {
  await app.register(
    async (api) => {
      api.setErrorHandler(answerProblem);
      api.setNotFoundHandler((request, reply) =>
        answerProblem(
          new ApiProblem(404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}: see ${ADMIN_API_PREFIX}/openapi.json`),
          request,
          reply,
        ),
      );
      await api.register(fastifySwagger, {
        openapi: {
          openapi: '3.1.0',
          info: {
            title: 'wecas admin API',
            version: '1',
            description: 'Services, accounts, appeals, the audit log, health and usage. See docs/admin-api.md.',
          },
          servers: [{ url: wecas.config.server.publicUrl }],
          components: {
            securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'a personal API token (wecas admin token create)' } },
          },
          security: [{ bearer: [] }],
        },
        transform: withRole,
      });
      authenticateAdmins(api, { tokens: wecas.admin.tokens, roles: wecas.admin.roles, users: wecas.users, as: wecas.admin.as });
      registerServiceRoutes(api);
      registerAccountRoutes(api);
      registerAppealRoutes(api);
      registerAuditRoutes(api, { db: wecas.db });
      registerHealthRoutes(api, { usage: wecas.usage });
      registerAccessRoutes(api);
      api.get('/openapi.json', { schema: { hide: true } }, async (_request, reply) => reply.header('cache-control', 'no-store').send(api.swagger()));
      await api.register(fastifySwaggerUi, {
        routePrefix: '/docs',
        indexPrefix: ADMIN_API_PREFIX,
        staticCSP: true,
        uiConfig: { docExpansion: 'list', deepLinking: false },
      });
    },
    { prefix: ADMIN_API_PREFIX },
  );
}
