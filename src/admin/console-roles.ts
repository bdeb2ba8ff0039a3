import type { UserStore } from '../users/store.js';
import type { AdminRole, AdminRoles } from './roles.js';

export type { AdminRole };

/** What the console asks of wherever roles are kept: the role an account holds now, by its id. */
export interface AdminRoleLookup {
  roleOf(userId: string): Promise<AdminRole | null>;
}

/** The role store (grants and directory groups, admin/roles.ts) as the console asks it; no account, no role. */
export function roleLookup(roles: Pick<AdminRoles, 'roleOf'>, users: Pick<UserStore, 'findById'>): AdminRoleLookup {
  return {
    async roleOf(userId) {
      const user = await users.findById(userId);
      return user ? ((await roles.roleOf(user))?.role ?? null) : null;
    },
  };
}

/** Services (and roles) are the admin's alone. */
export function mayManageServices(role: AdminRole): boolean {
  return role === 'admin';
}
