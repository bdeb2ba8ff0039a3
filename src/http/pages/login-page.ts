import type { FastifyReply, FastifyRequest } from 'fastify';
import { loginQuery } from '../../cas/login-request.js';
import type { FormTokens } from '../../login/form-tokens.js';
import type { WeChatIdentification } from '../../login/methods/wechat.js';
import { acceptedMethods, type LoginTransaction } from '../../login/transaction.js';
import type { ServiceCheck } from '../../services/check.js';
import type { SignInMethod } from '../../services/types.js';
import type { Cookies } from '../cookies.js';
import { challengeWidget } from './challenge-widget.js';
import { countryList, examplePhone } from './countries.js';
import type { Translate } from './i18n.js';
import type { Pages } from './pages.js';

export type LoginTab = 'password' | 'sms';
const TABS: readonly LoginTab[] = ['password', 'sms'];

/** "your password or WeChat": the methods a service accepts, as a sentence says them. */
export function methodsText(t: Translate, methods: readonly SignInMethod[]): string {
  return methods.map((m) => t(`login.method.${m}`)).join(t('login.methods.separator'));
}

export interface LoginPageView {
  tab?: LoginTab;
  error?: string;
  notice?: string;
  username?: string;
  sms?: { phone?: string; codeSent?: boolean };
  status?: number;
}

export type LoginPage = ReturnType<typeof createLoginPage>;

/**
 * The login page every method shares: the WeChat QR panel (when WeChat is available), and tabs for password and
 * SMS code, every form carrying a one-time token bound to this browser. Also the page that refuses a service.
 */
export function createLoginPage(deps: {
  pages: Pages;
  cookies: Cookies;
  formTokens: FormTokens;
  wechat: WeChatIdentification | undefined;
  /** WeCom sign-in, when configured: where its web login (and so its login panel) is served from. */
  wecom: { loginOrigin: string } | undefined;
  prefix: string;
  casBaseUrl: string;
  /** Say on the page that plain http is for development only. */
  warnInsecure: boolean;
  /** The countries SMS codes go to (SMS_COUNTRIES): the phone field says so, and claims no more. */
  smsCountries: readonly string[];
}) {
  const { pages, cookies, prefix } = deps;

  /**
   * The WeChat panel, first on the page wherever WeChat sign-in is available. On a computer or another phone
   * browser: the embedded QR, a frame that loads our own /login/wechat/frame, which makes the `state` and moves on
   * to WeChat's QR (showing the page itself writes nothing). Inside WeChat's own browser a QR cannot be scanned from
   * the screen it is on: a button to the 服务号's web authorization instead, or no WeChat at all without one.
   */
  function wechatPanel(request: FastifyRequest, transaction: LoginTransaction) {
    if (!deps.wechat) return undefined;
    const query = loginQuery(transaction.request);
    // Inside WeCom a QR cannot be scanned from its own screen either: WeCom's own sign-in stands in for it.
    if (deps.wecom && insideWeCom(request.headers['user-agent'])) return undefined;
    if (insideWeChat(request.headers['user-agent'])) {
      return deps.wechat.officialAccount ? { inApp: true as const, buttonUrl: `${prefix}/login/wechat/oa${query}` } : undefined;
    }
    return { iframeUrl: `${prefix}/login/wechat/frame${query}`, origin: deps.wechat.client.openOrigin, pageUrl: `${prefix}/login/wechat${query}` };
  }

  /**
   * WeCom: inside its app a prominent button (its silent authorization). Anywhere else WeCom's login panel, a frame
   * that loads our own /login/wecom/panel (it makes the `state`, then moves on to WeCom's panel), with the full page
   * as the way when the panel cannot show; on a phone's width the link alone (the CSS hides the frame there).
   */
  function wecomPanel(request: FastifyRequest, query: string) {
    const url = `${prefix}/login/wecom${query}`;
    if (insideWeCom(request.headers['user-agent'])) return { inApp: true as const, url };
    return { inApp: false as const, url, panelUrl: `${prefix}/login/wecom/panel${query}`, origin: deps.wecom!.loginOrigin };
  }

  async function show(request: FastifyRequest, reply: FastifyReply, transaction: LoginTransaction, view: LoginPageView = {}) {
    const t = pages.translate(request);
    // Only the methods the service accepts are offered (the routes refuse the others too).
    const accepted = acceptedMethods(transaction);
    const tabs = TABS.filter((m) => accepted.includes(m));
    const asked = view.tab ?? 'password';
    const tab: LoginTab | undefined = tabs.includes(asked) ? asked : tabs[0];
    const query = loginQuery(transaction.request);
    const withTab = (tab: LoginTab) => `${prefix}/login${query}${query ? '&' : '?'}tab=${tab}`;
    const execution = deps.formTokens.issue(cookies.ensureBrowserId(request, reply));
    const wechat = accepted.includes('wechat') ? wechatPanel(request, transaction) : undefined;
    const qr = wechat && !('inApp' in wechat) ? wechat : undefined;
    const wecom = deps.wecom && accepted.includes('wecom') ? wecomPanel(request, query) : undefined;
    const serviceName = transaction.service?.registered.name ?? '';
    const noMethod = tabs.length === 0 && !wechat && !wecom ? t('login.no_method', { service: serviceName }) : undefined;
    // A filled-in number means a code may have gone out already: another send there needs the proof-of-work widget.
    const widget = tab === 'sms' && view.sms?.phone ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
    return pages.send(
      request,
      reply,
      'login',
      {
        title: t('login.title'),
        serviceName: transaction.service?.registered.name,
        error: view.error ?? noMethod,
        notice: view.notice,
        username: view.username,
        insecure: deps.warnInsecure,
        methods: tabs.map((id) => ({ id, label: `login.tab.${id}`, href: withTab(id) })),
        activeMethod: tab,
        formAction: `${prefix}/login${query}`,
        forgotUrl: `${prefix}/login/forgot${query}`,
        activateUrl: `${prefix}/login/activate${query}`,
        execution,
        sms: {
          ...view.sms,
          sendAction: `${prefix}/login/sms/send${query}`,
          verifyAction: `${prefix}/login/sms${query}`,
          countries: countryList(pages.localeOf(request), deps.smsCountries),
          placeholder: examplePhone(deps.smsCountries),
          challenge: widget?.challenge,
        },
        scripts: widget?.scripts,
        stylesheets: widget?.stylesheets,
        wechat,
        wecom,
        wide: !!qr || !!wecom?.panelUrl,
        frameOrigins: [...(qr ? [qr.origin] : []), ...(wecom?.panelUrl ? [wecom.origin] : [])],
      },
      view.status ?? 200,
    );
  }

  return {
    show,

    /**
     * A method the transaction's service does not accept, asked for anyway (a stale page, a hand-made request): the
     * login page again, with the methods it does accept.
     */
    methodRefused(request: FastifyRequest, reply: FastifyReply, transaction: LoginTransaction, view: LoginPageView = {}) {
      const t = pages.translate(request);
      const service = transaction.service?.registered.name ?? '';
      const error = t('login.error.method_not_accepted', { service, methods: methodsText(t, acceptedMethods(transaction)) });
      return show(request, reply, transaction, { ...view, error, status: 403 });
    },

    /** A service that may not use this server: said plainly, with no redirect and no ticket. */
    serviceRefused(request: FastifyRequest, reply: FastifyReply, refusal: Extract<ServiceCheck, { ok: false }>) {
      const t = pages.translate(request);
      const body =
        refusal.reason === 'invalid'
          ? t('error.invalid_service.body')
          : refusal.reason === 'disabled'
            ? t('error.disabled_service.body', { service: refusal.url })
            : t('error.unauthorized_service.body', { service: refusal.url });
      return pages.send(
        request,
        reply,
        'message',
        { title: t('error.unauthorized_service.title'), paragraphs: [body], links: [{ href: `${prefix}/login`, label: t('error.back') }] },
        403,
      );
    },
  };
}

/** WeCom's built-in browser says `wxwork/…` (and `MicroMessenger/…` too). */
export function insideWeCom(userAgent: string | undefined): boolean {
  return !!userAgent && /wxwork/i.test(userAgent);
}

/** WeChat's own browser says `MicroMessenger`; WeCom's says it too, and `wxwork` besides. */
export function insideWeChat(userAgent: string | undefined): boolean {
  return !!userAgent && /MicroMessenger/i.test(userAgent) && !/wxwork/i.test(userAgent);
}
