// Official Account (服务号) web authorization inside WeChat: `open.weixin.qq.com/connect/oauth2/authorize`.
// Outside WeChat (no `MicroMessenger` in the User-Agent) WeChat only says "open this in WeChat". Inside, the
// phone's WeChat user is known; here a cookie names the persona, chosen on a small page the first time.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Emulator, type OaAuthorization, UnknownPersonaError } from './emulator.js';
import { type Lang, langParam, pageLang } from './i18n.js';
import { bodyParam, queryParam } from './params.js';
import { isAuthorisedCallback } from './qr-pages.js';
import {
  type OaAuthorizeError,
  type OaPageContext,
  renderConsent,
  renderInsideWeChat,
  renderNotInWeChat,
  renderOaError,
  renderWeChatUserPicker,
} from './views/oa-pages.js';

const HTML = 'text/html; charset=utf-8';

/** Names the persona who is this browser's ("phone's") WeChat user. The value is the persona id. */
export const WECHAT_USER_COOKIE = 'wxemu_user';
/** `wechat`: the emulator's own pages treat this browser as WeChat's built-in browser, whatever its User-Agent. */
export const UA_COOKIE = 'wxemu_ua';
/** WeChat 8.0.47 on an iPhone, as its built-in browser sends it. */
export const WECHAT_IPHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN';
/** "state: 最多128字节". */
export const STATE_MAX_BYTES = 128;
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

/**
 * WeChat's built-in browser says `MicroMessenger/…`. WeCom's says it too, with `wxwork/…`: that is not WeChat
 * (whether WeCom opens Official Account authorization is unverified; here it does not).
 */
export function isWeChatUserAgent(userAgent: string | undefined): boolean {
  return userAgent !== undefined && /MicroMessenger\//i.test(userAgent) && !/wxwork\//i.test(userAgent);
}

export function readCookies(request: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    if (!(name in out)) {
      try {
        out[name] = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        // a malformed value is ignored, as a browser's garbage would be
      }
    }
  }
  return out;
}

/** The `Set-Cookie` value that makes `personaId` this browser's WeChat user. */
export function wechatUserCookie(personaId: string, basePath: string): string {
  return `${WECHAT_USER_COOKIE}=${encodeURIComponent(personaId)}; Path=${basePath || '/'}; Max-Age=${COOKIE_MAX_AGE_S}; HttpOnly; SameSite=Lax`;
}

function uaCookie(on: boolean, basePath: string): string {
  return `${UA_COOKIE}=${on ? 'wechat' : ''}; Path=${basePath || '/'}; Max-Age=${on ? COOKIE_MAX_AGE_S : 0}; SameSite=Lax`;
}

/** A `next` the emulator may send the browser to: one of its own pages (no open redirect). */
export function safeNext(next: string | undefined, basePath: string): string | undefined {
  if (!next?.startsWith(`${basePath}/`) || next.startsWith('//') || next.includes('\\')) return undefined;
  return next;
}

/**
 * WeChat's checks, in this order: appid (empty, unknown, not an Official Account), redirect_uri (empty, outside
 * the 网页授权域名), scope (empty, not snsapi_base / snsapi_userinfo), state (over 128 bytes). `response_type` is
 * not checked and `forcePopup` is accepted (consent is always asked for snsapi_userinfo here).
 */
export function checkOaAuthorize(emulator: Emulator, read: (name: string) => string | undefined): OaAuthorization | OaAuthorizeError {
  const appid = read('appid');
  if (!appid) return 'appid_missing';
  const app = emulator.app(appid);
  if (!app) return 'appid';
  if (app.kind !== 'official-account') return 'not_oa_appid';
  const redirectUri = read('redirect_uri');
  if (!redirectUri) return 'redirect_uri_missing';
  if (!isAuthorisedCallback(redirectUri, app.callbackDomain)) return 'redirect_uri';
  const scope = read('scope');
  if (!scope) return 'scope_missing';
  if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') return 'scope';
  const state = read('state') ?? '';
  if (Buffer.byteLength(state, 'utf8') > STATE_MAX_BYTES) return 'state_too_long';
  return { app, redirectUri, scope, state };
}

/**
 * The phone's language: WeChat's User-Agent ends with `Language/zh_CN` or `Language/en`. Without it (a desktop
 * browser trying "inside WeChat"): `lang=en`, else the browser's Accept-Language; Chinese by default.
 */
function oaLang(request: FastifyRequest, lang: string | undefined): Lang {
  const fromUa = /Language\/([A-Za-z_]+)/.exec(request.headers['user-agent'] ?? '')?.[1];
  if (fromUa) return fromUa.toLowerCase().startsWith('en') ? 'en' : 'zh';
  if (lang !== undefined) return pageLang(lang);
  return /^\s*en\b/i.test(request.headers['accept-language'] ?? '') ? 'en' : 'zh';
}

export function registerOaPages(app: FastifyInstance, emulator: Emulator, basePath: string): void {
  const insideWeChat = (request: FastifyRequest): boolean =>
    isWeChatUserAgent(request.headers['user-agent']) || readCookies(request)[UA_COOKIE] === 'wechat';
  /** The persona named by the cookie, if it still exists. */
  const phoneUser = (request: FastifyRequest): string | undefined => {
    const id = readCookies(request)[WECHAT_USER_COOKIE];
    return id !== undefined && emulator.personas.get(id) ? id : undefined;
  };
  const helpHref = (ctx: OaPageContext, next: string): string =>
    `${basePath}/__emulator/inside-wechat?lang=${langParam(ctx.lang)}&next=${encodeURIComponent(next)}`;
  const authorizeUrl = (fields: Record<string, string>): string => `${basePath}/connect/oauth2/authorize?${new URLSearchParams(fields)}`;

  /** What the authorize URL and the consent forms share: outside WeChat, errors, and no phone user yet. */
  const precheck = (
    request: FastifyRequest,
    reply: FastifyReply,
    read: (name: string) => string | undefined,
    here: string,
  ): { authorization: OaAuthorization; personaId: string; ctx: OaPageContext } | FastifyReply => {
    const ctx: OaPageContext = { lang: oaLang(request, read('lang')), basePath };
    if (!insideWeChat(request)) return reply.type(HTML).send(renderNotInWeChat(ctx, helpHref(ctx, here)));
    const authorization = checkOaAuthorize(emulator, read);
    if (typeof authorization === 'string') return reply.type(HTML).send(renderOaError(ctx, authorization));
    const personaId = phoneUser(request);
    if (personaId === undefined) return reply.type(HTML).send(renderWeChatUserPicker(ctx, emulator.personas.list(), here));
    return { authorization, personaId, ctx };
  };
  const fieldsOf = (a: OaAuthorization): Record<string, string> => ({
    appid: a.app.appId,
    redirect_uri: a.redirectUri,
    response_type: 'code',
    scope: a.scope,
    state: a.state,
  });

  app.get('/connect/oauth2/authorize', async (request, reply) => {
    const checked = precheck(request, reply, (name) => queryParam(request, name), request.url);
    if (!('authorization' in checked)) return checked;
    const { authorization, personaId, ctx } = checked;
    // Silent: straight on to the site. In snapshot mode snsapi_userinfo is silent too (no consent can be
    // shown on a snapshot page): the site gets a virtual account's code and sees is_snapshotuser.
    if (authorization.scope === 'snsapi_base' || emulator.isSnapshot(personaId)) {
      return reply.redirect(emulator.authorizeOa(authorization, personaId).redirectUrl, 302);
    }
    const fields = fieldsOf(authorization);
    const icon = authorization.app.iconUrl ?? `${basePath}/__emulator/app-icon/${encodeURIComponent(authorization.app.appId)}`;
    return reply.type(HTML).send(
      renderConsent(ctx, {
        appName: authorization.app.name,
        appIcon: icon,
        persona: emulator.persona(personaId),
        fields,
        changeAccountHref: `${basePath}/__emulator/wechat-user?lang=${langParam(ctx.lang)}&next=${encodeURIComponent(authorizeUrl(fields))}`,
      }),
    );
  });

  for (const decision of ['allow', 'deny'] as const) {
    app.post(`/connect/oauth2/authorize/${decision}`, async (request, reply) => {
      const read = (name: string): string | undefined => bodyParam(request, name);
      const here = authorizeUrl(Object.fromEntries(['appid', 'redirect_uri', 'response_type', 'scope', 'state'].map((k) => [k, read(k) ?? ''])));
      const checked = precheck(request, reply, read, here);
      if (!('authorization' in checked)) return checked;
      const { authorization, personaId } = checked;
      const outcome = decision === 'allow' ? emulator.authorizeOa(authorization, personaId) : emulator.denyOa(authorization);
      return reply.redirect(outcome.redirectUrl, 303);
    });
  }

  // The emulator's own: choose the phone's WeChat user (the first time, or to change it).
  app.get('/__emulator/wechat-user', async (request, reply) => {
    const ctx: OaPageContext = { lang: oaLang(request, queryParam(request, 'lang')), basePath };
    const next = safeNext(queryParam(request, 'next'), basePath) ?? `${basePath}/__emulator/inside-wechat?lang=${langParam(ctx.lang)}`;
    return reply.type(HTML).send(renderWeChatUserPicker(ctx, emulator.personas.list(), next));
  });

  app.post('/__emulator/wechat-user', async (request, reply) => {
    const ctx: OaPageContext = { lang: oaLang(request, bodyParam(request, 'lang')), basePath };
    const next = safeNext(bodyParam(request, 'next'), basePath) ?? `${basePath}/__emulator/inside-wechat?lang=${langParam(ctx.lang)}`;
    let personaId = bodyParam(request, 'persona');
    try {
      if (personaId === undefined) personaId = emulator.createPersona({ nickname: bodyParam(request, 'nickname') ?? '' }).id;
      emulator.persona(personaId);
    } catch (error) {
      // An unknown persona or an empty nickname: ask again.
      if (error instanceof UnknownPersonaError || error instanceof RangeError) {
        return reply
          .code(400)
          .type(HTML)
          .send(renderWeChatUserPicker(ctx, emulator.personas.list(), next));
      }
      throw error;
    }
    return reply.header('set-cookie', wechatUserCookie(personaId, basePath)).redirect(next, 303);
  });

  // The development page: which user agent counts as WeChat, the ua=wechat cookie, the phone's user, snapshot mode.
  app.get('/__emulator/inside-wechat', async (request, reply) => {
    const lang = pageLang(queryParam(request, 'lang'));
    const next = safeNext(queryParam(request, 'next'), basePath);
    const ua = queryParam(request, 'ua');
    if (ua === 'wechat' || ua === 'off') {
      const back = next ?? `${basePath}/__emulator/inside-wechat?lang=${langParam(lang)}`;
      return reply.header('set-cookie', uaCookie(ua === 'wechat', basePath)).redirect(back, 303);
    }
    const personaId = phoneUser(request);
    return reply.type(HTML).send(
      renderInsideWeChat(
        { lang, basePath },
        {
          userAgent: request.headers['user-agent'] ?? '',
          insideWeChat: insideWeChat(request),
          uaCookie: readCookies(request)[UA_COOKIE] === 'wechat',
          persona: personaId === undefined ? undefined : emulator.persona(personaId),
          snapshot: emulator.testControl && personaId !== undefined ? emulator.isSnapshot(personaId) : null,
          wechatUa: WECHAT_IPHONE_UA,
          next,
          desktopClient: emulator.testControl ? { persona: emulator.desktopPersona(), personas: emulator.personas.list() } : null,
        },
      ),
    );
  });

  if (emulator.testControl) {
    app.post('/__emulator/inside-wechat/snapshot', async (request, reply) => {
      const personaId = phoneUser(request);
      if (personaId !== undefined) emulator.setSnapshot(bodyParam(request, 'on') === '1', personaId);
      return reply.redirect(safeNext(bodyParam(request, 'back'), basePath) ?? `${basePath}/__emulator/inside-wechat`, 303);
    });

    // Desktop quick login's switch: `persona` empty signs the desktop client out.
    app.post('/__emulator/inside-wechat/desktop-client', async (request, reply) => {
      const personaId = bodyParam(request, 'persona');
      const back = safeNext(bodyParam(request, 'back'), basePath) ?? `${basePath}/__emulator/inside-wechat`;
      try {
        emulator.setDesktopClient(personaId ? personaId : null);
      } catch (error) {
        if (error instanceof UnknownPersonaError) return reply.code(400).type('text/plain; charset=utf-8').send(error.message);
        throw error;
      }
      return reply.redirect(back, 303);
    });
  }
}
