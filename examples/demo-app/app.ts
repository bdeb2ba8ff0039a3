// A small CAS-protected web application in plain Node, to try wecas with: run two of them to see single sign-on
// (the second signs in without a form) and single logout (signing out of one ends the session in the other).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loginUrl, logoutUrl, sessionIndexOf, validateServiceTicket } from './cas-client.js';
import { chosenLocale, LOCALE_COOKIE, localeOf, otherLocale, parseLocale } from './i18n.js';
import { type PageContext, signedInPage, signedOutPage } from './pages.js';
import { SessionStore } from './sessions.js';

export interface DemoAppOptions {
  /** 0 picks a free port. */
  port: number;
  /** The CAS server's base URL, e.g. `http://localhost:8080/cas`. */
  casUrl: string;
  name: string;
  host?: string;
  /** How browsers reach this app, when that is not `http://<host>:<port>` (behind a proxy). */
  publicUrl?: string;
  log?: (line: string) => void;
}

export interface DemoApp {
  /** e.g. `http://127.0.0.1:9000`, without a trailing slash. */
  url: string;
  sessions: SessionStore;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 64 * 1024;
/** Added to the service URL of the silent sign-on check, so the app knows the check was made. */
const CHECKED_PARAM = 'sso';

export async function startDemoApp(options: DemoAppOptions): Promise<DemoApp> {
  const casUrl = options.casUrl.replace(/\/+$/, '');
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const sessions = new SessionStore();
  let base = options.publicUrl?.replace(/\/+$/, '') ?? '';
  let cookieName = '';

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`error: ${err instanceof Error ? err.stack : err}`);
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error');
      else res.destroy();
    });
  });

  const secureFlag = (): string => (base.startsWith('https://') ? '; Secure' : '');

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', base);
    const sessionId = readCookie(req, cookieName);
    const session = sessions.get(sessionId);
    const languageCookie = readCookie(req, LOCALE_COOKIE);

    // Back-channel single logout: CAS POSTs a SAML LogoutRequest to the service URL it gave the ticket to.
    if (req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      const xml = form.get('logoutRequest');
      const ticket = xml ? sessionIndexOf(xml) : undefined;
      if (!ticket) return send(res, 400, 'text/plain; charset=utf-8', 'Expected a CAS logoutRequest');
      const ended = sessions.destroyByTicket(ticket);
      log(`single logout for ${ticket.slice(0, 12)}…: ${ended ? 'session ended' : 'no such session'}`);
      return send(res, 200, 'text/plain; charset=utf-8', 'OK');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'Method not allowed');

    const home = `${base}/`;
    switch (url.pathname) {
      case '/login': {
        // A language chosen here is handed on to the sign-in page.
        const chosen = chosenLocale(languageCookie);
        return redirect(res, loginUrl(casUrl, home, chosen ? { lang: chosen } : {}));
      }
      case '/logout': {
        // Our own session ends here; CAS ends the SSO session and tells the other applications. The cookie stays:
        // it now names an ended session, which is how the page tells "signed out" from "not signed in yet".
        if (sessions.destroy(session?.id)) log(`signed out ${session!.principal.user}`);
        return redirect(res, logoutUrl(casUrl, home));
      }
      case '/':
        break;
      default:
        return send(res, 404, 'text/plain; charset=utf-8', 'Not found');
    }

    if (url.searchParams.has('lang')) {
      // The language switch: remember the choice, then show the same page without `lang` (service URLs stay clean).
      const locale = parseLocale(url.searchParams.get('lang'));
      if (locale) res.setHeader('set-cookie', `${LOCALE_COOKIE}=${locale}; Path=/; SameSite=Lax; Max-Age=${365 * 24 * 3600}${secureFlag()}`);
      url.searchParams.delete('lang');
      return redirect(res, url.pathname + url.search);
    }
    const locale = localeOf(req, languageCookie);
    const page: PageContext = { appName: options.name, locale, switchLanguageHref: switchLanguageHref(url, otherLocale(locale)) };

    const ticket = url.searchParams.get('ticket');
    if (ticket && session) return redirect(res, home);
    if (ticket) {
      // The service URL must be the one the ticket was issued for: this very URL without `ticket`.
      url.searchParams.delete('ticket');
      const result = await validateServiceTicket(casUrl, url.href, ticket);
      if (!result.ok) {
        log(`ticket refused: ${result.code} ${result.message}`);
        return send(res, 401, 'text/html; charset=utf-8', signedOutPage(page, '/login', sessions.endOf(sessionId), result));
      }
      const created = sessions.create(result.principal, ticket);
      log(`signed in ${result.principal.user}`);
      res.setHeader('set-cookie', `${cookieName}=${created.id}; Path=/; HttpOnly; SameSite=Lax${secureFlag()}`);
      return redirect(res, home); // drop the ticket from the address bar (and from reloads)
    }
    if (session) return send(res, 200, 'text/html; charset=utf-8', signedInPage(page, session, '/logout'));
    if (!url.searchParams.has(CHECKED_PARAM)) {
      // Ask CAS once, without a form, whether the browser already has an SSO session (gateway): that is how the
      // second application signs in by itself. CAS comes back with a ticket, or without one when there is none.
      return redirect(res, loginUrl(casUrl, `${home}?${CHECKED_PARAM}=checked`, { gateway: true }));
    }
    return send(res, 200, 'text/html; charset=utf-8', signedOutPage(page, '/login', sessions.endOf(sessionId)));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  base ||= `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // Cookies ignore ports: two instances on one host need different cookie names.
  cookieName = `demo_session_${new URL(base).port || port}`;
  log(`${options.name} listening on ${base}/ (CAS ${casUrl})`);

  return {
    url: base,
    sessions,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** This page in the other language; without `ticket`, which would be used up by then. */
function switchLanguageHref(url: URL, locale: string): string {
  const target = new URL(url);
  target.searchParams.delete('ticket');
  target.searchParams.set('lang', locale);
  return target.pathname + target.search;
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
}

function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
}

function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) req.destroy(new Error('request body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
