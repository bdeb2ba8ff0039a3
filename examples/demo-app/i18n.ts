// The demo app's two languages, chosen the way wecas chooses (a small copy of src's i18n): an explicit
// switch (remembered in a cookie), else the browser's Accept-Language, else English.
import type http from 'node:http';

export const LOCALES = ['en', 'zh-CN'] as const;
export type Locale = (typeof LOCALES)[number];
/** English: what the app always spoke, and what a client that names no language (curl, tests) gets. */
export const DEFAULT_LOCALE: Locale = 'en';
/** Shared by every demo app on the host (cookies ignore ports): one person, one language. */
export const LOCALE_COOKIE = 'demo_lang';

/** `en`, `en-GB`, `zh`, `zh-CN`, `zh-Hans`…; anything else is not a language of ours. */
export function parseLocale(value: string | null | undefined): Locale | undefined {
  const v = value?.trim().toLowerCase();
  if (v?.startsWith('zh')) return 'zh-CN';
  if (v?.startsWith('en')) return 'en';
  return undefined;
}

function fromAcceptLanguage(header: string | undefined): Locale | undefined {
  const ranked = (header ?? '')
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

/** The remembered choice, if the person made one (it is also handed on to the CAS server's login page). */
export function chosenLocale(cookie: string | undefined): Locale | undefined {
  return parseLocale(cookie);
}

export function localeOf(req: http.IncomingMessage, cookie: string | undefined): Locale {
  return chosenLocale(cookie) ?? fromAcceptLanguage(req.headers['accept-language']) ?? DEFAULT_LOCALE;
}

export function otherLocale(locale: Locale): Locale {
  return locale === 'en' ? 'zh-CN' : 'en';
}
