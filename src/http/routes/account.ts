import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Account } from '../../login/account.js';
import type { SecondFactorStatus } from '../../mfa/second-factors.js';
import type { TicketGrantingTicket } from '../../tickets/types.js';
import type { WeChatClient } from '../../wechat/client.js';
import type { Cookies } from '../cookies.js';
import type { MessageKey } from '../pages/messages.js';
import type { Pages } from '../pages/pages.js';
import { field, form, param, query } from '../params.js';
import { redirectNoStore } from '../respond.js';
import { callbackQuery } from './wechat.js';

export interface AccountRouteDeps {
  account: Account;
  /** Present when WeChat is configured: linking another WeChat account goes through it. */
  wechatClient: WeChatClient | undefined;
  cookies: Cookies;
  pages: Pages;
  prefix: string;
  casBaseUrl: string;
  /** The account's second factor, shown in its own section (routes/account-second-factor.ts has its forms). */
  secondFactorStatus: (userId: string) => Promise<SecondFactorStatus>;
}

/**
 * What `?error=` and `?done=` on the account page may say (anything else says nothing). Maps, not object literals:
 * a value such as `toString` or `__proto__` must find nothing, not a member of Object.prototype.
 */
const NOTICES = new Map<string, MessageKey>([
  ['linked', 'account.wechat.bound'],
  ['unlinked', 'account.wechat.unbound'],
  ['wecom_unlinked', 'account.wecom.unbound'],
  ['phone_changed', 'account.phone.changed'],
  ['appeal', 'phone.appeal.recorded'],
  ['mfa_disabled', 'account.mfa.disabled'],
]);
const ERRORS = new Map<string, MessageKey>([
  ['bad_form', 'account.bad_form'],
  ['cannot_unbind', 'account.wechat.cannot_unbind'],
  ['user_has_other_wechat', 'account.wechat.user_has_other_wechat'],
  ['wechat_already_bound', 'account.wechat.wechat_already_bound'],
  ['not_linked', 'account.wechat.not_linked'],
  ['mfa_wrong', 'account.mfa.wrong'],
  ['mfa_throttled', 'account.mfa.throttled'],
  ['mfa_expired', 'mfa.setup.expired'],
]);

const pageQuery = query({ done: param, error: param });
const unlinkForm = form({ csrf: field, identity: field });
const csrfForm = form({ csrf: field });

/**
 * The signed-in person's own page: profile, linked WeChat (unlink, link another by scanning) and sessions
 * ("sign out everywhere"). Forms carry a token derived from the session id, which another site cannot know.
 */
export function registerAccountRoutes(app: FastifyInstance, deps: AccountRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { account, pages, prefix, cookies } = deps;
  const linkCallbackUrl = `${deps.casBaseUrl}/account/wechat/callback`;

  routes.get('/account', { schema: { querystring: pageQuery } }, async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 302);
    return accountPage(request, reply, tgt, NOTICES.get(request.query.done ?? ''), ERRORS.get(request.query.error ?? ''));
  });

  routes.post('/account/wechat/unbind', { schema: { body: unlinkForm } }, async (request, reply) => {
    const tgt = await sessionWithValidForm(request, request.body.csrf);
    if (!tgt) return reply.redirect(`${prefix}/account?error=bad_form`, 303);
    const result = await account.unlinkWeChat(tgt.userId, request.body.identity, request.client);
    if (result === 'cannot_unbind') return reply.redirect(`${prefix}/account?error=cannot_unbind`, 303);
    return reply.redirect(`${prefix}/account?done=unlinked`, 303);
  });

  routes.post('/account/wecom/unbind', { schema: { body: unlinkForm } }, async (request, reply) => {
    const tgt = await sessionWithValidForm(request, request.body.csrf);
    if (!tgt) return reply.redirect(`${prefix}/account?error=bad_form`, 303);
    const result = await account.unlinkWeCom(tgt.userId, request.body.identity, request.client);
    if (result === 'cannot_unbind') return reply.redirect(`${prefix}/account?error=cannot_unbind`, 303);
    return reply.redirect(`${prefix}/account?done=wecom_unlinked`, 303);
  });

  routes.get('/account/wechat/bind', async (request, reply) => {
    const tgt = await request.ssoSession();
    const state = tgt ? await account.beginWeChatLink(tgt.userId, cookies.ensureBrowserId(request, reply)) : undefined;
    if (!state || !deps.wechatClient) return reply.redirect(`${prefix}/account`, 302);
    const lang = pages.localeOf(request) === 'en' ? 'en' : 'cn';
    return redirectNoStore(reply, deps.wechatClient.authorizeUrl({ redirectUri: linkCallbackUrl, state, lang }));
  });

  routes.get('/account/wechat/callback', { schema: { querystring: callbackQuery } }, async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 302);
    const lang = pages.localeOf(request) === 'en' ? 'en' : 'zh_CN';
    const callback = { state: request.query.state, code: request.query.code, lang } as const;
    const result = await account.completeWeChatLink(tgt, callback, cookies.browserId(request), request.client);
    return reply.redirect(`${prefix}/account${result === 'linked' ? '?done=linked' : `?error=${result}`}`, 302);
  });

  routes.post('/account/logout-all', { schema: { body: csrfForm } }, async (request, reply) => {
    const tgt = await sessionWithValidForm(request, request.body.csrf);
    if (!tgt) return reply.redirect(`${prefix}/account?error=bad_form`, 303);
    await account.signOutEverywhere(tgt.userId, request.client);
    cookies.clearSession(reply);
    return reply.redirect(`${prefix}/logout`, 303);
  });

  async function accountPage(request: FastifyRequest, reply: FastifyReply, tgt: TicketGrantingTicket, notice?: MessageKey, error?: MessageKey) {
    const view = await account.view(tgt);
    if (!view) return reply.redirect(`${prefix}/logout`, 302);
    const t = pages.translate(request);
    const avatars = view.identities.map((i) => i.profile.headimgurl).filter(Boolean);
    return pages.send(request, reply, 'account', {
      title: t('account.title'),
      ...view,
      prefix,
      csrf: formToken(tgt.id),
      canBindWeChat: account.canLinkWeChat && view.identities.length === 0,
      mfa: await deps.secondFactorStatus(tgt.userId),
      notice: notice ? t(notice) : undefined,
      error: error ? t(error) : undefined,
      imgOrigins: avatars.map((u) => new URL(u).origin),
    });
  }

  async function sessionWithValidForm(request: FastifyRequest, token: string): Promise<TicketGrantingTicket | undefined> {
    const tgt = await request.ssoSession();
    if (!tgt) return undefined;
    const expected = Buffer.from(formToken(tgt.id));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected) ? tgt : undefined;
  }
}

/** The token the account page's forms carry (routes/account-second-factor.ts checks it too). */
export function formToken(tgtId: string): string {
  return createHash('sha256').update(`account-form:${tgtId}`).digest('base64url');
}
