import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomToken } from '../tickets/ids.js';
import type { MessageKey } from '../web/messages.js';
import { browserCookie, ensureBrowserCookie } from './browser-cookie.js';
import { type LoginRequest, loginQuery, type ServiceCheck } from './login-request.js';
import type { CasRoutes } from './sign-in.js';

export type LoginTab = 'password' | 'sms';

export interface LoginPageView {
  tab?: LoginTab;
  error?: string;
  notice?: string;
  username?: string;
  sms?: { phone?: string; codeSent?: boolean };
  status?: number;
}

interface LoginTransaction {
  browser: string; // sha256 of the browser cookie
}

export type LoginPage = ReturnType<typeof createLoginPage>;

/**
 * The login page every method shares: the WeChat QR panel (when WeChat is available), and tabs for password and
 * SMS code. Also the login form's one-time token (CAS's `lt`/`execution`), bound to the browser cookie.
 */
export function createLoginPage(routes: CasRoutes) {
  const { ctx, pages, prefix } = routes;

  async function show(request: FastifyRequest, reply: FastifyReply, login: LoginRequest, check: ServiceCheck | undefined, view: LoginPageView = {}) {
    const t = pages.translate(request);
    const tab: LoginTab = view.tab ?? 'password';
    const query = loginQuery(login);
    const withTab = (tab: LoginTab) => `${prefix}/login${query}${query ? '&' : '?'}tab=${tab}`;
    // Every form that can end in a sign-in carries a one-time token bound to this browser: without it a foreign
    // site could post its own credentials (or its own phone's code) and sign the visitor in as someone else.
    const execution = await newLoginTransaction(request, reply);
    const wechat = await wechatPanel(request, reply, login);
    return pages.send(
      request,
      reply,
      'login',
      {
        title: t('login.title'),
        serviceName: check?.ok ? check.service.name : undefined,
        error: view.error,
        notice: view.notice,
        username: view.username,
        insecure: !ctx.config.secureCookies && ctx.config.NODE_ENV !== 'test',
        methods: [
          { id: 'password', label: 'login.tab.password', href: withTab('password') },
          { id: 'sms', label: 'login.tab.sms', href: withTab('sms') },
        ],
        activeMethod: tab,
        formAction: `${prefix}/login${query}`,
        execution,
        sms: { ...view.sms, sendAction: `${prefix}/login/sms/send${query}`, verifyAction: `${prefix}/login/sms${query}` },
        formActionOrigin: check?.ok ? new URL(check.url).origin : undefined,
        wechat,
        wide: !!wechat,
        frameOrigins: wechat ? [wechat.origin] : [],
      },
      view.status ?? 200,
    );
  }

  /** The embedded WeChat QR, first on the page wherever WeChat sign-in is available. */
  async function wechatPanel(request: FastifyRequest, reply: FastifyReply, login: LoginRequest) {
    const wechat = ctx.wechatLogin;
    if (!wechat) return undefined;
    const state = await wechat.begin(ensureBrowserCookie(routes, request, reply), { purpose: 'login', loginQuery: loginQuery(login) });
    const lang = pages.localeOf(request) === 'en' ? 'en' : 'cn';
    const embed = wechat.client.embedSettings({ redirectUri: `${ctx.config.casBaseUrl}/login/wechat/callback`, state, lang });
    return { iframeUrl: embed.iframeUrl, origin: embed.origin, pageUrl: `${prefix}/login/wechat${loginQuery(login)}` };
  }

  async function newLoginTransaction(request: FastifyRequest, reply: FastifyReply): Promise<string> {
    const browser = ensureBrowserCookie(routes, request, reply);
    const execution = `LT-${randomToken()}`;
    const tx: LoginTransaction = { browser: sha256(browser) };
    await ctx.kv.put(`login-tx:${execution}`, tx, ctx.config.LOGIN_FORM_TTL_SECONDS);
    return execution;
  }

  /** Single use: a replayed or foreign form is refused. */
  async function takeLoginTransaction(request: FastifyRequest, execution: string | undefined): Promise<boolean> {
    if (!execution || !/^LT-[A-Za-z0-9]{10,64}$/.test(execution)) return false;
    const tx = await ctx.kv.take<LoginTransaction>(`login-tx:${execution}`);
    const browser = browserCookie(request);
    return !!tx && !!browser && tx.browser === sha256(browser);
  }

  async function serviceRefused(request: FastifyRequest, reply: FastifyReply, check: Extract<ServiceCheck, { ok: false }>) {
    const t = pages.translate(request);
    await ctx.audit.record({ type: 'service.refused', ip: request.ip, detail: { service: check.url.slice(0, 500), reason: check.reason } });
    const body: string =
      check.reason === 'invalid'
        ? t('error.invalid_service.body')
        : check.reason === 'disabled'
          ? t('error.disabled_service.body', { service: check.url })
          : t('error.unauthorized_service.body', { service: check.url });
    return pages.send(
      request,
      reply,
      'message',
      { title: t('error.unauthorized_service.title'), paragraphs: [body], links: [{ href: `${prefix}/login`, label: t('error.back') }] },
      403,
    );
  }

  return { show, takeLoginTransaction, serviceRefused, translate: (request: FastifyRequest, key: MessageKey, vars?: Record<string, string | number>) => pages.translate(request)(key, vars) };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
