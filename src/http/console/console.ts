import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { roleLookup } from '../../admin/console-roles.js';
import { createTicketValidator } from '../../cas/validation.js';
import type { Wecas } from '../../wecas.js';
import type { Pages } from '../pages/pages.js';
import { CONSOLE_PATH, createConsoleSessions, sameText } from './console-session.js';
import { type ConsoleKit, createConsoleKit } from './kit.js';
import { registerAccountPages } from './routes/accounts.js';
import { registerAppealPages } from './routes/appeals.js';
import { registerAuditPages } from './routes/audit.js';
import { registerDashboard } from './routes/dashboard.js';
import { registerServicePages } from './routes/services.js';
import { registerSignInRoutes, registerSignOutRoute } from './routes/sign-in.js';
import { registerTokenPages } from './routes/tokens.js';

/**
 * The web console at /admin: server-rendered pages over the same domain functions the CLI and the API use. Sign-in
 * goes through wecas itself (routes/sign-in.ts); every other page sits behind the guard below, which finds the
 * console session, reads the role again, and refuses a POST without the session's form token.
 */
export async function registerConsole(app: FastifyInstance, wecas: Wecas, pages: Pages): Promise<void> {
  const { config } = wecas;
  const publicOrigin = new URL(config.server.publicUrl).origin;
  const sessions = createConsoleSessions({
    kv: wecas.kv,
    clock: wecas.clock,
    seconds: config.adminConsole.sessionSeconds,
    secure: config.server.secureCookies,
  });
  const kit = createConsoleKit({ pages, audit: wecas.audit, base: CONSOLE_PATH });
  const roles = roleLookup(wecas.admin.roles, wecas.users);
  app.decorateRequest('consoleAdmin', null);

  await app.register(
    async (scope) => {
      registerSignInRoutes(scope, {
        sessions,
        pages,
        roles,
        users: wecas.users,
        audit: wecas.audit,
        callbackUrl: `${config.server.publicUrl}${CONSOLE_PATH}/callback`,
        casLoginUrl: `${config.server.casBaseUrl}/login`,
        accountUrl: `${config.server.casPrefix}/account`,
        validator: createTicketValidator({
          registry: wecas.tickets,
          services: wecas.services,
          users: wecas.users,
          clock: wecas.clock,
          v2Attributes: false,
          // The console never proxies: its service has no proxy pattern, and it asks for no PGT.
          grantProxyGrantingTicket: async () => {
            throw new Error('the console asks for no proxy-granting ticket');
          },
          audit: wecas.audit,
          onRefused: ({ kind, code }) => wecas.metrics.ticketValidated(kind, code),
          onUnexpected: (err) => app.log.error({ err }, 'console sign-in: ticket validation failed unexpectedly'),
        }),
      });
      await scope.register(async (guarded) => {
        // Before validation (the body is parsed by then): a visitor without a session is sent to sign in, and a
        // form without its token refused, whatever the request's shape; validation speaks only to administrators.
        guarded.addHook('preValidation', (request, reply) => guard(request, reply));
        registerSignOutRoute(guarded, { sessions, pages });
        registerPages(guarded, wecas, kit);
      });
    },
    { prefix: CONSOLE_PATH },
  );

  async function guard(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const session = await sessions.find(request);
    if (!session) return reply.redirect(`${CONSOLE_PATH}/login`, 303);
    const user = await wecas.users.findById(session.userId);
    const role = user?.status === 'active' ? await roles.roleOf(session.userId) : null;
    if (!user || !role) {
      await sessions.end(request, reply);
      return reply.redirect(`${CONSOLE_PATH}/login`, 303);
    }
    request.consoleAdmin = { ...session, role, name: user.username ?? user.displayName ?? user.phone ?? user.id };
    if (request.method !== 'POST') return;
    const token = (request.body as { csrf?: unknown } | undefined)?.csrf;
    if (fromElsewhere(request, publicOrigin) || typeof token !== 'string' || !sameText(token, session.csrf)) {
      await kit.refused(request, 'bad_form');
      return kit.refuse(request, reply, 403, 'admin.csrf.title', 'admin.csrf.body');
    }
  }
}

/**
 * CORS stays closed (no Access-Control-* header is ever sent), and a POST another site's page made is refused before
 * its token is even read: by Fetch Metadata where the browser sends it, else by its Origin. Our pages send no
 * referrer, so their own form posts carry `Origin: null`: the form token is what tells those apart.
 */
function fromElsewhere(request: FastifyRequest, publicOrigin: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return true;
  const origin = request.headers.origin;
  return origin !== undefined && origin !== 'null' && origin !== publicOrigin;
}

function registerPages(app: FastifyInstance, wecas: Wecas, kit: ConsoleKit): void {
  registerDashboard(app, { kit, usage: wecas.usage, wecom: !!wecas.wecom });
  // The same domain functions as `wecas user …` and the API, acting as this administrator: every event they record
  // names them (admin/actor.ts).
  const as = (request: FastifyRequest) => wecas.admin.as({ via: 'console', adminId: kit.admin(request).userId, client: request.client });
  registerAccountPages(app, {
    kit,
    db: wecas.db,
    users: wecas.users,
    identities: wecas.identities,
    sessions: (userId) => wecas.admin.accounts.sessions(userId),
    accountAdmin: (request) => as(request).accounts,
  });
  registerServicePages(app, { kit, services: wecas.services, serviceAdmin: (request) => as(request).services });
  registerAppealPages(app, { kit, appeals: (request) => as(request).appeals });
  registerAuditPages(app, { kit, db: wecas.db, users: (request) => as(request).users });
  registerTokenPages(app, {
    kit,
    access: (request) => as(request).access,
  });
}
