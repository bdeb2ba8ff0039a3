// The PC-side QR page (WeChat's open.weixin.qq.com/connect/qrconnect), full-page and embedded.
// Class names and element ids follow WeChat's page, so a custom `href` style sheet written for
// WeChat (e.g. `.impowerBox .qrcode {width: 200px}`) applies here too.
import { type Lang, messages } from '../i18n.js';
import { html, page } from './html.js';

export interface QrPageView {
  lang: Lang;
  basePath: string;
  appName: string;
  uuid: string;
  redirectUri: string;
  state: string;
  /** Where the page navigates on confirmation: itself (full page, or iframe with self_redirect=true) or the top window. */
  navigate: 'self' | 'top';
  /** WeChat's older deny behaviour: navigate to `redirect_uri?state=` without a code. */
  legacyDenyRedirect: boolean;
  /** Drawn inside a wxLogin iframe (`login_type=jssdk`): compact, 300×400. */
  embedded: boolean;
  /** wxLogin `style`: colour of the text, `black` (default) or `white`. */
  textStyle: 'black' | 'white';
  /** wxLogin `stylelite=1`: the newer compact look; custom `href` CSS is ignored then, as on WeChat. */
  stylelite: boolean;
  customStylesheet?: string;
  /** The phone page for this QR, in the page's language: the button under the QR opens it in a new tab. */
  phoneUrl: string;
  /** The same page in this tab, for when no new tab may be opened (a sandboxed iframe without allow-popups). */
  sameTabPhoneUrl: string;
  /**
   * Quick login (快速登录): where the page's script asks whether a desktop WeChat is signed in on this PC, and where
   * it confirms with it. Absent with wxLogin's `fast_login=0`.
   */
  quickLogin?: { checkUrl: string; confirmUrl: string };
}

export function renderQrPage(v: QrPageView): string {
  const m = messages(v.lang);
  const classes = ['emu-qr', v.embedded ? 'emu-embedded' : 'emu-full', `emu-text-${v.textStyle}`, v.stylelite ? 'emu-stylelite' : ''];
  const body = html`<div class="main impowerBox" id="wx_emulator_login"
  data-uuid="${v.uuid}" data-poll-url="${v.basePath}/connect/l/qrconnect"
  data-redirect-uri="${v.redirectUri}" data-state="${v.state}"
  data-navigate="${v.navigate}" data-legacy-deny="${v.legacyDenyRedirect ? '1' : '0'}"${
    v.quickLogin ? html` data-quick-check-url="${v.quickLogin.checkUrl}" data-quick-confirm-url="${v.quickLogin.confirmUrl}"` : ''
  }>
  <div class="loginPanel normalPanel">
    <div class="title">${m.loginTitle}</div>
    ${v.quickLogin ? quickLoginPanel(v) : ''}
    <div class="waiting panelContent" id="wx_qrcode_panel">
      <div class="wrp_code"><img class="qrcode lightBorder" src="${v.basePath}/connect/qrcode/${v.uuid}" alt="${m.qrAlt}" width="200" height="200"></div>
      <div class="info">
        <div class="status status_browser js_status" id="wx_default_tip">
          <p>${m.scanHint}</p>
          <p class="app-name">“${v.appName}”</p>
        </div>
        <div class="status status_succ js_status" id="wx_after_scan" hidden>
          <h4>${m.scannedTitle}</h4><p>${m.scannedHint}</p>
        </div>
        <div class="status status_fail js_status" id="wx_after_cancel" hidden>
          <h4>${m.cancelledTitle}</h4><p>${m.cancelledHint}</p>
        </div>
        <div class="status status_fail js_status" id="wx_expired" hidden>
          <h4>${m.expiredTitle}</h4><p><a href="" class="emu-refresh">${m.expiredRefresh}</a></p>
        </div>
      </div>
      <p class="emu-phone-link"><a class="emu-phone-button" href="${v.phoneUrl}" target="_blank" rel="noopener"
        data-same-tab-href="${v.sameTabPhoneUrl}" title="${m.openPhoneTitle}">${m.openPhone}</a></p>
      ${v.quickLogin ? html`<p class="emu-quick-back" id="wx_quick_back" hidden><a href="#" class="js_quick_show">${m.quickBack}</a></p>` : ''}
    </div>
  </div>
</div>`;
  return page({
    lang: v.lang,
    title: m.loginTitle,
    basePath: v.basePath,
    body,
    bodyClass: classes.filter(Boolean).join(' '),
    script: 'qrconnect.js',
    compactBanner: v.embedded,
    ...(v.customStylesheet && !v.stylelite ? { extraStylesheet: v.customStylesheet } : {}),
  });
}

/**
 * The quick-login panel, hidden until the page's script has found a signed-in desktop client: its avatar and
 * nickname, 快速登录 / Log in, and 使用其他帐号 / Use another account (back to the QR).
 */
function quickLoginPanel(v: QrPageView) {
  const m = messages(v.lang);
  return html`<div class="quickPanel panelContent emu-quick-login" id="wx_quick_login" hidden>
      <div class="emu-quick-account">
        <img class="avatar emu-quick-avatar" id="wx_quick_avatar" alt="" hidden><span class="avatar avatar-empty" id="wx_quick_avatar_empty" hidden></span>
        <p class="emu-quick-nickname" id="wx_quick_nickname"></p>
      </div>
      <p class="emu-quick-hint">${m.quickHint}</p>
      <p class="emu-quick-status" id="wx_quick_status" role="status" hidden></p>
      <p><button type="button" class="emu-quick-button" id="wx_quick_login_button" data-confirming="${m.quickConfirming}" data-failed="${m.quickFailed}">${m.quickLogin}</button></p>
      <p class="emu-quick-switch"><a href="#" id="wx_quick_use_qr" class="js_quick_use_qr">${m.quickUseOther}</a></p>
    </div>`;
}

export type QrconnectError = 'appid' | 'redirect_uri' | 'scope';

/** The error page WeChat shows instead of a QR (no redirect happens). */
export function renderQrErrorPage(error: QrconnectError, lang: Lang, basePath: string): string {
  const m = messages(lang);
  const text = { appid: m.errorAppid, redirect_uri: m.errorRedirectUri, scope: m.errorScope }[error];
  return page({
    lang,
    title: m.errorTitle,
    basePath,
    bodyClass: 'emu-error',
    body: html`<main class="emu-error-box"><div class="emu-error-icon" aria-hidden="true">!</div><h2 class="weui-msg__title">${text}</h2></main>`,
  });
}
