// The simulated phone: what the WeChat app shows after a scan. No scripts; plain forms.
import { type Lang, langParam, messages } from '../i18n.js';
import { findRegion, type Persona, REGIONS } from '../personas.js';
import { html, page, type SafeHtml } from './html.js';

export interface PhoneContext {
  lang: Lang;
  basePath: string;
  uuid: string;
  /**
   * Opened in the tab the QR was in (its frame could not open a new one): after Allow the phone
   * sends this tab on to the website, as the QR page would have.
   */
  sameTab: boolean;
}

/** The query every phone page carries from step to step: the QR, the language, the same-tab mode. */
export function phoneQuery(ctx: PhoneContext, lang: Lang = ctx.lang): string {
  return `uuid=${encodeURIComponent(ctx.uuid)}&lang=${langParam(lang)}${ctx.sameTab ? '&same_tab=1' : ''}`;
}

function phonePage(ctx: PhoneContext, title: string, content: SafeHtml, langSwitchPath: string): string {
  const m = messages(ctx.lang);
  const other: Lang = ctx.lang === 'en' ? 'zh' : 'en';
  const body = html`<main class="phone">
<h1>${title}</h1>
${content}
<p class="lang-switch"><a href="${ctx.basePath}${langSwitchPath}?${phoneQuery(ctx, other)}" hreflang="${messages(other).htmlLang}" lang="${messages(other).htmlLang}">${m.otherLanguage}</a></p>
</main>`;
  return page({ lang: ctx.lang, title, basePath: ctx.basePath, body, bodyClass: 'emu-phone' });
}

function avatar(ctx: PhoneContext, persona: Persona): SafeHtml {
  return persona.avatarKey === null
    ? html`<span class="avatar avatar-empty" aria-hidden="true"></span>`
    : html`<img class="avatar" src="${ctx.basePath}/mmopen/vi_32/${persona.avatarKey}/96" alt="">`;
}

function personaMeta(lang: Lang, persona: Persona): string {
  const m = messages(lang);
  const region = findRegion(persona.regionId);
  const where = region ? (lang === 'en' ? `${region.city.en}, ${region.province.en}` : `${region.province.zh_CN} ${region.city.zh_CN}`) : '';
  return [m.sexNames[persona.sex], where].filter(Boolean).join(' · ');
}

const hidden = (ctx: PhoneContext): SafeHtml =>
  html`<input type="hidden" name="uuid" value="${ctx.uuid}"><input type="hidden" name="lang" value="${langParam(ctx.lang)}">${
    ctx.sameTab ? html`<input type="hidden" name="same_tab" value="1">` : ''
  }`;

/** Step 1: choose the WeChat account that "scans", or create one. */
export function renderPersonaPicker(ctx: PhoneContext, personas: Persona[], appName: string): string {
  const m = messages(ctx.lang);
  const regionOptions = REGIONS.map(
    (r) => html`<option value="${r.id}">${ctx.lang === 'en' ? `${r.city.en}, ${r.province.en}` : `${r.province.zh_CN} ${r.city.zh_CN}`}</option>`,
  );
  const content = html`<p class="card">${m.appAsks(appName)}</p>
<h2>${m.whoScans}</h2>
<ul class="persona-list">
${personas.map(
  (p) => html`<li><form method="post" action="${ctx.basePath}/connect/confirm/scan">${hidden(ctx)}
<button class="persona" type="submit" name="persona" value="${p.id}" aria-label="${m.scanAs}: ${p.nickname}">${avatar(ctx, p)}<span><span class="persona-name">${p.nickname}</span><br><span class="persona-meta">${personaMeta(ctx.lang, p)}</span></span></button>
</form></li>`,
)}
</ul>
<h2>${m.newPersona}</h2>
<form class="card" method="post" action="${ctx.basePath}/connect/confirm/scan">${hidden(ctx)}
<label class="field">${m.nickname}<input type="text" name="nickname" required maxlength="32"></label>
<label class="field">${m.sex}<select name="sex"><option value="0">${m.sexNames[0]}</option><option value="1">${m.sexNames[1]}</option><option value="2">${m.sexNames[2]}</option></select></label>
<label class="field">${m.region}<select name="region"><option value="">${m.noRegion}</option>${regionOptions}</select></label>
<label class="field"><input type="checkbox" name="avatar" value="1" checked> ${m.withAvatar}</label>
<button class="btn btn-primary" type="submit">${m.create}</button>
</form>`;
  return phonePage(ctx, m.phoneTitle, content, '/connect/confirm');
}

/** Step 2: the app asks; Allow or Deny. */
export function renderAuthorize(ctx: PhoneContext, persona: Persona, appName: string, appIcon: string): string {
  const m = messages(ctx.lang);
  const content = html`<div class="card app-card">
<img class="app-icon" src="${appIcon}" alt="">
<p class="app-name"><strong>${appName}</strong></p>
<p>${m.appAsks(appName)}</p>
<p class="persona-meta">${m.appGets}</p>
</div>
<div class="card persona">${avatar(ctx, persona)}<span><span class="persona-meta">${m.scanningAs}</span><br><span class="persona-name">${persona.nickname}</span></span></div>
<p><a href="${ctx.basePath}/connect/confirm?${phoneQuery(ctx)}">${m.switchPersona}</a></p>
<div class="buttons">
<form method="post" action="${ctx.basePath}/connect/confirm/allow">${hidden(ctx)}<button class="btn btn-primary" type="submit">${m.allow}</button></form>
<form method="post" action="${ctx.basePath}/connect/confirm/deny">${hidden(ctx)}<button class="btn btn-default" type="submit">${m.deny}</button></form>
</div>`;
  return phonePage(ctx, m.authTitle, content, '/connect/confirm/authorize');
}

export function renderPhoneMessage(
  ctx: PhoneContext,
  title: string,
  text: string,
  icon: '✓' | '✕' | '!',
  next?: { href: string; label: string },
): string {
  const content = html`<div class="card result"><div class="result-icon" aria-hidden="true">${icon}</div><p>${text}</p>${
    next ? html`<p><a class="btn btn-primary" id="emu-back-to-site" href="${next.href}">${next.label}</a></p>` : ''
  }</div>`;
  return phonePage(ctx, title, content, '/connect/confirm');
}
