// A tiny HTML template helper (escapes every interpolation) and the frame every emulator page shares.
import { type Lang, messages } from '../i18n.js';

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

/** Tagged template: `html\`<p>${text}</p>\`` escapes `text`; nested `html` fragments pass through. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  return new SafeHtml(strings.reduce((out, s, i) => out + s + (i < values.length ? render(values[i]) : ''), ''));
}

export interface PageFrame {
  lang: Lang;
  title: string;
  /** Path prefix where the emulator is mounted ("" at the root, "/__wechat" inside wecas). */
  basePath: string;
  body: SafeHtml;
  bodyClass?: string;
  /** Extra style sheet, e.g. the `href` a wxLogin embedder passes. */
  extraStylesheet?: string;
  script?: string;
  /** The one-line banner, for pages drawn in a small frame (the wxLogin iframe). */
  compactBanner?: boolean;
}

/**
 * Every page says it is an emulator. No inline script or style anywhere: pages must work under
 * `default-src 'self'` (wecas's Content-Security-Policy).
 */
export function page(frame: PageFrame): string {
  const m = messages(frame.lang);
  return `<!doctype html>${html`<html lang="${m.htmlLang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${frame.title} · Emulator</title>
<link rel="stylesheet" href="${frame.basePath}/__emulator/assets/emulator.css">
${frame.extraStylesheet ? html`<link rel="stylesheet" href="${frame.extraStylesheet}">` : ''}
${frame.script ? html`<script src="${frame.basePath}/__emulator/assets/${frame.script}" defer></script>` : ''}
</head>
<body class="${frame.bodyClass ?? ''}">
<div class="emu-banner" role="note">${frame.compactBanner ? m.bannerShort : m.banner}</div>
${frame.body}
</body>
</html>
`}`;
}
