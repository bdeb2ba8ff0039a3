// The demo app's pages, as plain HTML strings, in the visitor's language. Everything that came from outside is escaped.
import { type Locale, otherLocale } from './i18n.js';
import { messagesFor } from './messages.js';
import type { DemoSession, SessionEnd } from './sessions.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** What every page needs to know besides its content. */
export interface PageContext {
  appName: string;
  locale: Locale;
  /** This page in the other language. */
  switchLanguageHref: string;
}

// English in Latin fonts first (CJK fonts draw ’ and “” full-width), Chinese in CJK fonts first; each falls back
// to the other for names in the other script.
const LATIN_FONTS = `-apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans"`;
const CJK_FONTS = `"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC"`;

const STYLE = `
html, [lang|="en"] { font-family: ${LATIN_FONTS}, ${CJK_FONTS}, sans-serif; }
html[lang|="zh"], [lang|="zh"] { font-family: ${CJK_FONTS}, ${LATIN_FONTS}, sans-serif; }
body { margin: 0; font-size: 16px; line-height: 1.6; color: #1f2329; background: #f5f6f7; }
.top { display: flex; justify-content: flex-end; max-width: 560px; margin: 16px auto 0; padding: 0 16px; }
.lang { color: #646a73; text-decoration: none; font-size: 14px; padding: 4px 8px; border: 1px solid #dee0e3; border-radius: 4px; background: #fff; }
main { max-width: 560px; margin: 12px auto 32px; background: #fff; border-radius: 8px; padding: 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
@media (max-width: 600px) { body { background: #fff; } .top { margin-top: 8px; } main { margin: 0; border-radius: 0; box-shadow: none; } }
h1 { font-size: 22px; margin: 0 0 4px; } .app { color: #646a73; margin: 0 0 16px; overflow-wrap: anywhere; }
.status { font-size: 18px; } .error { background: #fdecea; color: #d83931; padding: 10px 12px; border-radius: 6px; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #dee0e3; vertical-align: top; overflow-wrap: anywhere; }
th { width: 35%; color: #646a73; font-weight: normal; }
@media (max-width: 600px) { tr { display: block; padding: 6px 0; border-bottom: 1px solid #dee0e3; } th, td { display: block; width: auto; padding: 0; border: 0; } }
a.button { display: inline-block; padding: 10px 16px; border-radius: 6px; background: #07c160; color: #fff; text-decoration: none; }
a.button.secondary { background: #fff; color: #1f2329; border: 1px solid #dee0e3; }`;

function layout(ctx: PageContext, title: string, body: string): string {
  const m = messagesFor(ctx.locale);
  const other = otherLocale(ctx.locale);
  return `<!doctype html>
<html lang="${ctx.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(ctx.appName)}</title><style>${STYLE}</style></head>
<body><nav class="top"><a class="lang" id="lang-switch" href="${escapeHtml(ctx.switchLanguageHref)}" hreflang="${other}" lang="${other}">${m.switchLanguage}</a></nav>
<main><h1>${escapeHtml(title)}</h1><p class="app">${m.subtitle(escapeHtml(ctx.appName))}</p>
${body}</main></body></html>`;
}

export function signedInPage(ctx: PageContext, session: DemoSession, signOutHref: string): string {
  const m = messagesFor(ctx.locale);
  const { user, attributes } = session.principal;
  const rows = Object.entries(attributes)
    .map(([name, values]) => `<tr><th>${escapeHtml(name)}</th><td>${values.map(escapeHtml).join('<br>')}</td></tr>`)
    .join('');
  return layout(
    ctx,
    m.signedInTitle,
    `<p class="status" id="status" data-state="signed-in">${m.signedInAs(`<strong id="user">${escapeHtml(user)}</strong>`)}</p>
<p>${m.attributesIntro}</p>
${rows ? `<table id="attributes">${rows}</table>` : `<p><em>${m.noAttributes}</em></p>`}
<p><a class="button secondary" id="sign-out" href="${escapeHtml(signOutHref)}">${m.signOut}</a></p>`,
  );
}

/**
 * Nobody is signed in here: either this browser has not signed in yet, or its session ended (`ended` says how).
 * `#status[data-state]` is `not-signed-in` or `signed-out`, whatever the language.
 */
export function signedOutPage(
  ctx: PageContext,
  signInHref: string,
  ended: SessionEnd | undefined,
  error?: { code: string; message: string },
): string {
  const m = messagesFor(ctx.locale);
  const status = ended === 'single-logout' ? m.singleLogout : ended === 'signed-out' ? m.signedOut : m.notSignedIn;
  return layout(
    ctx,
    ended ? m.signedOutTitle : m.notSignedInTitle,
    `${error ? `<p class="error" role="alert" id="sign-in-error">${m.signInFailed(escapeHtml(error.code), escapeHtml(error.message))}</p>` : ''}
<p class="status" id="status" data-state="${ended ? 'signed-out' : 'not-signed-in'}">${status}</p>
<p><a class="button" id="sign-in" href="${escapeHtml(signInHref)}">${ended ? m.signInAgain : m.signIn}</a></p>`,
  );
}
