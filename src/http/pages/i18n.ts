import { type MessageKey, messages } from './messages.js';

export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';
export const LOCALE_COOKIE = 'wecas_lang';

/** Accepts `en`, `en-US`, `zh`, `zh-CN`, `zh-Hans`…; anything else is not a locale of ours. */
export function parseLocale(value: string | undefined): Locale | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v.startsWith('zh')) return 'zh-CN';
  if (v.startsWith('en')) return 'en';
  return undefined;
}

/** Order: explicit `lang` switch, the remembered cookie, then the browser's Accept-Language (by q-value). */
export function negotiateLocale(input: { query?: string; cookie?: string; acceptLanguage?: string }): Locale {
  return parseLocale(input.query) ?? parseLocale(input.cookie) ?? fromAcceptLanguage(input.acceptLanguage) ?? DEFAULT_LOCALE;
}

function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  const ranked = header
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag ?? '', q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { tag, q } of ranked) {
    const locale = q > 0 ? parseLocale(tag) : undefined;
    if (locale) return locale;
  }
  return undefined;
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  return (key, vars) => {
    const text: string = messages[key][locale];
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (Object.hasOwn(vars, name) ? String(vars[name]) : m)) : text;
  };
}
