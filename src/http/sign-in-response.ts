import type { FastifyReply, FastifyRequest } from 'fastify';
import { type LoginRequest, loginQuery } from '../cas/login-request.js';
import type { Continuations } from '../login/continuations.js';
import type { SignedIn } from '../login/outcome.js';
import type { SecondFactorStep } from '../login/second-factor.js';
import type { ServiceRefusal, SignIn } from '../login/sign-in.js';
import type { LoginTransaction } from '../login/transaction.js';
import type { SecondFactorRecord, TicketGrantingTicket } from '../tickets/types.js';
import type { Cookies } from './cookies.js';
import type { Pages } from './pages/pages.js';
import { noStore, redirectWithTicket } from './respond.js';

export type SignInResponses = ReturnType<typeof createSignInResponses>;

/** Where a sign-in form's POST sends the browser: wecas's own URL that takes it on to the service (routes/continue.ts). */
export const CONTINUE_PATH = '/login/continue';
/** The second step of a sign-in that asks for one (routes/second-factor.ts). */
export const SECOND_FACTOR_PATH = '/login/second-factor';

/** The HTTP end of every sign-in: the TGC, then the ticket on its way to the service, or the signed-in page. */
export function createSignInResponses(deps: {
  signIn: Pick<SignIn, 'establishSession' | 'open'>;
  continuations: Pick<Continuations, 'hold'>;
  secondFactor: Pick<SecondFactorStep, 'decide' | 'hold'>;
  pages: Pages;
  cookies: Cookies;
  prefix: string;
}) {
  const { pages, cookies, prefix } = deps;

  /** Sends the browser back to the service with a ticket as the login request asked: 302, auto-posting form, or headers. */
  function ticketToService(
    request: FastifyRequest,
    reply: FastifyReply,
    login: Pick<LoginRequest, 'method' | 'ticketParam'>,
    url: string,
    ticketId: string,
  ) {
    if (login.method !== 'POST') return redirectWithTicket(reply, login, url, ticketId);
    return pages.send(request, reply, 'post-redirect', {
      title: pages.translate(request)('post.title'),
      action: url,
      fields: [[login.ticketParam, ticketId]],
      scripts: ['autosubmit.js'],
      formActionOrigin: new URL(url).origin,
    });
  }

  /**
   * After a form's POST the browser is not sent to the service: Chromium would hold every redirect of that chain
   * (the service's own, on to an application elsewhere) to the form page's `form-action`. The ticket is held in a
   * continuation for this browser, and the POST ends with a 303 to wecas's continuation URL, followed by a GET.
   */
  async function throughContinuation(
    request: FastifyRequest,
    reply: FastifyReply,
    login: Pick<LoginRequest, 'method' | 'ticketParam'>,
    url: string,
    ticketId: string,
  ) {
    if (login.method === 'HEADER') return redirectWithTicket(reply, login, url, ticketId); // no redirect to hold back
    const browserId = cookies.ensureBrowserId(request, reply);
    const id = await deps.continuations.hold(browserId, { url, ticketId, ticketParam: login.ticketParam, method: login.method });
    return noStore(reply).redirect(`${prefix}${CONTINUE_PATH}?id=${id}`, 303);
  }

  function signedInPage(request: FastifyRequest, reply: FastifyReply, principal: string) {
    const t = pages.translate(request);
    return pages.send(request, reply, 'message', {
      title: t('signedin.title'),
      paragraphs: [t('signedin.body', { user: principal })],
      links: [
        { href: `${prefix}/account`, label: t('signedin.account'), primary: true },
        { href: `${prefix}/logout`, label: t('signedin.logout'), primary: false },
      ],
    });
  }

  /**
   * A signed-in person the service does not admit (its required attributes), after a fresh sign-in or by single
   * sign-on: 403, who they are signed in as, and a way to sign in as someone else.
   */
  function notAllowedPage(request: FastifyRequest, reply: FastifyReply, tgt: TicketGrantingTicket, transaction: LoginTransaction) {
    const t = pages.translate(request);
    const service = transaction.service?.registered.name ?? '';
    const user = tgt.attributes?.displayName?.[0] ?? tgt.principal;
    const again = loginQuery({ ...transaction.request, renew: true });
    return pages.send(
      request,
      reply,
      'message',
      {
        title: t('error.not_allowed.title'),
        paragraphs: [t('error.not_allowed.body', { user, service }), t('error.not_allowed.help')],
        links: [
          { href: `${prefix}/login${again}`, label: t('error.not_allowed.switch'), primary: true },
          { href: `${prefix}/account`, label: t('signedin.account'), primary: false },
        ],
      },
      403,
    );
  }

  /**
   * A service that requires a second factor, and a person who has none to give (no authenticator app, no phone, or
   * only the phone they just signed in with): 403, and the account page, where they can set one up.
   */
  function secondFactorUnavailablePage(request: FastifyRequest, reply: FastifyReply, transaction: LoginTransaction) {
    const t = pages.translate(request);
    const service = transaction.service?.registered.name ?? '';
    return pages.send(
      request,
      reply,
      'message',
      {
        title: t('mfa.unavailable.title'),
        paragraphs: [t('mfa.unavailable.body', { service })],
        links: [
          { href: `${prefix}/account`, label: t('mfa.unavailable.setup'), primary: true },
          { href: `${prefix}/login${loginQuery({ ...transaction.request, renew: true })}`, label: t('error.not_allowed.switch'), primary: false },
        ],
      },
      403,
    );
  }

  /**
   * The service refused the browser's session: a person it does not admit reads why (403); a session signed in by a
   * method it does not accept goes back to /login, which asks for one it does; so does a session that passed no second
   * factor, right after a sign-in that could not ask for one (the person has none): they read how to set one up.
   */
  function serviceRefused(
    request: FastifyRequest,
    reply: FastifyReply,
    refused: ServiceRefusal,
    tgt: TicketGrantingTicket,
    transaction: LoginTransaction,
  ) {
    if (refused === 'not_allowed') return notAllowedPage(request, reply, tgt, transaction);
    if (refused === 'second_factor_required') return secondFactorUnavailablePage(request, reply, transaction);
    return reply.redirect(`${prefix}/login${loginQuery(transaction.request)}`, 302);
  }

  /**
   * A person authenticated by any method: the SSO session established, then on to the service, straight from a GET
   * (WeChat's callback), through a continuation from a form's POST.
   */
  async function complete(
    request: FastifyRequest,
    reply: FastifyReply,
    input: SignedIn & { transaction: LoginTransaction; mfa?: SecondFactorRecord },
  ) {
    const { user, account, method, transaction, mfa } = input;
    if (!mfa) {
      // The service (or the account's own authenticator app) asks for a second factor: the session waits for it.
      const decision = await deps.secondFactor.decide({ user, account, method }, transaction);
      if (decision.kind === 'ask') {
        const id = await deps.secondFactor.hold(cookies.ensureBrowserId(request, reply), {
          signedIn: { user, account, method },
          request: transaction.request,
          factors: decision.factors,
          phone: decision.phone,
          service: transaction.service?.registered.name ?? null,
        });
        return noStore(reply).redirect(`${prefix}${SECOND_FACTOR_PATH}?id=${id}`, request.method === 'POST' ? 303 : 302);
      }
    }
    const current = await request.ssoSession();
    const { tgt, ticket, refused } = await deps.signIn.establishSession({
      user,
      account,
      method,
      mfa,
      transaction,
      current,
      client: request.client,
      browserId: cookies.browserId(request),
    });
    cookies.setSession(reply, tgt.id);
    if (refused) return serviceRefused(request, reply, refused, tgt, transaction);
    const service = input.transaction.service;
    if (ticket && service) {
      const onward = request.method === 'POST' ? throughContinuation : ticketToService;
      return onward(request, reply, input.transaction.request, service.url, ticket.id);
    }
    return signedInPage(request, reply, tgt.principal);
  }

  return {
    ticketToService,
    signedInPage,
    notAllowedPage,
    complete,

    /**
     * The end of a sign-in that left wecas on the way (to WeChat and back): its login request is opened again, since
     * the service may have been disabled meanwhile, and /login explains a refusal itself.
     */
    async resume(request: FastifyRequest, reply: FastifyReply, login: LoginRequest, input: SignedIn & { mfa?: SecondFactorRecord }) {
      const opened = await deps.signIn.open(login);
      if (!opened.ok) return reply.redirect(`${prefix}/login${loginQuery(login)}`, request.method === 'POST' ? 303 : 302);
      return complete(request, reply, { ...input, transaction: opened.transaction });
    },
  };
}
