import type { FastifyReply, FastifyRequest } from 'fastify';
import { loginQuery } from '../../cas/login-request.js';
import type { Refusal } from '../../login/outcome.js';
import type { MessageKey } from '../pages/messages.js';
import type { Pages } from '../pages/pages.js';
import { refusalStatus, refusalText } from '../refusals.js';

/** How a refused sign-in with an outside service (WeChat, WeCom) is titled, and where trying again starts. */
export interface SignInProblem {
  title: MessageKey;
  /** e.g. `/login/wecom`, below the CAS prefix; the login request's query is added. */
  retryPath: string;
  retryLabel: MessageKey;
}

/**
 * The page a refused WeChat or WeCom sign-in ends on: what went wrong, and what to do next on the same login
 * request: try the same way again, first, unless that cannot help (our AppID or secret is wrong, the account is
 * disabled: `retryHelps: false`), and the other sign-in methods.
 */
export function sendSignInProblem(
  deps: { pages: Pages; prefix: string },
  request: FastifyRequest,
  reply: FastifyReply,
  refusal: Refusal,
  problem: SignInProblem,
): FastifyReply {
  const { pages, prefix } = deps;
  const t = pages.translate(request);
  const query = refusal.request ? loginQuery(refusal.request) : '';
  const retryHelps = refusal.retryHelps !== false;
  const otherMethods = { href: `${prefix}/login${query}`, label: t('wechat.other_methods'), primary: !retryHelps };
  const retry = { href: `${prefix}${problem.retryPath}${query}`, label: t(problem.retryLabel), primary: true };
  return pages.send(
    request,
    reply,
    'message',
    { title: t(problem.title), paragraphs: [refusalText(t, refusal)], links: retryHelps ? [retry, otherMethods] : [otherMethods] },
    refusalStatus(refusal),
  );
}
