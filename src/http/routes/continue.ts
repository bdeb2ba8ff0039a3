import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Continuations } from '../../login/continuations.js';
import { appendQueryParam, asciiUrl } from '../../services/url.js';
import type { Cookies } from '../cookies.js';
import type { Pages } from '../pages/pages.js';
import { param, query } from '../params.js';
import { redirectWithTicket } from '../respond.js';
import { CONTINUE_PATH, type SignInResponses } from '../sign-in-response.js';

export interface ContinueRouteDeps {
  continuations: Pick<Continuations, 'take'>;
  responses: Pick<SignInResponses, 'ticketToService'>;
  cookies: Cookies;
  pages: Pages;
}

const continueQuery = query({ id: param });

/**
 * Whether a browser is navigating here. Browsers hold the whole chain of redirects after a form's POST to the form
 * page's CSP `form-action`, this hop included: a 302 from here to the service, and the service's own redirect on,
 * would still be blocked. A page that moves on ends that navigation and starts one no form caused. HTTP clients
 * (curl, a CAS client library following redirects) send no Fetch Metadata and enforce no CSP: they get the 302.
 */
function browserNavigation(request: FastifyRequest): boolean {
  return request.headers['sec-fetch-mode'] === 'navigate';
}

/**
 * The continuation a sign-in form's POST redirected to (303): once, in the browser that signed in, within the
 * ticket's life, it sends the browser on to the service with its ticket. Anything else is a page that says to go
 * back to the application, which will ask this server again (and get a ticket at once when the session is there).
 */
export function registerContinueRoute(app: FastifyInstance, deps: ContinueRouteDeps): void {
  const { pages, cookies } = deps;

  // No HEAD: only the GET that follows may spend a continuation.
  const options = { schema: { querystring: continueQuery }, exposeHeadRoute: false };
  app.withTypeProvider<ZodTypeProvider>().get(CONTINUE_PATH, options, async (request, reply) => {
    const next = await deps.continuations.take(request.query.id, cookies.browserId(request));
    const t = pages.translate(request);
    if (!next) return pages.send(request, reply, 'message', { title: t('continue.gone.title'), paragraphs: [t('continue.gone.body')] }, 410);
    if (next.method === 'POST') return deps.responses.ticketToService(request, reply, next, next.url, next.ticketId);
    if (!browserNavigation(request)) return redirectWithTicket(reply, next, next.url, next.ticketId);
    const onward = appendQueryParam(asciiUrl(next.url), next.ticketParam, next.ticketId);
    return pages.send(request, reply, 'message', {
      title: t('continue.title'),
      paragraphs: [t('continue.body')],
      links: [{ href: onward, label: t('continue.button'), primary: true }],
      refreshTo: onward,
    });
  });
}
