// The WeCom emulator as a Fastify plugin (mounted by wecas under /__wecom in development), standing in for
// login.work.weixin.qq.com (web login), open.weixin.qq.com (authorization inside the WeCom app) and
// qyapi.weixin.qq.com (gettoken, auth/getuserinfo, user/get), with a control API under /__control/wecom.
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import { registerAssets } from '../assets.js';
import type { Lang } from '../i18n.js';
import { readCookies } from '../oa-pages.js';
import { bodyParam, queryParam } from '../params.js';
import {
  renderConfirmPage,
  renderError,
  renderInsideWeCom,
  renderMemberPicker,
  renderQrPage,
  renderResult,
  renderTopRedirect,
  text,
} from './pages.js';
import {
  type Agent,
  hostTrusted,
  OUTSIDER_OPENID,
  type PanelRedirectType,
  type Subject,
  type WeComApi,
  WeComControlError,
  WeComEmulator,
  type WeComEmulatorOptions,
  wecomError,
  withQuery,
} from './state.js';

export interface WeComPluginOptions extends WeComEmulatorOptions {
  /** Drive this emulator (made with the same options) from in-process tests. */
  emulator?: WeComEmulator;
}

const HTML = 'text/html; charset=utf-8';
/** Names the member signed in on this browser's "WeCom app" (`member:<userid>` or `outsider`). */
export const WECOM_MEMBER_COOKIE = 'wwemu_member';
/** `wxwork`: the emulator's pages treat this browser as WeCom's built-in browser, whatever its User-Agent. */
export const WECOM_UA_COOKIE = 'wwemu_ua';
/** WeCom 4.1 on an iPhone, as its built-in browser sends it. */
export const WECOM_IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.22 MicroMessenger/7.0.1 Language/zh ColorScheme/Light';

export function isWeComUserAgent(userAgent: string | undefined): boolean {
  return userAgent !== undefined && /wxwork\//i.test(userAgent);
}

function langOf(request: FastifyRequest, lang: string | undefined): Lang {
  if (lang === 'en' || lang === 'zh') return lang;
  const fromUa = /Language\/([A-Za-z_]+)/.exec(request.headers['user-agent'] ?? '')?.[1];
  if (fromUa) return fromUa.toLowerCase().startsWith('en') ? 'en' : 'zh';
  return /^\s*en\b/i.test(request.headers['accept-language'] ?? '') ? 'en' : 'zh';
}

function subjectOf(who: string | undefined): Subject | undefined {
  if (who === 'outsider') return { openid: OUTSIDER_OPENID };
  if (who?.startsWith('member:')) return { userid: who.slice('member:'.length) };
  return undefined;
}

export function createWeComEmulator(options: WeComEmulatorOptions): WeComEmulator {
  return new WeComEmulator(options);
}

export const wecomEmulatorPlugin: FastifyPluginAsync<WeComPluginOptions> = async (app, options) => {
  if (process.env.NODE_ENV === 'production') throw new Error('the WeCom emulator is not available when NODE_ENV=production');
  const emulator = options.emulator ?? new WeComEmulator(options);
  const basePath = app.prefix;
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded')) await app.register(formbody);
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-wecom-emulator', '1');
  });
  // Call counts per endpoint ("GET /cgi-bin/gettoken"), for tests that prove a token is fetched once.
  app.addHook('onRequest', async (request) => {
    const route = request.routeOptions.url;
    if (route === undefined) return;
    const path = route.startsWith(basePath) ? route.slice(basePath.length) : route;
    if (path.startsWith('/__control') || path.startsWith('/__emulator/assets/')) return;
    emulator.countCall(`${request.method} ${path}`);
  });
  registerAssets(app);
  registerWebLogin(app, emulator, basePath);
  registerInApp(app, emulator, basePath);
  registerApi(app, emulator);
  if (emulator.testControl) registerControl(app, emulator);
};

/**
 * WeCom's web login: `wwlogin/sso/login` → the QR page, confirmed on the phone page, then `redirect_uri?code&state`.
 * With `@wecom/jssdk`'s panel parameters (`redirect_type`, `version`) the same login is drawn as the embeddable
 * panel, and on confirmation it sends the top window (or with `redirect_type=self` its own frame) to redirect_uri.
 */
function registerWebLogin(app: FastifyInstance, emulator: WeComEmulator, basePath: string): void {
  app.get('/wwlogin/sso/login', async (request, reply) => {
    const q = (name: string) => queryParam(request, name);
    const lang = langOf(request, q('lang'));
    const m = text(lang);
    const agent = emulator.agent(q('appid'), q('agentid'));
    const redirectUri = q('redirect_uri');
    const panel = panelOf(q('redirect_type'), q('version'));
    if (q('login_type') !== 'CorpApp' || !agent || !redirectUri || panel === 'unsupported')
      return reply
        .code(200)
        .type(HTML)
        .send(renderError(lang, basePath, 'wecom-error-params', m.errorParams, panel === 'unsupported' ? m.callbackNotEmulated : undefined));
    if (!trustedRedirect(redirectUri, agent)) return reply.type(HTML).send(renderError(lang, basePath, 'wecom-error-redirect', m.errorRedirect));
    const login = emulator.startWebLogin({
      corpid: agent.corpid,
      agentid: agent.agentid,
      redirectUri,
      state: q('state') ?? '',
      lang,
      ...(panel ? { panel } : {}),
    });
    return reply.redirect(`${basePath}/wwlogin/sso/qr?key=${login.key}`, 302);
  });

  app.get('/wwlogin/sso/qr', async (request, reply) => {
    const login = emulator.webLogin(queryParam(request, 'key'));
    if (!login)
      return reply
        .code(404)
        .type(HTML)
        .send(renderError('zh', basePath, 'wecom-error-params', text('zh').errorParams));
    const m = text(login.lang);
    reply.header('cache-control', 'no-store');
    switch (emulator.loginStatus(login)) {
      case 'confirmed':
        // The panel's frame cannot redirect its parent: its page does (WeCom's by script, the emulator's too).
        if (login.panel?.redirectType === 'top') return reply.type(HTML).send(renderTopRedirect(login.lang, basePath, emulator.redirectAfter(login)));
        return reply.redirect(emulator.redirectAfter(login), 302);
      case 'cancelled':
        return reply.type(HTML).send(renderResult(login.lang, basePath, 'wecom-cancelled', m.cancelled, !!login.panel));
      case 'expired':
        return reply.type(HTML).send(renderResult(login.lang, basePath, 'wecom-expired', m.expired, !!login.panel));
      case 'waiting': {
        const corp = emulator.corp(login.corpid)!;
        const agent = corp.agents.get(login.agentid)!;
        const phoneUrl = `${emulator.publicBaseUrl}/wwlogin/sso/confirm?key=${login.key}&lang=${login.lang}`;
        return reply.type(HTML).send(
          renderQrPage(login.lang, basePath, corp, agent.name, {
            refreshUrl: `${basePath}/wwlogin/sso/qr?key=${login.key}`,
            qrImageUrl: `${basePath}/wwlogin/sso/qrcode?key=${login.key}`,
            phoneUrl,
            panel: !!login.panel,
          }),
        );
      }
    }
  });

  // The QR itself: what the phone scans is the phone page's address.
  app.get('/wwlogin/sso/qrcode', async (request, reply) => {
    const login = emulator.webLogin(queryParam(request, 'key'));
    if (!login) return reply.code(404).send();
    const phoneUrl = `${emulator.publicBaseUrl}/wwlogin/sso/confirm?key=${login.key}&lang=${login.lang}`;
    const png = await QRCode.toBuffer(phoneUrl, { type: 'png', margin: 1, width: 240 });
    return reply.type('image/png').header('cache-control', 'no-store').send(png);
  });

  app.get('/wwlogin/sso/confirm', async (request, reply) => {
    const login = emulator.webLogin(queryParam(request, 'key'));
    const lang = langOf(request, queryParam(request, 'lang'));
    if (!login || emulator.loginStatus(login) !== 'waiting')
      return reply.type(HTML).send(renderResult(lang, basePath, 'wecom-not-waiting', text(lang).notWaiting));
    const corp = emulator.corp(login.corpid)!;
    const sameTab = queryParam(request, 'tab') === 'same';
    return reply.type(HTML).send(renderConfirmPage(lang, basePath, login.key, corp, corp.agents.get(login.agentid)!.name, sameTab));
  });

  app.post('/wwlogin/sso/confirm', async (request, reply) => {
    const key = bodyParam(request, 'key') ?? '';
    const lang = langOf(request, bodyParam(request, 'lang'));
    const m = text(lang);
    try {
      if (bodyParam(request, 'decision') === 'cancel') {
        emulator.cancelWebLogin(key);
        return reply.type(HTML).send(renderResult(lang, basePath, 'wecom-phone-cancelled', m.cancelledPhone));
      }
      const subject = subjectOf(bodyParam(request, 'who'));
      if (!subject)
        return reply
          .code(400)
          .type(HTML)
          .send(renderError(lang, basePath, 'wecom-error-params', m.errorParams));
      const login = emulator.confirmWebLogin(key, subject);
      // The phone page took this tab (the panel's frame may open none): it carries the code on itself.
      if (bodyParam(request, 'tab') === 'same') return reply.redirect(emulator.redirectAfter(login), 302);
      return reply.type(HTML).send(renderResult(lang, basePath, 'wecom-phone-confirmed', m.confirmed));
    } catch (err) {
      if (err instanceof WeComControlError) return reply.type(HTML).send(renderResult(lang, basePath, 'wecom-not-waiting', m.notWaiting));
      throw err;
    }
  });
}

/**
 * The panel's parameters: `@wecom/jssdk` always adds `version`, and passes `redirect_type` when the site sets it
 * (`top` when it does not). `callback` (the code handed to the site's script over postMessage) is not emulated.
 */
function panelOf(redirectType: string | undefined, version: string | undefined): { redirectType: PanelRedirectType } | 'unsupported' | undefined {
  if (redirectType === undefined) return version === undefined ? undefined : { redirectType: 'top' };
  if (redirectType === 'top' || redirectType === 'self') return { redirectType };
  return 'unsupported';
}

function trustedRedirect(redirectUri: string, agent: Agent): boolean {
  try {
    const url = new URL(redirectUri);
    return (url.protocol === 'http:' || url.protocol === 'https:') && hostTrusted(url.host, agent.trustedDomain);
  } catch {
    return false;
  }
}

/** Inside the WeCom app: `connect/oauth2/authorize` redirects at once with a code for the member signed in there. */
function registerInApp(app: FastifyInstance, emulator: WeComEmulator, basePath: string): void {
  const insideWeCom = (request: FastifyRequest) =>
    isWeComUserAgent(request.headers['user-agent']) || readCookies(request)[WECOM_UA_COOKIE] === 'wxwork';

  app.get('/connect/oauth2/authorize', async (request, reply) => {
    const q = (name: string) => queryParam(request, name);
    const lang = langOf(request, undefined);
    const m = text(lang);
    if (!insideWeCom(request))
      return reply
        .type(HTML)
        .send(renderError(lang, basePath, 'wecom-open-in-app', m.openInWeCom, m.openInWeComHint, `${basePath}/__emulator/inside-wecom?lang=${lang}`));
    const corp = emulator.corp(q('appid'));
    const redirectUri = q('redirect_uri');
    const scope = q('scope');
    // agentid is required for snsapi_privateinfo only; with snsapi_base the corp's trusted domain of any app will do.
    const agentId = q('agentid');
    const agent = agentId ? corp?.agents.get(agentId) : corp ? [...corp.agents.values()][0] : undefined;
    if (!corp || !agent || !redirectUri || (scope !== 'snsapi_base' && scope !== 'snsapi_privateinfo'))
      return reply.type(HTML).send(renderError(lang, basePath, 'wecom-error-params', m.errorParams));
    if (!trustedRedirect(redirectUri, agent)) return reply.type(HTML).send(renderError(lang, basePath, 'wecom-error-redirect', m.errorRedirect));
    const subject = subjectOf(readCookies(request)[WECOM_MEMBER_COOKIE]);
    if (!subject || ('userid' in subject && !corp.members.has(subject.userid)))
      return reply.type(HTML).send(renderMemberPicker(lang, basePath, corp, request.url));
    const code = emulator.issueCode(agent, subject, redirectUri);
    return reply.redirect(withQuery(redirectUri, `code=${code}&state=${encodeURIComponent(q('state') ?? '')}`), 302);
  });

  /** How to try "inside WeCom" from a desktop browser: the User-Agent to pretend, the emulator's own switch, the member. */
  app.get('/__emulator/inside-wecom', async (request, reply) => {
    const lang = langOf(request, queryParam(request, 'lang'));
    const ua = queryParam(request, 'ua');
    let uaCookie = readCookies(request)[WECOM_UA_COOKIE] === 'wxwork';
    if (ua === 'wxwork' || ua === 'off') {
      uaCookie = ua === 'wxwork';
      reply.header(
        'set-cookie',
        `${WECOM_UA_COOKIE}=${uaCookie ? 'wxwork' : ''}; Path=${basePath || '/'}; Max-Age=${uaCookie ? 2592000 : 0}; SameSite=Lax`,
      );
    }
    const who = readCookies(request)[WECOM_MEMBER_COOKIE];
    const corp = [...emulator.corps.values()][0];
    const member = who?.startsWith('member:') ? corp?.members.get(who.slice('member:'.length)) : undefined;
    const userAgent = request.headers['user-agent'] ?? '';
    return reply.type(HTML).send(
      renderInsideWeCom(lang, basePath, {
        userAgent,
        insideWeCom: isWeComUserAgent(userAgent) || uaCookie,
        uaCookie,
        wecomUa: WECOM_IPHONE_UA,
        member: member ? `${member.name} (${member.userid})` : who === 'outsider' ? text(lang).outsider : undefined,
        pickerHref: `${basePath}/__emulator/wecom-member?lang=${lang}`,
      }),
    );
  });

  /** The member picker on its own (from the help page): afterwards back to the help page. */
  app.get('/__emulator/wecom-member', async (request, reply) => {
    const lang = langOf(request, queryParam(request, 'lang'));
    const corp = [...emulator.corps.values()][0];
    if (!corp) return reply.code(404).send('no corp');
    return reply.type(HTML).send(renderMemberPicker(lang, basePath, corp, `${basePath}/__emulator/inside-wecom?lang=${lang}`));
  });

  /** The picker's answer: this browser's WeCom member, in a cookie; then back to the authorization. */
  app.post('/__emulator/wecom-member', async (request, reply) => {
    const who = bodyParam(request, 'who');
    const next = bodyParam(request, 'next');
    if (!subjectOf(who) || !next?.startsWith(`${basePath}/`) || next.startsWith('//')) return reply.code(400).send('bad request');
    reply.header('set-cookie', memberCookie(who!, basePath));
    return reply.redirect(next, 303);
  });
}

export function memberCookie(who: string, basePath: string): string {
  return `${WECOM_MEMBER_COOKIE}=${encodeURIComponent(who)}; Path=${basePath || '/'}; Max-Age=2592000; HttpOnly; SameSite=Lax`;
}

/** qyapi.weixin.qq.com: gettoken, auth/getuserinfo, user/get. Errors are HTTP 200 with errcode, as WeCom answers. */
function registerApi(app: FastifyInstance, emulator: WeComEmulator): void {
  const send = (reply: FastifyReply, body: object) => reply.type('application/json; charset=UTF-8').send(JSON.stringify(body));
  const fail = (request: FastifyRequest, reply: FastifyReply, errcode: number) => send(reply, wecomError(errcode, request.ip));
  const fault = (request: FastifyRequest, reply: FastifyReply, api: WeComApi) => {
    const errcode = emulator.takeFault(api);
    return errcode === undefined ? undefined : fail(request, reply, errcode);
  };
  /** The token's app, or an error sent: token errors first, then the 企业可信IP list. */
  const authorised = (request: FastifyRequest, reply: FastifyReply): Agent | undefined => {
    const agent = emulator.checkToken(queryParam(request, 'access_token'));
    if (typeof agent === 'number') {
      void fail(request, reply, agent);
      return undefined;
    }
    if (agent.trustedIps && !agent.trustedIps.includes(request.ip)) {
      void fail(request, reply, 60020);
      return undefined;
    }
    return agent;
  };

  app.get('/cgi-bin/gettoken', async (request, reply) => {
    const injected = fault(request, reply, 'gettoken');
    if (injected) return injected;
    const corpid = queryParam(request, 'corpid');
    const secret = queryParam(request, 'corpsecret');
    if (!corpid) return fail(request, reply, 41002);
    const corp = emulator.corp(corpid);
    if (!corp) return fail(request, reply, 40013);
    if (!secret) return fail(request, reply, 41004);
    const agent = emulator.agentBySecret(corp, secret);
    if (!agent) return fail(request, reply, 40001);
    const { token, expiresIn } = emulator.issueToken(agent);
    return send(reply, { errcode: 0, errmsg: 'ok', access_token: token, expires_in: expiresIn });
  });

  app.get('/cgi-bin/auth/getuserinfo', async (request, reply) => {
    const agent = authorised(request, reply);
    if (!agent) return reply;
    const injected = fault(request, reply, 'getuserinfo');
    if (injected) return injected;
    const subject = emulator.redeemCode(agent, queryParam(request, 'code'));
    if (typeof subject === 'number') return fail(request, reply, subject);
    // A member gets the userid whether or not they are in the app's visible range (WeCom's documented answer).
    return send(
      reply,
      'userid' in subject ? { errcode: 0, errmsg: 'ok', userid: subject.userid } : { errcode: 0, errmsg: 'ok', openid: subject.openid },
    );
  });

  app.get('/cgi-bin/user/get', async (request, reply) => {
    const agent = authorised(request, reply);
    if (!agent) return reply;
    const injected = fault(request, reply, 'user/get');
    if (injected) return injected;
    const userid = queryParam(request, 'userid');
    // WeCom's userids are case-insensitive.
    const member = [...(emulator.corp(agent.corpid)?.members.values() ?? [])].find((m) => m.userid.toLowerCase() === userid?.toLowerCase());
    if (!member) return fail(request, reply, 60111);
    if (agent.invisible.has(member.userid)) return fail(request, reply, 60011);
    return send(reply, {
      errcode: 0,
      errmsg: 'ok',
      userid: member.userid,
      name: member.name,
      department: member.department ?? [1],
      position: member.position ?? '',
      status: 1,
      // Apps made since 2022-06-20 are not told mobile and mail here (they need the member's own consent).
      ...(agent.contactFields ? { mobile: member.mobile ?? '', email: member.email ?? '' } : {}),
    });
  });
}

const memberSchema = z.object({
  corpid: z.string(),
  userid: z.string().min(1).max(64),
  name: z.string().min(1),
  mobile: z.string().optional(),
  email: z.string().optional(),
  department: z.array(z.number().int()).optional(),
});
const agentRef = z.object({ corpid: z.string(), agentid: z.string() });

/** `/__control/wecom`: drive logins without a browser, change members and switches, faults, the clock, reset. */
function registerControl(app: FastifyInstance, emulator: WeComEmulator): void {
  app.register(
    async (control) => {
      control.setErrorHandler((error, _request, reply) => {
        if (error instanceof z.ZodError) return reply.code(400).send({ error: 'bad_request', issues: error.issues });
        if (error instanceof WeComControlError) return reply.code(error.reason.startsWith('unknown') ? 404 : 409).send({ error: error.reason });
        if (error instanceof RangeError) return reply.code(400).send({ error: 'bad_request', message: error.message });
        return reply.send(error);
      });
      const agentOf = (body: unknown): Agent => {
        const ref = agentRef.parse(body);
        const agent = emulator.agent(ref.corpid, ref.agentid);
        if (!agent) throw new WeComControlError('unknown_agent');
        return agent;
      };

      control.get('/', async () => emulator.describe());
      control.get('/calls', async () => emulator.callCounts());
      control.post('/reset', async () => {
        emulator.reset();
        return { ok: true };
      });
      control.post('/members', async (request) => emulator.addMember(memberSchema.parse(request.body).corpid, memberSchema.parse(request.body)));
      control.post('/visibility', async (request) => {
        const body = agentRef.extend({ userid: z.string(), visible: z.boolean() }).parse(request.body);
        const agent = agentOf(body);
        emulator.setVisible(agent, body.userid, body.visible);
        return { invisible: [...agent.invisible] };
      });
      control.post('/trusted-ips', async (request) => {
        const body = agentRef.extend({ ips: z.array(z.string()).nullable() }).parse(request.body);
        const agent = agentOf(body);
        agent.trustedIps = body.ips;
        return { trustedIps: agent.trustedIps };
      });
      control.post('/contact-fields', async (request) => {
        const body = agentRef.extend({ on: z.boolean() }).parse(request.body);
        const agent = agentOf(body);
        agent.contactFields = body.on;
        return { contactFields: agent.contactFields };
      });
      control.post('/faults', async (request) => {
        const body = z
          .object({ api: z.enum(['gettoken', 'getuserinfo', 'user/get']), errcode: z.number().int(), times: z.number().int().min(1).default(1) })
          .parse(request.body);
        emulator.injectFault(body.api, body.errcode, body.times);
        return { ok: true };
      });
      control.post('/tokens/revoke', async () => ({ revoked: emulator.revokeTokens() }));
      control.post('/clock', async (request) => {
        const body = z.object({ advanceSeconds: z.number().min(0) }).parse(request.body);
        return { now: emulator.advanceClock(body.advanceSeconds * 1000) };
      });
      control.get<{ Params: { key: string } }>('/logins/:key', async (request) => {
        const login = emulator.webLogin(request.params.key);
        if (!login) throw new WeComControlError('unknown_login');
        return { ...login, status: emulator.loginStatus(login) };
      });
      control.post<{ Params: { key: string } }>('/logins/:key/confirm', async (request) => {
        const body = z.object({ userid: z.string().optional(), outsider: z.boolean().optional() }).parse(request.body ?? {});
        const subject: Subject = body.outsider ? { openid: OUTSIDER_OPENID } : { userid: body.userid ?? '' };
        const login = emulator.confirmWebLogin(request.params.key, subject);
        return { code: login.code, redirectUrl: emulator.redirectAfter(login) };
      });
      control.post<{ Params: { key: string } }>('/logins/:key/cancel', async (request) => {
        emulator.cancelWebLogin(request.params.key);
        return { ok: true };
      });
      /** What the WeCom app's silent authorization would do for this member, without a browser. */
      control.post('/authorize', async (request) => {
        const body = agentRef.extend({ redirect_uri: z.string().url(), state: z.string().default(''), userid: z.string() }).parse(request.body);
        const agent = agentOf(body);
        if (!emulator.corp(agent.corpid)?.members.has(body.userid)) throw new WeComControlError('unknown_member');
        const code = emulator.issueCode(agent, { userid: body.userid }, body.redirect_uri);
        return { code, redirectUrl: withQuery(body.redirect_uri, `code=${code}&state=${encodeURIComponent(body.state)}`) };
      });
    },
    { prefix: '/__control/wecom' },
  );
}
