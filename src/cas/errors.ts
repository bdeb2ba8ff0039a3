/** The CAS protocol's own failure codes (docs/cas-protocol.md §2.1, §0.10). */
export type CasErrorCode =
  | 'INVALID_REQUEST'
  | 'INVALID_TICKET_SPEC'
  | 'UNAUTHORIZED_SERVICE_PROXY'
  | 'INVALID_PROXY_CALLBACK'
  | 'INVALID_TICKET'
  | 'INVALID_SERVICE'
  | 'INTERNAL_ERROR'
  | 'UNAUTHORIZED_SERVICE';

/** A protocol failure as a value: validation endpoints render it in the requested format, always with HTTP 200. */
export class CasError extends Error {
  override name = 'CasError';
  constructor(
    readonly code: CasErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const casErrors = {
  missingParameters: (names: string) => new CasError('INVALID_REQUEST', `'${names}' parameters are both required`),
  unsupportedFormat: (format: string) => new CasError('INVALID_REQUEST', `Unsupported format '${format}'; use XML or JSON`),
  malformedTicket: (ticket: string) => new CasError('INVALID_TICKET_SPEC', `Ticket '${shortTicket(ticket)}' is not a well-formed ticket`),
  notAServiceTicket: (ticket: string) =>
    new CasError('INVALID_TICKET_SPEC', `Ticket '${shortTicket(ticket)}' is a proxy ticket; this endpoint validates service tickets only`),
  unknownTicket: (ticket: string) => new CasError('INVALID_TICKET', `Ticket '${shortTicket(ticket)}' not recognized`),
  expiredTicket: (ticket: string) => new CasError('INVALID_TICKET', `Ticket '${shortTicket(ticket)}' has expired`),
  notFromNewLogin: (ticket: string) =>
    new CasError('INVALID_TICKET', `Ticket '${shortTicket(ticket)}' was issued from a single sign-on session, but renew was requested`),
  serviceMismatch: (ticket: string, original: string, supplied: string) =>
    new CasError(
      'INVALID_SERVICE',
      `Ticket '${shortTicket(ticket)}' does not match supplied service. The original service was '${original}' and the supplied service was '${supplied}'.`,
    ),
  unauthorizedService: (service: string) => new CasError('UNAUTHORIZED_SERVICE', `Service '${service}' is not authorized to use CAS`),
  personNotAllowed: (service: string) =>
    new CasError('UNAUTHORIZED_SERVICE', `The user is not allowed to use service '${service}': they lack the attributes it requires`),
  methodNotAccepted: (service: string, method: string) =>
    new CasError('UNAUTHORIZED_SERVICE', `Service '${service}' does not accept sessions signed in by ${method}`),
  secondFactorRequired: (service: string) =>
    new CasError('UNAUTHORIZED_SERVICE', `Service '${service}' requires a second factor, and this session did not pass one`),
  internal: () => new CasError('INTERNAL_ERROR', 'The CAS server could not complete the request; try again shortly'),
  tooManyRequests: () => new CasError('INTERNAL_ERROR', 'Too many requests from this address; try again in a minute'),
} as const;

/** Tickets are shown by prefix only, so logs and error texts never carry a usable ticket. */
export function shortTicket(ticket: string): string {
  const dash = ticket.indexOf('-');
  if (dash < 0) return ticket.length > 12 ? `${ticket.slice(0, 12)}…` : ticket;
  return ticket.slice(0, Math.min(ticket.length, dash + 7)) + (ticket.length > dash + 7 ? '…' : '');
}
