import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Cookies } from '../cookies.js';
import { param, query } from '../params.js';
import { noStore } from '../respond.js';
import { type Locale, negotiateLocale, parseLocale, type Translate, translator } from './i18n.js';
import type { MessageKey } from './messages.js';

/** Every page reads the language switch (`?lang=en`) from its query, whatever else the route's query holds. */
const LANG_QUERY = query({ lang: param });

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VIEWS_DIR = path.join(HERE, 'views');
export const STATIC_DIR = path.join(HERE, 'static');

/** Times on every page are Beijing time, and say so: the zone most people signing in here live in. */
const DISPLAY_TIME_ZONE = 'Asia/Shanghai';

export interface PageSettings {
  /** URL path where /static assets are served, e.g. `/cas/static`. */
  staticBase: string;
  secureCookies: boolean;
  cookies: Cookies;
  /** Lines of the banner every page shows in development (what is emulated), none in production. */
  banner: MessageKey[];
}

export interface RenderedPageData {
  title: string;
  /** Files under /static, in order: classic scripts at the end of the body, stylesheets after ours. */
  scripts?: string[] | undefined;
  stylesheets?: string[] | undefined;
  /**
   * Where this page's form may post besides ourselves: only the page that posts a ticket to its service. Sign-in
   * forms post to wecas and go on through a continuation (http/sign-in-response.ts), so they allow 'self' alone.
   */
  formActionOrigin?: string | undefined;
  /** Origins this page embeds in an iframe (WeChat's QR) or loads images from (front-channel logout). */
  frameOrigins?: string[];
  imgOrigins?: string[];
  [key: string]: unknown;
}

/**
 * A strict CSP per page: scripts and styles only from our own files, forms posted only to wecas. Chromium applies
 * `form-action` to every redirect that follows a form's POST, so no sign-in form's POST redirects off wecas itself.
 */
function contentSecurityPolicy(data: RenderedPageData, secure: boolean): string {
  const list = (extra: Array<string | undefined> = []) => ["'self'", ...new Set(extra.filter(Boolean))].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src ${list(data.imgOrigins)} data:`,
    `frame-src ${data.frameOrigins?.length ? list(data.frameOrigins) : "'none'"}`,
    `form-action ${list([data.formActionOrigin])}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    ...(secure ? ['upgrade-insecure-requests'] : []),
  ].join('; ');
}

/** A time as pages show it, with its zone named (`Nov 30, 2026, 2:15 PM GMT+8`). */
export function formatTime(ms: number, locale: Locale, withSeconds = false): string {
  return `${new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: withSeconds ? 'medium' : 'short', timeZone: DISPLAY_TIME_ZONE }).format(ms)} ${zoneName(ms, locale)}`;
}

function zoneName(ms: number, locale: Locale): string {
  const parts = new Intl.DateTimeFormat(locale, { timeZone: DISPLAY_TIME_ZONE, timeZoneName: 'short' }).formatToParts(ms);
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? 'UTC+8';
}

export type Pages = ReturnType<typeof createPages>;

/** Server-rendered pages: one Eta instance, the person's language, the development banner. */
export function createPages(settings: PageSettings) {
  const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true });

  function explicitLocale(request: FastifyRequest): string | undefined {
    const parsed = LANG_QUERY.safeParse(request.query);
    return parsed.success ? parsed.data.lang : undefined;
  }

  function localeOf(request: FastifyRequest): Locale {
    return negotiateLocale({
      query: explicitLocale(request),
      cookie: settings.cookies.localeChoice(request),
      acceptLanguage: request.headers['accept-language'],
    });
  }

  /** The same URL with the other language chosen. */
  function langSwitchUrl(request: FastifyRequest, other: Locale): string {
    // One leading slash: `//host/…` would parse as another host (or throw on a host that is no host), and a link
    // starting with `//` would leave wecas.
    const url = new URL(`http://x/${request.url.replace(/^\/+/, '')}`);
    url.searchParams.set('lang', other);
    return url.pathname + url.search;
  }

  return {
    localeOf,
    translate(request: FastifyRequest): Translate {
      return translator(localeOf(request));
    },
    /** A time with seconds, in the person's language, its zone named. */
    time(request: FastifyRequest, ms: number): string {
      return formatTime(ms, localeOf(request), true);
    },
    send(request: FastifyRequest, reply: FastifyReply, view: string, data: RenderedPageData, status = 200): FastifyReply {
      const locale = localeOf(request);
      const other: Locale = locale === 'en' ? 'zh-CN' : 'en';
      // Remember an explicit switch for the pages that follow.
      // (Only where cookies are: the protocol endpoints' error pages have none.)
      if (parseLocale(explicitLocale(request)) && 'setCookie' in reply) settings.cookies.setLocale(reply, locale);
      const html = eta.render(view, {
        ...data,
        locale,
        otherLocale: other,
        t: translator(locale),
        time: (ms: number, withSeconds?: boolean) => formatTime(ms, locale, withSeconds),
        banner: settings.banner,
        staticBase: settings.staticBase,
        langSwitchUrl: langSwitchUrl(request, other),
      });
      return noStore(reply)
        .code(status)
        .header('content-security-policy', contentSecurityPolicy(data, settings.secureCookies))
        .header('content-type', 'text/html; charset=utf-8')
        .send(html);
    },
  };
}
