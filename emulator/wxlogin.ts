// The embedded QR: a clone of WeChat's wxLogin.js (res.wx.qq.com/connect/zh_CN/htmledition/js/wxLogin.js)
// that builds the same iframe URL (docs/wechat-open-platform.md §4), pointing at the emulator instead of open.weixin.qq.com.
import type { FastifyInstance } from 'fastify';
import type { Emulator } from './emulator.js';

/**
 * The frame may reach the local network (`allow="local-network-access"`), so quick login (快速登录) can find a desktop
 * WeChat under Chrome 142+: WeChat documents that a frame a site builds *itself* must carry it, which we read as
 * wxLogin.js setting it (unverified; docs/wechat-open-platform.md §4).
 *
 * Behaves like the published script: `redirect_uri` is concatenated as given (the caller encodes
 * it), an omitted `self_redirect` is sent as `default`, and — like WeChat's — no `sandbox` is set
 * on the iframe. (Some browsers have blocked a cross-origin iframe from navigating the top window
 * without a user gesture; sites then add `sandbox="allow-scripts allow-same-origin
 * allow-top-navigation"` themselves, with WeChat as with the emulator.)
 */
export function wxLoginScript(qrconnectUrl: string): string {
  return `/* WeChat wxLogin.js emulator (not WeChat) */
!function (window, document) {
  function WxLogin(a) {
    var selfRedirect = "default";
    a.self_redirect === true ? selfRedirect = "true" : a.self_redirect === false && (selfRedirect = "false");
    var iframe = document.createElement("iframe");
    var src = ${JSON.stringify(qrconnectUrl)} + "?appid=" + a.appid + "&scope=" + a.scope + "&redirect_uri=" + a.redirect_uri
      + "&state=" + a.state + "&login_type=jssdk&self_redirect=" + selfRedirect
      + "&styletype=" + (a.styletype || "") + "&sizetype=" + (a.sizetype || "") + "&bgcolor=" + (a.bgcolor || "") + "&rst=" + (a.rst || "");
    src += a.style ? "&style=" + a.style : "";
    src += a.href ? "&href=" + a.href : "";
    src += a.lang === "en" ? "&lang=en" : "";
    src += a.stylelite === 1 ? "&stylelite=1" : "";
    src += a.fast_login === 0 ? "&fast_login=0" : "";
    iframe.src = src;
    iframe.frameBorder = "0";
    iframe.allowTransparency = "true";
    iframe.scrolling = "no";
    iframe.width = "300px";
    iframe.height = "400px";
    iframe.allow = "local-network-access";
    var container = document.getElementById(a.id);
    container.innerHTML = "";
    container.appendChild(iframe);
  }
  window.WxLogin = WxLogin;
}(window, document);
`;
}

export function registerWxLogin(app: FastifyInstance, emulator: Emulator): void {
  const script = wxLoginScript(`${emulator.publicBaseUrl}/connect/qrconnect`);
  app.get('/connect/zh_CN/htmledition/js/wxLogin.js', async (_request, reply) => reply.type('application/javascript; charset=utf-8').send(script));
}
