import { ResultCodeError } from 'ldapts';
import { type DirectoryFailureKind, DirectoryUnavailable } from '../directory.js';

/** LDAP result codes (RFC 4511 §4.1.9) that say the server, not the request, is the problem. */
const KIND_OF_RESULT: Partial<Record<number, DirectoryFailureKind>> = {
  3: 'timeout', // timeLimitExceeded
  8: 'misconfigured', // strongerAuthRequired: the server wants TLS or signing
  13: 'misconfigured', // confidentialityRequired: the same
  32: 'misconfigured', // noSuchObject: the base DN is not there
  48: 'service_account_refused', // inappropriateAuthentication
  49: 'service_account_refused', // invalidCredentials: only the service account's bind gets here (a person's is `false`)
  50: 'service_account_refused', // insufficientAccessRights: the account may not search there
  51: 'unreachable', // busy
  52: 'unreachable', // unavailable
};

/** Node's socket errors for a server that cannot be reached at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * Which kind of failure an error from the LDAP client is. Anything not about reaching the server or the service
 * account (a certificate that is not trusted, a malformed filter, a CA file that cannot be read) is `misconfigured`.
 */
export function failureKind(err: unknown): DirectoryFailureKind {
  if (err instanceof DirectoryUnavailable) return err.kind;
  if (err instanceof ResultCodeError) return KIND_OF_RESULT[err.code] ?? 'misconfigured';
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  // ldapts says "Connection timeout" (connect) and "…: Operation timed out" (a request without an answer).
  if (code === 'ETIMEDOUT' || /timed out|timeout/i.test(message)) return 'timeout';
  if ((code && UNREACHABLE.has(code)) || /connection closed|socket error|connection not established/i.test(message)) return 'unreachable';
  return 'misconfigured';
}

/** Whether another server might answer where this one did not: the cases failover is for. */
export function isUnanswered(err: unknown): boolean {
  const kind = failureKind(err);
  return kind === 'unreachable' || kind === 'timeout';
}

/** The error as a DirectoryUnavailable, with the client's code or first line as detail (never a password or bind DN). */
export function directoryFailure(directory: string, err: unknown): DirectoryUnavailable {
  if (err instanceof DirectoryUnavailable) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const firstLine = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 200);
  const detail = typeof code === 'string' && !firstLine.includes(code) ? `${code}: ${firstLine}` : firstLine;
  return new DirectoryUnavailable(directory, failureKind(err), detail);
}
