import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LOCALE_COOKIE, type Locale, negotiateLocale, parseLocale, type Translate, translator } from './i18n.js';

const VIEWS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'views');
export const STATIC_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'static');

export interface PageSettings {
  devMode: boolean;
  /** URL path where /static assets are served, e.g. `/cas/static`. */
  staticBase: string;
  secureCookies: boolean;
  cookiePath: string;
}

export interface RenderedPageData {
  title: string;
  scripts?: string[];
  /** Where this page's form may post or redirect to besides ourselves (the service a ticket goes to). */
  formActionOrigin?: string | undefined;
  /** Origins this page embeds in an iframe (WeChat's QR) or loads images from (front-channel logout). */
  frameOrigins?: string[];
  imgOrigins?: string[];
  [key: string]: unknown;
}

/**
 * A strict CSP per page: scripts and styles only from our own files. `form-action` must name the service's
 * origin on pages whose form ends in a redirect to it, or Chromium blocks the redirect after the POST.
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

export type Pages = ReturnType<typeof createPages>;

/** Server-rendered pages: one Eta instance, the person's language, the dev-mode banner. */
export function createPages(settings: PageSettings) {
  const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true });

  function localeOf(request: FastifyRequest): Locale {
    const query = request.query as Record<string, string | undefined> | undefined;
    return negotiateLocale({
      query: typeof query?.lang === 'string' ? query.lang : undefined,
      cookie: request.cookies?.[LOCALE_COOKIE],
      acceptLanguage: request.headers['accept-language'],
    });
  }

  /** The same URL with the other language chosen. */
  function langSwitchUrl(request: FastifyRequest, other: Locale): string {
    const url = new URL(request.url, 'http://x');
    url.searchParams.set('lang', other);
    return url.pathname + url.search;
  }

  return {
    localeOf,
    translate(request: FastifyRequest): Translate {
      return translator(localeOf(request));
    },
    send(request: FastifyRequest, reply: FastifyReply, view: string, data: RenderedPageData, status = 200): FastifyReply {
      const locale = localeOf(request);
      const other: Locale = locale === 'en' ? 'zh-CN' : 'en';
      const query = request.query as Record<string, unknown> | undefined;
      if (typeof query?.lang === 'string' && parseLocale(query.lang)) {
        // Remember an explicit switch for the pages that follow.
        reply.setCookie(LOCALE_COOKIE, locale, {
          path: '/',
          sameSite: 'lax',
          secure: settings.secureCookies,
          maxAge: 365 * 24 * 3600,
        });
      }
      const html = eta.render(view, {
        ...data,
        locale,
        otherLocale: other,
        t: translator(locale),
        devMode: settings.devMode,
        staticBase: settings.staticBase,
        langSwitchUrl: langSwitchUrl(request, other),
      });
      return reply
        .code(status)
        .header('content-security-policy', contentSecurityPolicy(data, settings.secureCookies))
        .header('content-type', 'text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .header('expires', '0')
        .send(html);
    },
  };
}
