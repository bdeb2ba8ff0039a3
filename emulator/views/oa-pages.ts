// The pages of Official Account web authorization inside WeChat (connect/oauth2/authorize): what WeChat shows
// outside its app, its error pages, the consent for snsapi_userinfo, and the emulator's own pages that choose
// the "phone's" WeChat account and explain how to try "inside WeChat" from a desktop browser. No scripts.
import { type Lang, langParam, messages } from '../i18n.js';
import type { Persona } from '../personas.js';
import { html, page, type SafeHtml } from './html.js';

export interface OaPageContext {
  lang: Lang;
  basePath: string;
}

export type OaAuthorizeError =
  | 'appid_missing'
  | 'appid'
  | 'not_oa_appid'
  | 'redirect_uri_missing'
  | 'redirect_uri'
  | 'scope_missing'
  | 'scope'
  | 'state_too_long';

function phonePage(ctx: OaPageContext, title: string, content: SafeHtml, bodyClass = 'emu-phone'): string {
  return page({ lang: ctx.lang, title, basePath: ctx.basePath, body: html`<main class="phone">${content}</main>`, bodyClass });
}

function avatar(ctx: OaPageContext, persona: Persona): SafeHtml {
  return persona.avatarKey === null
    ? html`<span class="avatar avatar-empty" aria-hidden="true"></span>`
    : html`<img class="avatar" src="${ctx.basePath}/mmopen/vi_32/${persona.avatarKey}/96" alt="">`;
}

/** WeChat's page for an authorization link opened in any other browser. */
export function renderNotInWeChat(ctx: OaPageContext, helpHref: string): string {
  const m = messages(ctx.lang);
  return phonePage(
    ctx,
    m.oaErrorTitle,
    html`<div class="card result emu-not-wechat"><div class="result-icon" aria-hidden="true">!</div><h1>${m.openInWeChat}</h1>
<p class="persona-meta">${m.openInWeChatHint}</p>
<p><a id="emu-inside-wechat-help" href="${helpHref}">${m.howToPretend}</a></p></div>`,
  );
}

/** The error page WeChat shows instead of authorizing (HTTP 200, no redirect). */
export function renderOaError(ctx: OaPageContext, error: OaAuthorizeError): string {
  const m = messages(ctx.lang);
  const text: Record<OaAuthorizeError, string> = {
    appid_missing: m.oaErrorAppidMissing,
    appid: m.errorAppid,
    not_oa_appid: m.oaErrorNotOaAppid,
    redirect_uri_missing: m.oaErrorRedirectUriMissing,
    redirect_uri: m.errorRedirectUri,
    scope_missing: m.oaErrorScopeMissing,
    scope: m.errorScope,
    state_too_long: m.oaErrorStateTooLong,
  };
  return page({
    lang: ctx.lang,
    title: m.oaErrorTitle,
    basePath: ctx.basePath,
    bodyClass: 'emu-error',
    body: html`<main class="emu-error-box"><div class="emu-error-icon" aria-hidden="true">!</div><h2 class="weui-msg__title">${text[error]}</h2></main>`,
  });
}

/** The emulator's question, the first time: which persona is this browser's ("phone's") WeChat user. */
export function renderWeChatUserPicker(ctx: OaPageContext, personas: Persona[], next: string): string {
  const m = messages(ctx.lang);
  const action = `${ctx.basePath}/__emulator/wechat-user`;
  const hidden = html`<input type="hidden" name="next" value="${next}"><input type="hidden" name="lang" value="${langParam(ctx.lang)}">`;
  return phonePage(
    ctx,
    m.phoneTitle,
    html`<h1>${m.whoIsOnPhone}</h1>
<p class="persona-meta">${m.whoIsOnPhoneHint}</p>
<ul class="persona-list">
${personas.map(
  (p) => html`<li><form method="post" action="${action}">${hidden}
<button class="persona" type="submit" name="persona" value="${p.id}" aria-label="${m.useAccount}: ${p.nickname}">${avatar(ctx, p)}<span class="persona-name">${p.nickname}</span></button>
</form></li>`,
)}
</ul>
<h2>${m.newPersona}</h2>
<form class="card" method="post" action="${action}">${hidden}
<label class="field">${m.nickname}<input type="text" name="nickname" required maxlength="32"></label>
<button class="btn btn-primary" type="submit">${m.createAndUse}</button>
</form>`,
  );
}

export interface ConsentView {
  appName: string;
  appIcon: string;
  persona: Persona;
  /** The authorization's parameters, posted back with the decision. */
  fields: Record<string, string>;
  changeAccountHref: string;
}

/** snsapi_userinfo: the app asks for the profile; 允许 / 拒绝. */
export function renderConsent(ctx: OaPageContext, v: ConsentView): string {
  const m = messages(ctx.lang);
  const hidden = Object.entries(v.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`);
  return phonePage(
    ctx,
    m.consentTitle,
    html`<h1>${m.consentTitle}</h1>
<div class="card app-card">
<img class="app-icon" src="${v.appIcon}" alt="">
<p class="app-name"><strong>${v.appName}</strong></p>
<p>${m.oaAsks(v.appName)}</p>
<p class="persona-meta">· ${m.oaGets}</p>
</div>
<div class="card persona">${avatar(ctx, v.persona)}<span><span class="persona-meta">${m.signedInAs}</span><br><span class="persona-name">${v.persona.nickname}</span></span></div>
<p><a href="${v.changeAccountHref}">${m.changeAccount}</a></p>
<div class="buttons">
<form method="post" action="${ctx.basePath}/connect/oauth2/authorize/allow">${hidden}<button class="btn btn-primary" type="submit">${m.allow}</button></form>
<form method="post" action="${ctx.basePath}/connect/oauth2/authorize/deny">${hidden}<button class="btn btn-default" type="submit">${m.deny}</button></form>
</div>`,
  );
}

export interface InsideWeChatView {
  userAgent: string;
  insideWeChat: boolean;
  uaCookie: boolean;
  persona: Persona | undefined;
  /** Null when test control is off: the page then does not offer the switch. */
  snapshot: boolean | null;
  wechatUa: string;
  /** Where the person came from (an authorization link), if anywhere. */
  next: string | undefined;
  /** Desktop quick login: who is signed in to "this PC's" desktop WeChat, and who could be. Null when test control is off. */
  desktopClient: { persona: Persona | null; personas: Persona[] } | null;
}

/** The emulator's development page: which user agent counts as WeChat, and how to pretend it. */
export function renderInsideWeChat(ctx: OaPageContext, v: InsideWeChatView): string {
  const m = messages(ctx.lang);
  const self = `${ctx.basePath}/__emulator/inside-wechat`;
  const keep = (extra: string): string =>
    `${self}?lang=${langParam(ctx.lang)}${v.next ? `&next=${encodeURIComponent(v.next)}` : ''}${extra ? `&${extra}` : ''}`;
  const other: Lang = ctx.lang === 'en' ? 'zh' : 'en';
  const switchHref = `${self}?lang=${langParam(other)}${v.next ? `&next=${encodeURIComponent(v.next)}` : ''}`;
  const pickerHref = `${ctx.basePath}/__emulator/wechat-user?lang=${langParam(ctx.lang)}&next=${encodeURIComponent(keep(''))}`;
  return phonePage(
    ctx,
    m.insideTitle,
    html`<h1>${m.insideTitle}</h1>
<p>${m.insideIntro}</p>
<div class="card"><p class="persona-meta">${m.yourUa}</p><p><code id="emu-ua">${v.userAgent}</code></p>
<p id="emu-verdict"><strong>${v.insideWeChat ? m.countsAsWeChat : m.notWeChat}</strong></p>
<p>${v.uaCookie ? m.uaCookieOn : m.uaCookieOff}</p>
<p><a class="btn ${v.uaCookie ? 'btn-default' : 'btn-primary'}" id="emu-ua-toggle" href="${keep(v.uaCookie ? 'ua=off' : 'ua=wechat')}">${
      v.uaCookie ? m.turnUaCookieOff : m.turnUaCookieOn
    }</a></p>
<p class="persona-meta">${m.uaCookieLimit}</p>
<p class="persona-meta">${m.wechatUa}</p><p><code id="emu-wechat-ua">${v.wechatUa}</code></p></div>
<div class="card"><p class="persona-meta">${m.phoneUser}</p>
${v.persona ? html`<div class="persona">${avatar(ctx, v.persona)}<span class="persona-name" id="emu-phone-user">${v.persona.nickname}</span></div>` : html`<p id="emu-phone-user">${m.noPhoneUser}</p>`}
<p><a href="${pickerHref}">${m.changeAccount}</a></p>
${
  v.persona && v.snapshot !== null
    ? html`<p class="persona-meta">${m.snapshotMode}</p><p id="emu-snapshot">${v.snapshot ? m.snapshotOn : m.snapshotOff}</p>
<form method="post" action="${self}/snapshot"><input type="hidden" name="on" value="${v.snapshot ? '0' : '1'}"><input type="hidden" name="back" value="${keep('')}">
<button class="btn btn-default" type="submit">${v.snapshot ? m.turnSnapshotOff : m.turnSnapshotOn}</button></form>`
    : ''
}
</div>
${v.desktopClient ? desktopClientCard(ctx, v.desktopClient, keep('')) : ''}
${v.next ? html`<p><a class="btn btn-primary" id="emu-back-to-link" href="${v.next}">${m.backToLink}</a></p>` : ''}
<p class="lang-switch"><a href="${switchHref}" hreflang="${messages(other).htmlLang}" lang="${messages(other).htmlLang}">${m.otherLanguage}</a></p>`,
  );
}

/** The switch that stands in for "a desktop WeChat is running on this PC, signed in as …" (quick login, 快速登录). */
function desktopClientCard(ctx: OaPageContext, desktop: { persona: Persona | null; personas: Persona[] }, back: string): SafeHtml {
  const m = messages(ctx.lang);
  const action = `${ctx.basePath}/__emulator/inside-wechat/desktop-client`;
  return html`<div class="card" id="emu-desktop-client"><p class="persona-meta">${m.desktopClientTitle}</p>
<p>${m.desktopClientIntro}</p>
${
  desktop.persona
    ? html`<div class="persona">${avatar(ctx, desktop.persona)}<span class="persona-name" id="emu-desktop-user">${desktop.persona.nickname}</span></div>
<form method="post" action="${action}"><input type="hidden" name="persona" value=""><input type="hidden" name="back" value="${back}">
<button class="btn btn-default" type="submit" id="emu-desktop-off">${m.desktopClientOff}</button></form>`
    : html`<p id="emu-desktop-user">${m.desktopClientNone}</p>`
}
<form method="post" action="${action}"><input type="hidden" name="back" value="${back}">
<label class="field">${m.desktopClientAs}<select name="persona" id="emu-desktop-persona">${desktop.personas.map(
    (p) => html`<option value="${p.id}"${desktop.persona?.id === p.id ? html` selected` : ''}>${p.nickname}</option>`,
  )}</select></label>
<button class="btn btn-primary" type="submit" id="emu-desktop-on">${m.desktopClientOn}</button></form></div>`;
}
