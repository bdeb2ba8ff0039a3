import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { SignIn } from '../../login/sign-in.js';
import { checkService } from '../../services/check.js';
import type { ServiceRegistry } from '../../services/registry.js';
import type { Cookies } from '../cookies.js';
import type { Pages } from '../pages/pages.js';
import { param, query } from '../params.js';
import { redirectNoStore } from '../respond.js';

export interface LogoutRouteDeps {
  signIn: Pick<SignIn, 'logout'>;
  services: ServiceRegistry;
  cookies: Cookies;
  pages: Pages;
  prefix: string;
  /** LOGOUT_FOLLOW_SERVICE */
  followService: boolean;
}

/** `/logout` (docs/cas-protocol.md §1.3): idempotent; without a session it still shows the signed-out page. */
export function registerLogoutRoutes(app: FastifyInstance, deps: LogoutRouteDeps): void {
  const { pages, prefix } = deps;

  app.withTypeProvider<ZodTypeProvider>().get('/logout', { schema: { querystring: query({ service: param }) } }, async (request, reply) => {
    const frontChannel = await deps.signIn.logout(deps.cookies.sessionId(request), request.client);
    deps.cookies.clearSession(reply);

    // `service` is followed only when it is a registered, enabled service; CAS 2.0's `url` is ignored. A page that
    // must still load front-channel logout requests is shown instead.
    const service = request.query.service;
    if (service && deps.followService && frontChannel.length === 0) {
      const check = await checkService(deps.services, service);
      if (check.ok) return redirectNoStore(reply, check.url);
    }
    const t = pages.translate(request);
    return pages.send(request, reply, 'message', {
      title: t('loggedout.title'),
      paragraphs: [t('loggedout.body')],
      links: [{ href: `${prefix}/login`, label: t('loggedout.again'), primary: true }],
      frontChannel,
      imgOrigins: frontChannel.map((u) => new URL(u).origin),
    });
  });
}
