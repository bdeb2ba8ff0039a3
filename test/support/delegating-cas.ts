// A redirecting intermediary between wecas and an application, as a site's own CAS server is when it delegates
// sign-in to wecas (LemonLDAP::NG's CAS module, Apereo CAS with pac4j): it sends the browser to wecas, validates
// the ticket wecas gives it, then redirects the browser on to the application on a third origin, with a ticket of
// its own that the application checks with it. Two real HTTP servers on loopback ports, so three origins in all.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateServiceTicket } from '../../examples/demo-app/cas-client.js';

export interface DelegatingCas {
  /** The intermediary's origin: the service wecas knows (register it). */
  origin: string;
  /** The application's origin, behind the intermediary; its page shows the user in `#user`. */
  appUrl: string;
  /** Every request the intermediary got (method, path and query), in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * `/login?service=<app>` → wecas `/login?service=<origin>/callback?state=…`; `/callback?state=…&ticket=ST-…` →
 * validated at wecas (`/p3/serviceValidate`) → 302 to the application with its own ticket; `/validate?ticket=` for
 * the application (server to server). The application: without a ticket, to the intermediary's `/login`.
 */
export async function startDelegatingCas(options: { casUrl: string }): Promise<DelegatingCas> {
  const states = new Map<string, string>(); // state → where the application wants the browser back
  const tickets = new Map<string, string>(); // the intermediary's own tickets → user
  const requests: string[] = [];
  const token = () => randomBytes(12).toString('hex');
  let origin = '';
  let appUrl = '';

  const intermediary = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const url = new URL(req.url ?? '/', origin);
    const redirect = (location: string) => res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
    if (url.pathname === '/login') {
      const state = token();
      states.set(state, url.searchParams.get('service') ?? appUrl);
      return redirect(`${options.casUrl}/login?service=${encodeURIComponent(`${origin}/callback?state=${state}`)}`);
    }
    if (url.pathname === '/callback') {
      const state = url.searchParams.get('state') ?? '';
      const back = states.get(state);
      const ticket = url.searchParams.get('ticket') ?? '';
      if (!back) return res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown state');
      states.delete(state);
      // The service as the intermediary gave it to wecas: its own URL without the ticket.
      void validateServiceTicket(options.casUrl, `${origin}/callback?state=${state}`, ticket).then((result) => {
        if (!result.ok) return res.writeHead(403, { 'content-type': 'text/plain' }).end(`${result.code}: ${result.message}`);
        const own = `DT-${token()}`;
        tickets.set(own, result.principal.user);
        redirect(`${back}${back.includes('?') ? '&' : '?'}ticket=${own}`);
      });
      return;
    }
    if (url.pathname === '/validate') {
      const user = tickets.get(url.searchParams.get('ticket') ?? '');
      tickets.delete(url.searchParams.get('ticket') ?? '');
      return res.writeHead(user ? 200 : 404, { 'content-type': 'text/plain' }).end(user ?? '');
    }
    res.writeHead(404).end();
  });

  const app = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', appUrl);
    const ticket = url.searchParams.get('ticket');
    if (!ticket) return res.writeHead(302, { location: `${origin}/login?service=${encodeURIComponent(`${appUrl}/`)}` }).end();
    void fetch(`${origin}/validate?ticket=${encodeURIComponent(ticket)}`).then(async (answer) => {
      const user = await answer.text();
      const page = answer.ok ? `<!doctype html><title>App</title><p>Signed in as <strong id="user">${escapeHtml(user)}</strong></p>` : 'refused';
      res.writeHead(answer.ok ? 200 : 403, { 'content-type': 'text/html; charset=utf-8' }).end(page);
    });
  });

  const listen = (server: http.Server) =>
    new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
  origin = `http://127.0.0.1:${await listen(intermediary)}`;
  appUrl = `http://127.0.0.1:${await listen(app)}`;
  const close = (server: http.Server) =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return { origin, appUrl, requests, close: async () => void (await Promise.all([close(intermediary), close(app)])) };
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
