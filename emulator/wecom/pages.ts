// The WeCom emulator's pages: the web login's QR page (on the computer), the phone page that confirms it, the
// in-app authorization's member picker and its "open this in WeCom" and error pages. No scripts: the QR page
// looks again every second with a meta refresh, so it works under wecas's `default-src 'self'`.
import type { Lang } from '../i18n.js';
import { html, type SafeHtml } from '../views/html.js';
import type { Corp, WeComMemberConfig } from './state.js';

const TEXT = {
  zh: {
    htmlLang: 'zh-CN',
    banner: '模拟器 — 这不是企业微信。此页面由 wecas 的企业微信模拟器生成，仅用于开发和测试。',
    loginTitle: '企业微信登录',
    scanHint: '请使用企业微信扫描二维码登录',
    openPhone: '用模拟企业微信扫码',
    cancelled: '您已取消此次登录',
    expired: '二维码已失效，请刷新页面',
    confirmTitle: '企业微信',
    confirmQuestion: '登录 {app}（{corp}）',
    whoConfirms: '以哪个企业微信账号确认？',
    outsider: '非本企业成员（其他企业的企业微信用户）',
    confirm: '确认登录',
    cancel: '取消',
    confirmed: '已确认登录，请在电脑上继续',
    cancelledPhone: '已取消登录',
    notWaiting: '该二维码已失效',
    errorTitle: '企业微信',
    errorParams: '参数错误',
    errorRedirect: 'redirect_uri 需使用应用可信域名',
    openInWeCom: '请在企业微信客户端打开链接',
    openInWeComHint: '这是企业微信的网页授权链接，只能在企业微信中打开。',
    pickMember: '这台“手机”上登录的企业微信账号是？',
    insideTitle: '在电脑浏览器中模拟“企业微信内”',
    insideIntro:
      '企业微信内置浏览器的 User-Agent 含有 wxwork/。wecas 的登录页只按 User-Agent 判断是否在企业微信内，所以要在桌面浏览器里试“企业微信内登录”，请在开发者工具的设备工具栏中把 User-Agent 设为下面这一行。',
    yourUa: '当前浏览器的 User-Agent：',
    countsAsWeCom: '模拟器视其为企业微信内置浏览器。',
    notWeCom: '模拟器不视其为企业微信内置浏览器。',
    uaCookieOn: '已开启：模拟器自己的页面把本浏览器当作企业微信（Cookie wwemu_ua=wxwork）。',
    uaCookieOff: '未开启：模拟器自己的页面按 User-Agent 判断。',
    turnUaCookieOn: '让模拟器页面把本浏览器当作企业微信',
    turnUaCookieOff: '恢复按 User-Agent 判断',
    uaCookieLimit: '此 Cookie 只影响模拟器的页面；wecas 的登录页仍按 User-Agent 判断。',
    wecomUa: '企业微信（iPhone）的 User-Agent：',
    phoneMember: '这台“手机”上登录的成员：',
    noMember: '尚未选择（首次授权时会询问）',
    changeMember: '更换成员',
    pick: '以此身份继续',
    department: '部门',
    callbackNotEmulated: '模拟器不模拟 redirect_type=callback（登录组件通过 postMessage 把 code 交给网页脚本）；请使用 top 或 self。',
    continueTop: '登录成功，正在跳转…',
    continueLink: '继续',
  },
  en: {
    htmlLang: 'en',
    banner: 'Emulator — this is not WeCom. This page is made by wecas’s WeCom emulator, for development and tests only.',
    loginTitle: 'WeCom login',
    scanHint: 'Scan the QR code with WeCom to log in',
    openPhone: 'Scan with the emulated WeCom app',
    cancelled: 'You cancelled this login',
    expired: 'The QR code has expired; reload the page',
    confirmTitle: 'WeCom',
    confirmQuestion: 'Log in to {app} ({corp})',
    whoConfirms: 'Confirm as which WeCom account?',
    outsider: 'Not a member (a WeCom user of another organisation)',
    confirm: 'Log in',
    cancel: 'Cancel',
    confirmed: 'Login confirmed: continue on the computer',
    cancelledPhone: 'Login cancelled',
    notWaiting: 'This QR code is no longer valid',
    errorTitle: 'WeCom',
    errorParams: 'Invalid parameters',
    errorRedirect: 'redirect_uri must use the app’s trusted domain',
    openInWeCom: 'Open this link in the WeCom app',
    openInWeComHint: 'This is a WeCom authorization link; it only opens inside WeCom.',
    pickMember: 'Which WeCom account is signed in on this “phone”?',
    insideTitle: 'Trying “inside WeCom” from a desktop browser',
    insideIntro:
      'WeCom’s built-in browser has wxwork/ in its User-Agent. wecas’s login page decides by the User-Agent alone, so to try the sign-in inside WeCom from a desktop browser, set the User-Agent to the line below in the developer tools’ device toolbar.',
    yourUa: 'This browser’s User-Agent:',
    countsAsWeCom: 'The emulator takes it for WeCom’s built-in browser.',
    notWeCom: 'The emulator does not take it for WeCom’s built-in browser.',
    uaCookieOn: 'On: the emulator’s own pages treat this browser as WeCom (cookie wwemu_ua=wxwork).',
    uaCookieOff: 'Off: the emulator’s own pages go by the User-Agent.',
    turnUaCookieOn: 'Let the emulator’s pages treat this browser as WeCom',
    turnUaCookieOff: 'Go by the User-Agent again',
    uaCookieLimit: 'The cookie changes the emulator’s pages only; wecas’s login page still goes by the User-Agent.',
    wecomUa: 'WeCom’s User-Agent (iPhone):',
    phoneMember: 'Member signed in on this “phone”:',
    noMember: 'None yet (the first authorization asks)',
    changeMember: 'Change member',
    pick: 'Continue as this member',
    department: 'Department',
    callbackNotEmulated:
      'The emulator does not emulate redirect_type=callback (the panel hands the code to the page’s script by postMessage); use top or self.',
    continueTop: 'Logged in: going on…',
    continueLink: 'Continue',
  },
} as const;

export type WeComText = (typeof TEXT)['zh'];
export const text = (lang: Lang): WeComText => TEXT[lang] as WeComText;

/** The panel's page script (the emulator's own file, as WeCom's panel has its own). */
const panelScript = (basePath: string) => html`<script src="${basePath}/__emulator/assets/wwpanel.js" defer></script>`;

function frame(lang: Lang, basePath: string, title: string, body: SafeHtml, extraHead?: SafeHtml, panel = false): string {
  const m = text(lang);
  return `<!doctype html>${html`<html lang="${m.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
${extraHead ?? ''}
<title>${title} · Emulator</title>
<link rel="stylesheet" href="${basePath}/__emulator/assets/emulator.css">
</head>
<body class="emu-wecom${panel ? ' emu-wecom-panel' : ''}">
<div class="emu-banner" role="note">${m.banner}</div>
<main class="phone">${body}</main>
</body>
</html>
`}`;
}

/**
 * The computer's page, full page or the embeddable panel: the QR (it encodes the phone page), the same address as
 * text and the emulator's phone button; looks again every second. The panel's script sends the top window on.
 */
export function renderQrPage(
  lang: Lang,
  basePath: string,
  corp: Corp,
  agentName: string,
  v: { refreshUrl: string; qrImageUrl: string; phoneUrl: string; panel: boolean },
): string {
  const m = text(lang);
  return frame(
    lang,
    basePath,
    m.loginTitle,
    html`<div class="card result" id="wecom-qr"><h1>${m.loginTitle}</h1>
<p class="wecom-app">${corp.name} · ${agentName}</p>
<img class="wecom-qr-image" id="wecom-qr-image" src="${v.qrImageUrl}" alt="${m.scanHint}" width="160" height="160">
<p class="persona-meta">${m.scanHint}</p>
<p class="wecom-qr-payload"><code id="wecom-qr-payload">${v.phoneUrl}</code></p>
<p><a class="emu-phone-button" id="wecom-open-phone" href="${v.phoneUrl}" data-same-tab-href="${`${v.phoneUrl}&tab=same`}" target="_blank" rel="noopener">${m.openPhone}</a></p></div>`,
    html`<meta http-equiv="refresh" content="1;url=${v.refreshUrl}">${v.panel ? panelScript(basePath) : ''}`,
    v.panel,
  );
}

/** The panel after the phone confirmed (`redirect_type=top`): its script sends the whole window to redirect_uri. */
export function renderTopRedirect(lang: Lang, basePath: string, redirect: string): string {
  const m = text(lang);
  return frame(
    lang,
    basePath,
    m.loginTitle,
    html`<div class="card result" id="wecom-panel-confirmed"><h1>${m.continueTop}</h1>
<p><a id="wecom-panel-continue" href="${redirect}" target="_top">${m.continueLink}</a></p></div>`,
    panelScript(basePath),
    true,
  );
}

export function renderResult(lang: Lang, basePath: string, id: string, message: string, panel = false): string {
  const m = text(lang);
  return frame(lang, basePath, m.loginTitle, html`<div class="card result" id="${id}"><h1>${message}</h1></div>`, undefined, panel);
}

/** The phone: who confirms the login on the computer. */
export function renderConfirmPage(lang: Lang, basePath: string, key: string, corp: Corp, agentName: string, sameTab = false): string {
  const m = text(lang);
  const members = [...corp.members.values()];
  return frame(
    lang,
    basePath,
    m.confirmTitle,
    html`<h1>${m.confirmQuestion.replace('{app}', agentName).replace('{corp}', corp.name)}</h1>
<form method="post" action="${basePath}/wwlogin/sso/confirm" class="card" id="wecom-confirm">
<input type="hidden" name="key" value="${key}">
<input type="hidden" name="lang" value="${lang}">
${sameTab ? html`<input type="hidden" name="tab" value="same">` : ''}
<h2>${m.whoConfirms}</h2>
${members.map(
  (member, i) =>
    html`<label class="persona"><input type="radio" name="who" value="member:${member.userid}"${i === 0 ? html` checked` : ''}> ${memberLine(m, member)}</label><br>`,
)}
<label class="persona"><input type="radio" name="who" value="outsider"> ${m.outsider}</label>
<div class="buttons"><button type="submit" class="btn btn-primary" name="decision" value="confirm" id="wecom-confirm-button">${m.confirm}</button>
<button type="submit" class="btn btn-default" name="decision" value="cancel" id="wecom-cancel-button">${m.cancel}</button></div>
</form>`,
  );
}

/** Inside the WeCom app: the emulator's question "who is signed in on this phone" (the real app knows). */
export function renderMemberPicker(lang: Lang, basePath: string, corp: Corp, next: string): string {
  const m = text(lang);
  return frame(
    lang,
    basePath,
    m.confirmTitle,
    html`<h1>${m.pickMember}</h1>
<form method="post" action="${basePath}/__emulator/wecom-member" class="card" id="wecom-member-picker">
<input type="hidden" name="next" value="${next}">
${[...corp.members.values()].map(
  (member, i) =>
    html`<label class="persona"><input type="radio" name="who" value="member:${member.userid}"${i === 0 ? html` checked` : ''}> ${memberLine(m, member)}</label><br>`,
)}
<label class="persona"><input type="radio" name="who" value="outsider"> ${m.outsider}</label>
<div class="buttons"><button type="submit" class="btn btn-primary" id="wecom-pick-button">${m.pick}</button></div>
</form>`,
  );
}

export function renderError(lang: Lang, basePath: string, id: string, message: string, hint?: string, helpHref?: string): string {
  const m = text(lang);
  return frame(
    lang,
    basePath,
    m.errorTitle,
    html`<div class="card result" id="${id}"><div class="result-icon" aria-hidden="true">!</div><h1>${message}</h1>${hint ? html`<p class="persona-meta">${hint}</p>` : ''}${
      helpHref ? html`<p><a href="${helpHref}" id="emu-inside-wecom-help">${m.insideTitle}</a></p>` : ''
    }</div>`,
  );
}

function memberLine(m: WeComText, member: WeComMemberConfig): SafeHtml {
  return html`<strong>${member.name}</strong> <code>${member.userid}</code>${member.department?.length ? html` · ${m.department} ${member.department.join(', ')}` : ''}`;
}

/** The emulator's help page for trying "inside WeCom" from a desktop browser: which User-Agent it pretends, and how. */
export function renderInsideWeCom(
  lang: Lang,
  basePath: string,
  v: { userAgent: string; insideWeCom: boolean; uaCookie: boolean; wecomUa: string; member: string | undefined; pickerHref: string },
): string {
  const m = text(lang);
  const self = `${basePath}/__emulator/inside-wecom?lang=${lang}`;
  return frame(
    lang,
    basePath,
    m.insideTitle,
    html`<h1>${m.insideTitle}</h1>
<p>${m.insideIntro}</p>
<div class="card"><p class="persona-meta">${m.wecomUa}</p><p><code id="emu-wecom-ua">${v.wecomUa}</code></p>
<p class="persona-meta">${m.yourUa}</p><p><code id="emu-ua">${v.userAgent}</code></p>
<p id="emu-verdict"><strong>${v.insideWeCom ? m.countsAsWeCom : m.notWeCom}</strong></p>
<p>${v.uaCookie ? m.uaCookieOn : m.uaCookieOff}</p>
<p><a class="btn ${v.uaCookie ? 'btn-default' : 'btn-primary'}" id="emu-ua-toggle" href="${self}&ua=${v.uaCookie ? 'off' : 'wxwork'}">${v.uaCookie ? m.turnUaCookieOff : m.turnUaCookieOn}</a></p>
<p class="persona-meta">${m.uaCookieLimit}</p></div>
<div class="card"><p class="persona-meta">${m.phoneMember}</p><p id="emu-phone-member">${v.member ?? m.noMember}</p>
<p><a href="${v.pickerHref}">${m.changeMember}</a></p></div>`,
  );
}
