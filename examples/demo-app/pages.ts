// The demo app's two pages, as plain HTML strings. Everything that came from outside is escaped.
import type { DemoSession } from './sessions.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const STYLE = `
body { margin: 0; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", "PingFang SC", "Noto Sans CJK SC", sans-serif; color: #1f2329; background: #f5f6f7; }
main { max-width: 560px; margin: 32px auto; background: #fff; border-radius: 8px; padding: 24px; box-shadow: 0 1px 3px rgba(0,0,0,.08); }
@media (max-width: 600px) { main { margin: 0; border-radius: 0; box-shadow: none; } }
h1 { font-size: 22px; margin: 0 0 4px; } .app { color: #646a73; margin: 0 0 16px; }
.status { font-size: 18px; } .error { background: #fdecea; color: #d83931; padding: 10px 12px; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #dee0e3; vertical-align: top; overflow-wrap: anywhere; }
th { width: 35%; color: #646a73; font-weight: normal; }
@media (max-width: 600px) { tr { display: block; padding: 6px 0; border-bottom: 1px solid #dee0e3; } th, td { display: block; width: auto; padding: 0; border: 0; } }
a.button { display: inline-block; padding: 10px 16px; border-radius: 6px; background: #07c160; color: #fff; text-decoration: none; }
a.button.secondary { background: #fff; color: #1f2329; border: 1px solid #dee0e3; }`;

function layout(appName: string, title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · ${escapeHtml(appName)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p class="app">${escapeHtml(appName)} — a CAS-protected demo application</p>
${body}</main></body></html>`;
}

export function signedInPage(appName: string, session: DemoSession, signOutHref: string): string {
  const { user, attributes } = session.principal;
  const rows = Object.entries(attributes)
    .map(([name, values]) => `<tr><th>${escapeHtml(name)}</th><td>${values.map(escapeHtml).join('<br>')}</td></tr>`)
    .join('');
  return layout(
    appName,
    'Signed in',
    `<p class="status" id="status">Signed in as <strong id="user">${escapeHtml(user)}</strong></p>
<p>Attributes released by the CAS server:</p>
${rows ? `<table id="attributes">${rows}</table>` : '<p><em>none</em></p>'}
<p><a class="button secondary" id="sign-out" href="${escapeHtml(signOutHref)}">Sign out (everywhere)</a></p>`,
  );
}

export function signedOutPage(appName: string, signInHref: string, error?: string): string {
  return layout(
    appName,
    'Signed out',
    `${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<p class="status" id="status">You are signed out of this application.</p>
<p><a class="button" id="sign-in" href="${escapeHtml(signInHref)}">Sign in with CAS</a></p>`,
  );
}
