// A stand-in CAS server for the demo app's own tests (no wecas needed): /login signs everyone in as one user
// at once (or, with gateway=true and no SSO session, comes back without a ticket), /p3/serviceValidate answers
// for its tickets once, and /logout ends the SSO session and tells every application by a back-channel POST.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const STUB_USER = { user: 'alice', mail: 'alice@example.org' };
const SSO_COOKIE = 'stub_cas_tgc';

export interface StubCas {
  /** e.g. `http://127.0.0.1:41234/cas` */
  casUrl: string;
  /** Every /login URL asked for, in order. */
  logins: URL[];
  close(): Promise<void>;
}

function logoutRequest(ticket: string): string {
  return `<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-${ticket}" Version="2.0" IssueInstant="${new Date().toISOString()}"><saml:NameID>@NOT_USED@</saml:NameID><samlp:SessionIndex>${ticket}</samlp:SessionIndex></samlp:LogoutRequest>`;
}

export async function startStubCas(): Promise<StubCas> {
  const logins: URL[] = [];
  /** Unvalidated tickets → their service. */
  const tickets = new Map<string, string>();
  /** SSO session → the tickets it gave (service URL of each), for single logout. */
  const ssoSessions = new Map<string, Array<{ ticket: string; service: string }>>();
  let counter = 0;

  const server = http.createServer((req, res) => {
    void handle(req, res).catch((err: unknown) => res.writeHead(500).end(String(err)));
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const sso = /(?:^|;\s*)stub_cas_tgc=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    const redirect = (location: string, cookie?: string): void => {
      res.writeHead(302, { location, ...(cookie ? { 'set-cookie': cookie } : {}) }).end();
    };
    const service = url.searchParams.get('service') ?? '';

    if (url.pathname === '/cas/login') {
      logins.push(url);
      const existing = sso && ssoSessions.has(sso) ? sso : undefined;
      if (!existing && url.searchParams.get('gateway') === 'true') return redirect(service);
      const session = existing ?? `TGT-${++counter}`;
      if (!existing) ssoSessions.set(session, []);
      const ticket = `ST-${++counter}-stub`;
      tickets.set(ticket, service);
      ssoSessions.get(session)!.push({ ticket, service });
      const target = new URL(service);
      target.searchParams.set('ticket', ticket);
      return redirect(target.href, `${SSO_COOKIE}=${session}; Path=/cas; HttpOnly`);
    }
    if (url.pathname === '/cas/p3/serviceValidate') {
      const ticket = url.searchParams.get('ticket') ?? '';
      const ok = tickets.get(ticket) === service;
      tickets.delete(ticket);
      const body = ok
        ? `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess><cas:user>${STUB_USER.user}</cas:user><cas:attributes><cas:mail>${STUB_USER.mail}</cas:mail></cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`
        : `<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationFailure code="INVALID_TICKET">Ticket ${ticket} not recognized</cas:authenticationFailure></cas:serviceResponse>`;
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' }).end(body);
      return;
    }
    if (url.pathname === '/cas/logout') {
      // Back-channel single logout, as wecas does it: a form POST of the LogoutRequest to each service URL.
      for (const given of (sso && ssoSessions.get(sso)) || []) {
        await fetch(given.service, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ logoutRequest: logoutRequest(given.ticket) }).toString(),
        });
      }
      if (sso) ssoSessions.delete(sso);
      return redirect(service, `${SSO_COOKIE}=; Path=/cas; Max-Age=0`);
    }
    res.writeHead(404).end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    casUrl: `http://127.0.0.1:${port}/cas`,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
