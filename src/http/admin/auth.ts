import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AdminActor } from '../../admin/actor.js';
import type { Administration } from '../../admin/administration.js';
import { type AdminRole, type AdminRoles, roleCovers } from '../../admin/roles.js';
import type { ApiToken, ApiTokens, TokenRefusal } from '../../admin/tokens.js';
import type { UserStore } from '../../users/store.js';
import type { User } from '../../users/types.js';
import { ApiProblem } from './errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The role an admin API route needs; routes without one (the OpenAPI document, its page) need no token. */
    adminRole?: AdminRole;
  }
  interface FastifyRequest {
    /** The administrator a token names, set on every admin API route that needs a role. */
    adminContext: AdminContext | null;
  }
}

export interface AdminContext {
  admin: User;
  token: ApiToken;
  /** The administration acting as this admin: every audit event it records names them. */
  act: Administration;
}

const TOKEN_MESSAGES: Record<TokenRefusal, string> = {
  unknown_token: 'the token is not one wecas made: check that it was copied whole',
  expired_token: 'the token has expired: make a new one',
  revoked_token: 'the token was revoked: make a new one',
};

/** The admin context of a route that needs a role (the hook has set it). */
export function adminOf(request: FastifyRequest): AdminContext {
  if (!request.adminContext) throw new ApiProblem(401, 'missing_token', 'send a personal API token: Authorization: Bearer <token>');
  return request.adminContext;
}

/**
 * Bearer tokens, checked before anything else (validation included), so a request without a good token learns
 * nothing of the route. The token's scope must cover the route's role, and its owner must still hold that role.
 */
export function authenticateAdmins(
  app: FastifyInstance,
  deps: {
    tokens: Pick<ApiTokens, 'verify'>;
    roles: Pick<AdminRoles, 'roleOf'>;
    users: Pick<UserStore, 'findById'>;
    as(actor: AdminActor): Administration;
  },
): void {
  app.decorateRequest('adminContext', null);
  app.addHook('onRequest', async (request) => {
    const needed = request.routeOptions.config.adminRole;
    if (needed === undefined) return;
    const header = request.headers.authorization;
    if (!header) throw new ApiProblem(401, 'missing_token', 'send a personal API token: Authorization: Bearer <token>');
    const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (!bearer) throw new ApiProblem(401, 'invalid_authorization', 'the Authorization header must be "Bearer <token>"');
    const verified = await deps.tokens.verify(bearer[1]!);
    if (!verified.ok) throw new ApiProblem(401, verified.reason, TOKEN_MESSAGES[verified.reason]);
    const { token } = verified;
    const admin = await deps.users.findById(token.userId);
    if (admin?.status !== 'active') throw new ApiProblem(401, 'account_disabled', "the token's account is disabled or gone");
    const held = await deps.roles.roleOf(admin);
    if (!held || !roleCovers(held.role, token.role))
      throw new ApiProblem(403, 'role_revoked', `the token's account no longer holds the ${token.role} role it was made for`);
    if (!roleCovers(token.role, needed))
      throw new ApiProblem(403, 'insufficient_role', `this needs the ${needed} role; the token is scoped to ${token.role}`);
    request.adminContext = { admin, token, act: deps.as({ via: 'api', adminId: admin.id, client: request.client }) };
  });
}
