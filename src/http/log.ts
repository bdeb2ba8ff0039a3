import type { FastifyRequest } from 'fastify';
import { shortTicket } from '../cas/errors.js';

/** Query parameters whose values are secrets or single-use credentials: logged by prefix only, or not at all. */
const TICKET_PARAMS = new Set(['ticket', 'pgt', 'pgtId', 'pgtIou', 'SAMLart']);
const SECRET_PARAMS = new Set(['code', 'state', 'password', 'secret', 'access_token', 'refresh_token', 'appsecret']);

/** The request URL as it may appear in logs. */
export function loggableUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const [name, value] of [...params]) {
    if (TICKET_PARAMS.has(name)) params.set(name, shortTicket(value));
    else if (SECRET_PARAMS.has(name)) params.set(name, '***');
  }
  return url.slice(0, q + 1) + params.toString();
}

export const requestSerializer = (req: FastifyRequest) => ({
  method: req.method,
  url: loggableUrl(req.url),
  ip: req.ip,
  userAgent: req.headers['user-agent'],
});
