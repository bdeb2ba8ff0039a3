import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The security headers helmet gives with these options. They do not depend on the request (each page sets its own
 * CSP, pages/pages.ts), so helmet runs once, into a plain object, instead of its ten middlewares on every response.
 */
export function helmetHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader: (name: string, value: unknown) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  // helmet's middlewares are synchronous: `next` has been called by the time it returns.
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure;
  return Object.freeze(headers);
}

/**
 * What still matters on a redirect, which carries no document to frame, sniff or isolate: the Referer policy of the
 * request it leads to, and HTTPS (HSTS).
 */
const REDIRECT_HEADERS: ReadonlySet<string> = new Set(['referrer-policy', 'strict-transport-security']);

/**
 * helmet's headers on every response of this scope, copied from a fixed object; a 3xx (a redirect, an SSO sign-in's
 * 302 above all; a 304) gets only REDIRECT_HEADERS. Node checks each header's name and value with a regular
 * expression as it writes it: dropping the nine no browser reads on a 302 took some 15 % off an SSO sign-in's
 * instructions (docs/benchmarks.md, "Issue 16, eighth pass").
 */
export function addHelmetHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const headers = helmetHeaders(options);
  const onRedirect = Object.freeze(Object.fromEntries(Object.entries(headers).filter(([name]) => REDIRECT_HEADERS.has(name))));
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.headers(reply.statusCode >= 300 && reply.statusCode < 400 ? onRedirect : headers);
    done(null, payload);
  });
}
