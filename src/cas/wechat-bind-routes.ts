import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PendingIdentity, WeChatLogin } from '../auth/wechat-login.js';
import type { SendResult, VerifyResult } from '../sms/verification-codes.js';
import { maskPhone } from '../sms/mask.js';
import { bindWeChatByPhone, type BindOutcome } from '../users/binding.js';
import { normalisePhone } from '../users/phone.js';
import type { Translate } from '../web/i18n.js';
import type { MessageKey } from '../web/messages.js';
import { browserCookie } from './browser-cookie.js';
import { checkService, loginRequestFromQuery } from './login-request.js';
import { param, type Params } from './params.js';
import { type CasRoutes, completeSignIn } from './sign-in.js';

/** The pending WeChat identity of this browser (its id; the identity itself stays server-side). */
export const PENDING_COOKIE = 'wecas_wxp';

/**
 * A new WeChat person binds a phone number: the bind page, "send code", and "verify and bind". The binding
 * itself is one transaction (users/binding.ts); on success the person is signed in as with any method.
 */
export function registerPhoneBindingRoutes(app: FastifyInstance, routes: CasRoutes, wechat: WeChatLogin): void {
  const { ctx, pages, prefix } = routes;
  const base = `${prefix}/login/wechat/bind`;

  app.get('/login/wechat/bind', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return expired(request, reply);
    return bindPage(request, reply, pending, {});
  });

  app.post('/login/wechat/bind/send', async (request, reply) => {
    const pending = await pendingOf(request);
    if (!pending) return expired(request, reply);
    const phoneInput = (param(request.body as Params, 'phone') ?? '').trim();
    const t = pages.translate(request);
    const result = await ctx.sms.codes.send({ phone: phoneInput, ip: request.ip, purpose: 'bind' });
    if (!result.ok) return bindPage(request, reply, pending, { phone: phoneInput, error: sendErrorText(t, result), codeSent: false }, 400);
    return bindPage(request, reply, pending, { phone: result.phone, notice: t('bind.sent', { phone: maskPhone(result.phone) }), codeSent: true });
  });

  app.post('/login/wechat/bind', async (request, reply) => {
    const pendingId = request.cookies[PENDING_COOKIE];
    const pending = await pendingOf(request);
    if (!pending || !pendingId) return expired(request, reply);
    const body = request.body as Params;
    const t = pages.translate(request);
    const parsed = normalisePhone((param(body, 'phone') ?? '').trim());
    if (!parsed.ok) return bindPage(request, reply, pending, { error: t('sms.error.invalid_phone') }, 400);
    const code = (param(body, 'code') ?? '').trim();
    if (!/^\d{6}$/.test(code)) return bindPage(request, reply, pending, { phone: parsed.phone, codeSent: true, error: t('sms.error.missing_code') }, 400);

    const verified = await ctx.sms.codes.verify({ phone: parsed.phone, purpose: 'bind', code });
    if (!verified.ok) {
      const codeStillUsable = verified.reason === 'wrong_code';
      return bindPage(request, reply, pending, { phone: parsed.phone, codeSent: codeStillUsable, error: verifyErrorText(t, verified) }, 400);
    }

    const outcome = await bindWeChatByPhone(ctx.db, ctx.clock, { phone: verified.phone, subject: pending.subject, profile: pending.profile });
    const user = await signInUserFor(outcome, verified.phone, pending);
    if (!user) {
      const reason = (outcome as Extract<BindOutcome, { ok: false }>).reason;
      await ctx.audit.record({ type: 'login.failure', ip: request.ip, userAgent: request.headers['user-agent'] ?? null, detail: { method: 'wechat', reason } });
      return bindPage(request, reply, pending, { phone: verified.phone, error: t(`bind.error.${reason}` as MessageKey) }, 409);
    }
    await wechat.finishPending(pendingId);
    reply.clearCookie(PENDING_COOKIE, { path: routes.cookiePath });
    if (outcome.ok) {
      const audit = { ip: request.ip, userAgent: request.headers['user-agent'] ?? null };
      if (outcome.userCreated) await ctx.audit.record({ type: 'phone.bound', userId: user.id, ...audit, detail: { phone: maskPhone(verified.phone) } });
      await ctx.audit.record({ type: 'wechat.bound', userId: user.id, ...audit, detail: { appId: pending.subject.appId, userCreated: outcome.userCreated } });
    }
    const login = loginRequestFromQuery(pending.intent.loginQuery);
    const check = login.service ? await checkService(ctx.services, login.service) : undefined;
    return completeSignIn(routes, request, reply, { user, method: 'wechat', login, service: check?.ok ? check.service : undefined });
  });

  /**
   * The user to sign in after a bind attempt. A bind that lost a race to the same person (this WeChat account
   * bound to this phone's user a moment ago, e.g. in another tab) still signs that person in; a WeChat account
   * bound to somebody else meanwhile does not make this browser the phone's user.
   */
  async function signInUserFor(outcome: BindOutcome, phone: string, pending: PendingIdentity) {
    if (outcome.ok) return outcome.user;
    if (outcome.reason !== 'wechat_already_bound') return undefined;
    const owner = await ctx.users.findByPhone(phone);
    const identity = await ctx.identities.findWeChat(pending.subject);
    return owner && owner.status === 'active' && identity?.userId === owner.id ? owner : undefined;
  }

  async function pendingOf(request: FastifyRequest): Promise<PendingIdentity | undefined> {
    return wechat.pending(request.cookies[PENDING_COOKIE], browserCookie(request));
  }

  function bindPage(
    request: FastifyRequest,
    reply: FastifyReply,
    pending: PendingIdentity,
    view: { phone?: string; error?: string; notice?: string; codeSent?: boolean },
    status = 200,
  ) {
    const t = pages.translate(request);
    const avatar = pending.profile.headimgurl || undefined;
    return pages.send(
      request,
      reply,
      'bind',
      {
        title: t('bind.title'),
        nickname: pending.profile.nickname || 'WeChat',
        avatarUrl: avatar,
        imgOrigins: avatar ? [new URL(avatar).origin] : [],
        // The verify form ends in a redirect to the service: CSP form-action must allow its origin, or Chromium stops there.
        formActionOrigin: serviceOrigin(pending),
        sendAction: `${base}/send`,
        verifyAction: base,
        ...view,
      },
      status,
    );
  }

  function expired(request: FastifyRequest, reply: FastifyReply) {
    const t = pages.translate(request);
    return pages.send(
      request,
      reply,
      'message',
      {
        title: t('bind.expired.title'),
        paragraphs: [t('bind.expired.body')],
        links: [
          { href: `${prefix}/login/wechat`, label: t('wechat.retry'), primary: true },
          { href: `${prefix}/login`, label: t('wechat.other_methods') },
        ],
      },
      410,
    );
  }
}

/** The origin of the service this sign-in is for, if any (checked when the sign-in began). */
function serviceOrigin(pending: PendingIdentity): string | undefined {
  const { service } = loginRequestFromQuery(pending.intent.loginQuery);
  if (!service) return undefined;
  try {
    return new URL(service).origin;
  } catch {
    return undefined;
  }
}

export function sendErrorText(t: Translate, result: Extract<SendResult, { ok: false }>): string {
  switch (result.reason) {
    case 'invalid_phone':
      return t('sms.error.invalid_phone');
    case 'too_soon':
      return t('sms.error.too_soon', { seconds: result.retryAfterSeconds });
    case 'phone_daily_cap':
      return t('sms.error.phone_daily_cap');
    case 'ip_hourly_cap':
      return t('sms.error.ip_hourly_cap');
    case 'provider_error':
      if (result.kind === 'invalid_number') return t('sms.error.provider_number');
      if (result.kind.startsWith('rate_limited')) return t('sms.error.provider_limited');
      return t('sms.error.provider');
  }
}

export function verifyErrorText(t: Translate, result: Extract<VerifyResult, { ok: false }>): string {
  switch (result.reason) {
    case 'wrong_code':
      return t('sms.error.wrong_code', { attempts: result.attemptsLeft });
    case 'no_code':
      return t('sms.error.no_code');
    case 'too_many_attempts':
      return t('sms.error.too_many_attempts');
    case 'expired':
      return t('sms.error.expired');
  }
}
