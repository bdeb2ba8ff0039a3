import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { BadCursor } from '../../admin/audit.js';
import { AdminNotFound, AdminRefusal } from '../../admin/users.js';
import { DirectoryUnavailable } from '../../directories/directory.js';
import { ServiceValidationError } from '../../services/validation.js';
import { InvalidUserError, UserConflictError } from '../../users/errors.js';

/** Every refusal of the admin API: a stable code a client branches on, and a sentence a person reads. */
export const errorBody = z
  .object({
    error: z.string().describe('a stable code: missing_token, expired_token, insufficient_role, invalid_request, not_found, refused …'),
    message: z.string().describe('what went wrong and what to do, for a person'),
    reason: z
      .string()
      .optional()
      .describe('for `refused` and `not_found`: why, as a stable code (no_wechat_link, kept_by_directory, no_such_session …)'),
  })
  .describe('What went wrong');

/** The 4xx answers every authenticated route may give. */
export const refusals = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody, 409: errorBody } as const;

/** A refusal a route or hook throws: answered as `{ error, message }` with its status. */
export class ApiProblem extends Error {
  override name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The status, code and message of any error a request of the admin API ended in. */
function problemOf(error: FastifyError | Error): { status: number; code: string; message: string; reason?: string } {
  if (error instanceof ApiProblem) return { status: error.status, code: error.code, message: error.message };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = error.validationContext ?? 'request';
    const details = error.validation.map((v) => `${where}${v.instancePath.replace(/\//g, '.') || ''}: ${v.message}`);
    return { status: 400, code: 'invalid_request', message: details.join('; ') };
  }
  if (error instanceof BadCursor) return { status: 400, code: 'invalid_cursor', message: error.message };
  if (error instanceof ServiceValidationError) return { status: 400, code: 'invalid_service', message: error.message };
  if (error instanceof InvalidUserError) return { status: 400, code: 'invalid_account', message: error.message };
  if (error instanceof UserConflictError) return { status: 409, code: 'conflict', message: error.message };
  if (error instanceof AdminNotFound) return { status: 404, code: 'not_found', message: error.message, ...reasonOf(error) };
  if (error instanceof AdminRefusal) return { status: 409, code: 'refused', message: error.message, ...reasonOf(error) };
  if (error instanceof DirectoryUnavailable)
    return { status: 503, code: 'directory_unavailable', message: 'a directory cannot answer now: try again shortly' };
  const status = (error as FastifyError).statusCode;
  if (status === 429) return { status, code: 'too_many_requests', message: 'too many requests from this address: wait a minute' };
  if (status !== undefined && status >= 400 && status < 500) return { status, code: 'bad_request', message: error.message };
  return { status: 503, code: 'unavailable', message: 'wecas could not do this now (a store out of reach?): try again shortly' };
}

/** The refusal's code, unless it is one without a code of its own. */
function reasonOf(error: AdminRefusal): { reason?: string } {
  return error.reason.code === 'other' ? {} : { reason: error.reason.code };
}

/** The admin API's error handler: JSON in every case, the error itself in the log only when unexpected. */
export function answerProblem(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = problemOf(error);
  if (problem.status >= 500) request.log.error({ err: error }, 'admin API request failed');
  else request.log.info({ code: problem.code }, 'admin API request refused');
  if (problem.status === 401) reply.header('www-authenticate', `Bearer realm="wecas admin", error="invalid_token"`);
  return reply
    .code(problem.status)
    .header('cache-control', 'no-store')
    .send({ error: problem.code, message: problem.message, ...(problem.reason ? { reason: problem.reason } : {}) });
}
