import type { AuditLog } from '../audit/audit-log.js';
import type { AdminActor } from './actor.js';
import { refusal } from './refusals.js';
import { type AdminRole, type AdminRoles, roleCovers } from './roles.js';
import { type ApiToken, type ApiTokens, MAX_TOKEN_DAYS } from './tokens.js';
import { AdminNotFound, AdminRefusal, type Target, type UserAdmin } from './users.js';

export type AccessAdmin = ReturnType<typeof createAccessAdmin>;

/**
 * Who may administer, whatever the front end (`wecas admin …`, the admin API): roles granted to accounts, and the
 * personal API tokens of those who hold one. Every change is audited, naming the administrator.
 */
export function createAccessAdmin(deps: {
  roles: AdminRoles;
  tokens: ApiTokens;
  users: Pick<UserAdmin, 'find'>;
  audit: AuditLog;
  actor: AdminActor;
}) {
  const { roles, tokens, users, audit, actor } = deps;
  const { via } = actor;
  const grantedBy = actor.adminId ?? actor.via;

  return {
    async grant(ref: string, role: AdminRole): Promise<{ target: Target; before: AdminRole | undefined }> {
      const target = await users.find(ref);
      if (target.user.status !== 'active') throw new AdminRefusal(refusal('account_disabled', { account: target.name }));
      const before = await roles.grant(target.user.id, role, grantedBy);
      if (before !== role) await audit.record({ type: 'admin.granted', userId: target.user.id, via, role, ...(before ? { before } : {}) });
      return { target, before };
    },

    /** Removes the stored role; the account's tokens stop working with it (a role from a group stays). */
    async revoke(ref: string): Promise<{ target: Target; role: AdminRole }> {
      const target = await users.find(ref);
      const role = await roles.revoke(target.user.id);
      if (!role) throw new AdminRefusal(refusal('no_granted_role', { account: target.name }));
      await audit.record({ type: 'admin.revoked', userId: target.user.id, via, role });
      return { target, role };
    },

    list: () => roles.list(),

    /** A token for an account that holds a role covering `role`, for `days` days; its secret is shown once. */
    async createToken(
      ref: string,
      input: { role: AdminRole; name: string; days: number },
    ): Promise<{ target: Target; token: ApiToken; secret: string }> {
      const target = await users.find(ref);
      const name = input.name.trim();
      if (!name) throw new AdminRefusal(refusal('token_name_missing', {}));
      if (!Number.isInteger(input.days) || input.days < 1 || input.days > MAX_TOKEN_DAYS)
        throw new AdminRefusal(refusal('token_days_out_of_range', { max: MAX_TOKEN_DAYS }));
      const held = await roles.roleOf(target.user);
      if (!held || !roleCovers(held.role, input.role))
        throw new AdminRefusal(refusal('role_not_held', { account: target.name, role: input.role, held: held?.role ?? '' }));
      const made = await tokens.create({ userId: target.user.id, role: input.role, name, days: input.days });
      await audit.record({
        type: 'admin.token_created',
        userId: target.user.id,
        via,
        tokenId: made.token.id,
        role: input.role,
        name,
        expiresAt: made.token.expiresAt,
      });
      return { target, ...made };
    },

    async listTokens(ref?: string): Promise<ApiToken[]> {
      return tokens.list(ref === undefined ? undefined : (await users.find(ref)).user.id);
    },

    async revokeToken(id: string): Promise<ApiToken> {
      const token = await tokens.find(id);
      if (!token) throw new AdminNotFound(refusal('no_such_token', { token: id }));
      if (!(await tokens.revoke(id))) throw new AdminRefusal(refusal('token_revoked_already', { token: id }));
      await audit.record({ type: 'admin.token_revoked', userId: token.userId, via, tokenId: id });
      return { ...token, revokedAt: (await tokens.find(id))?.revokedAt ?? null };
    },
  };
}
