// PC side of the QR login: the qrconnect page (full and embedded), the QR image and the status long-poll.
import type { FastifyInstance, FastifyReply } from 'fastify';
import QRCode from 'qrcode';
import { DESKTOP_CHECK_PATH, DESKTOP_CONFIRM_PATH } from './desktop-client.js';
import { type Emulator, type RegisteredApp, withQuery } from './emulator.js';
import { pageLang } from './i18n.js';
import { queryParam } from './params.js';
import { type QrSession, type SelfRedirect, WxErrcode } from './qr-sessions.js';
import { type QrconnectError, renderQrErrorPage, renderQrPage } from './views/qr-page.js';

/**
 * WeChat matches the redirect_uri's host against the registered 授权回调域; sub-domains are not
 * accepted (reported by third parties, unverified). A domain registered without a port accepts
 * any port of that host (unverified; WeChat's form takes a bare domain).
 */
export function isAuthorisedCallback(redirectUri: string, callbackDomain: string): boolean {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const domain = callbackDomain.toLowerCase();
  return domain.includes(':') ? url.host === domain : url.hostname === domain;
}

/** Website apps have exactly one scope; a list containing anything else is refused. */
function isLoginScope(scope: string | undefined): boolean {
  return scope?.split(',').every((s) => s === 'snsapi_login') === true;
}

function selfRedirectOf(loginType: string | undefined, selfRedirect: string | undefined): SelfRedirect {
  if (loginType !== 'jssdk') return null;
  return selfRedirect === 'true' || selfRedirect === 'false' ? selfRedirect : 'default';
}

interface WxStatus {
  errcode: number;
  code: string;
}

export function registerQrPages(app: FastifyInstance, emulator: Emulator, basePath: string): void {
  app.get('/connect/qrconnect', async (request, reply) => {
    const q = (name: string): string | undefined => queryParam(request, name);
    const lang = pageLang(q('lang'));
    // Checked in this order; WeChat's order when several are wrong is unverified.
    // `response_type` is not checked: wxLogin.js never sends it and WeChat still answers.
    const registered = emulator.app(q('appid') ?? '');
    const redirectUri = q('redirect_uri') ?? '';
    let error: QrconnectError | undefined;
    if (!registered) error = 'appid';
    else if (!isAuthorisedCallback(redirectUri, registered.callbackDomain)) error = 'redirect_uri';
    // An Official Account has no snsapi_login: its AppID gets the scope error here (docs/wechat-open-platform.md §3).
    else if (!isLoginScope(q('scope')) || registered.kind !== 'website') error = 'scope';
    if (error || !registered) {
      return reply.type('text/html; charset=utf-8').send(renderQrErrorPage(error ?? 'appid', lang, basePath));
    }

    const session = emulator.startQrSession({
      appId: registered.appId,
      redirectUri,
      state: q('state') ?? '',
      selfRedirect: selfRedirectOf(q('login_type'), q('self_redirect')),
      lang,
    });
    if (q('f') === 'xml') {
      // Only <uuid> is known of WeChat's XML answer (docs/wechat-open-platform.md §3).
      return reply.type('text/xml; charset=utf-8').send(`<xml><uuid><![CDATA[${session.uuid}]]></uuid></xml>`);
    }
    return reply.type('text/html; charset=utf-8').send(renderPage(emulator, registered, session, lang, basePath, q));
  });

  app.get<{ Params: { uuid: string } }>('/connect/qrcode/:uuid', async (request, reply) => {
    if (!emulator.qr.get(request.params.uuid)) return reply.code(404).send();
    const png = await QRCode.toBuffer(emulator.phoneUrl(request.params.uuid), { type: 'png', margin: 1, width: 300 });
    return reply.type('image/png').header('cache-control', 'no-store').send(png);
  });

  // WeChat: lp.open.weixin.qq.com/connect/l/qrconnect?uuid=&last=&_= — held open until the status
  // differs from `last` (the code the page saw before), or until the hold time passes (→ 408).
  app.get('/connect/l/qrconnect', async (request, reply) => {
    const uuid = queryParam(request, 'uuid') ?? '';
    const last = Number(queryParam(request, 'last') ?? WxErrcode.waiting);
    const status = await waitForStatus(emulator, uuid, last, reply);
    return reply
      .type('application/javascript; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(`window.wx_errcode=${status.errcode};window.wx_code='${status.code}';`);
  });
}

function renderPage(
  emulator: Emulator,
  registered: RegisteredApp,
  session: QrSession,
  lang: ReturnType<typeof pageLang>,
  basePath: string,
  q: (name: string) => string | undefined,
): string {
  const href = q('href');
  // The button carries the page's language to the phone page (WeChat's `lang`: cn or en).
  const phoneUrl = emulator.phoneUrl(session.uuid, lang);
  return renderQrPage({
    lang,
    basePath,
    appName: registered.name,
    uuid: session.uuid,
    redirectUri: session.redirectUri,
    state: session.state,
    // self_redirect=true redirects inside the iframe; false and the default redirect the top window.
    navigate: session.selfRedirect === null || session.selfRedirect === 'true' ? 'self' : 'top',
    legacyDenyRedirect: registered.legacyDenyRedirect,
    embedded: session.selfRedirect !== null,
    textStyle: q('style') === 'white' ? 'white' : 'black',
    stylelite: q('stylelite') === '1',
    ...(href ? { customStylesheet: href } : {}),
    phoneUrl,
    sameTabPhoneUrl: withQuery(phoneUrl, 'same_tab=1'),
    // wxLogin's fast_login=0 turns quick login off (docs/wechat-open-platform.md §4).
    ...(q('fast_login') === '0'
      ? {}
      : { quickLogin: { checkUrl: `${basePath}${DESKTOP_CHECK_PATH}`, confirmUrl: `${basePath}${DESKTOP_CONFIRM_PATH}` } }),
  });
}

function currentStatus(emulator: Emulator, uuid: string): WxStatus {
  const session = emulator.qr.get(uuid);
  // An unknown (or long-gone) uuid reads as expired, so the page offers a new QR.
  if (!session) return { errcode: WxErrcode.expired, code: '' };
  const status = emulator.qr.statusOf(session);
  return { errcode: WxErrcode[status], code: status === 'confirmed' ? (session.code ?? '') : '' };
}

async function waitForStatus(emulator: Emulator, uuid: string, last: number, reply: FastifyReply): Promise<WxStatus> {
  let status = currentStatus(emulator, uuid);
  if (status.errcode !== last) return status;

  const aborted = new AbortController();
  reply.raw.on('close', () => aborted.abort());
  // The hold is real time; the QR's remaining life is judged on the emulator's clock.
  const session = emulator.qr.get(uuid);
  const qrLeftMs = session ? session.expiresAt - emulator.clock.now() : 0;
  const deadline = Date.now() + Math.min(emulator.settings.longPollHoldMs, Math.max(qrLeftMs, 0));
  while (status.errcode === last && !aborted.signal.aborted && Date.now() < deadline) {
    await emulator.qr.waitForChange(deadline - Date.now(), aborted.signal);
    status = currentStatus(emulator, uuid);
  }
  return status.errcode === last ? { errcode: WxErrcode.waiting, code: '' } : status;
}
