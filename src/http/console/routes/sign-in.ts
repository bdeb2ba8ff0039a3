import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AdminRoleLookup } from '../../../admin/console-roles.js';
import type { AuditLog } from '../../../audit/audit-log.js';
import type { TicketValidator } from '../../../cas/validation.js';
import type { UserStore } from '../../../users/store.js';
import type { Pages } from '../../pages/pages.js';
import { field, form, param, query } from '../../params.js';
import { noStore } from '../../respond.js';
import { CONSOLE_PATH, type ConsoleSessions } from '../console-session.js';

export interface SignInDeps {
  sessions: ConsoleSessions;
  pages: Pages;
  roles: AdminRoleLookup;
  users: Pick<UserStore, 'findById'>;
  audit: AuditLog;
  /** The built-in console service's URL (services/built-in.ts). */
  callbackUrl: string;
  casLoginUrl: string;
  validator: TicketValidator;
  /** The person's own account page: where someone without a role is sent. */
  accountUrl: string;
}

const callbackQuery = query({ n: param, ticket: param });

/**
 * Console sign-in as a CAS service of wecas with renew: the password (and the second factor the built-in service
 * requires) every time, even inside a live SSO session. The ticket is validated in-process, by the same pipeline as
 * /p3/serviceValidate (cas/validation.ts): the same checks (single use, service, renew, second factor, account
 * still active) and the same audit, without an HTTP round trip to ourselves that a proxy, TLS or a cluster's
 * public address could break.
 */
export function registerSignInRoutes(app: FastifyInstance, deps: SignInDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { sessions, pages } = deps;

  routes.get('/login', async (request, reply) => {
    const nonce = sessions.issueNonce(reply);
    const service = `${deps.callbackUrl}?n=${nonce}`;
    const lang = pages.localeOf(request);
    return noStore(reply).redirect(`${deps.casLoginUrl}?service=${encodeURIComponent(service)}&renew=true&lang=${lang}`, 302);
  });

  routes.get('/callback', { schema: { querystring: callbackQuery } }, async (request, reply) => {
    const t = pages.translate(request);
    const again = [{ href: `${CONSOLE_PATH}/login`, label: t('admin.signin.again'), primary: true }];
    const { n, ticket } = request.query;
    if (!sessions.takeNonce(request, reply, n))
      return pages.send(
        request,
        reply,
        'message',
        { title: t('admin.signin.expired.title'), paragraphs: [t('admin.signin.expired.body')], links: again },
        400,
      );
    const service = `${deps.callbackUrl}?n=${n}`;
    const outcome = await deps.validator.validate({ endpoint: 'p3/serviceValidate', service, ticket, renew: true }, request.client);
    if (!('userId' in outcome))
      return pages.send(
        request,
        reply,
        'message',
        { title: t('admin.signin.failed.title'), paragraphs: [t('admin.signin.failed.body', { code: outcome.code })], links: again },
        400,
      );
    const role = await deps.roles.roleOf(outcome.userId);
    if (!role) {
      await deps.audit.record({ type: 'admin.refused', userId: outcome.userId, via: 'console', reason: 'no_role', client: request.client });
      const user = await deps.users.findById(outcome.userId);
      const name = user?.username ?? user?.displayName ?? user?.phone ?? outcome.userId;
      return pages.send(
        request,
        reply,
        'message',
        {
          title: t('admin.norole.title'),
          paragraphs: [t('admin.norole.body', { name })],
          links: [{ href: deps.accountUrl, label: t('admin.norole.account') }],
        },
        403,
      );
    }
    await sessions.start(reply, outcome.userId, role);
    await deps.audit.record({ type: 'admin.signed_in', userId: outcome.userId, via: 'console', role, client: request.client });
    // A page, not a redirect: the session cookie is SameSite=Strict, and a navigation that came through another site
    // (a WeChat scan) would not carry it; the page's own navigation to /admin is same-site.
    return pages.send(request, reply, 'message', {
      title: t('admin.signin.done'),
      paragraphs: [],
      refreshTo: `${CONSOLE_PATH}/`,
      links: [{ href: `${CONSOLE_PATH}/`, label: t('admin.signin.continue'), primary: true }],
    });
  });
}

/** Sign out of the console (the SSO session stays): behind the guard, as every console POST, so it needs the form token. */
export function registerSignOutRoute(app: FastifyInstance, deps: Pick<SignInDeps, 'sessions' | 'pages'>): void {
  const { sessions, pages } = deps;
  app.withTypeProvider<ZodTypeProvider>().post('/logout', { schema: { body: form({ csrf: field }) } }, async (request, reply) => {
    await sessions.end(request, reply);
    const t = pages.translate(request);
    return pages.send(request, reply, 'message', {
      title: t('admin.signed_out.title'),
      paragraphs: [t('admin.signed_out.body')],
      links: [{ href: `${CONSOLE_PATH}/login`, label: t('admin.signin.again'), primary: true }],
    });
  });
}
