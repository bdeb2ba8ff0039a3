import type { Clock } from '../clock.js';
import type { AdminRoleGroup } from '../config.js';
import type { Accounts } from '../directories/accounts.js';
import { DirectoryUnavailable } from '../directories/directory.js';
import type { Db } from '../store/db.js';
import type { User } from '../users/types.js';

export const ADMIN_ROLES = ['admin', 'helpdesk'] as const;
/** `admin`: everything. `helpdesk`: find accounts, unlink, end sessions, appeals, the audit log; no services, roles or tokens. */
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** Whether a holder of `held` may do what needs `needed`. */
export function roleCovers(held: AdminRole, needed: AdminRole): boolean {
  return held === 'admin' || held === needed;
}

export function isAdminRole(value: string): value is AdminRole {
  return (ADMIN_ROLES as readonly string[]).includes(value);
}

export interface RoleGrant {
  userId: string;
  username: string | null;
  role: AdminRole;
  grantedAt: number;
  /** `cli`, or the id of the administrator who granted it through the API. */
  grantedBy: string | null;
}

/** Where an account's role comes from: a stored grant, or membership of a group named in ADMIN_ROLE_GROUPS. */
export interface HeldRole {
  role: AdminRole;
  source: 'grant' | 'group';
}

export type AdminRoles = ReturnType<typeof createAdminRoles>;

/** The `admin_roles` table, and the roles directory groups confer (computed at each check, never stored). */
export function createAdminRoles(deps: { db: Db; clock: Clock; groups: readonly AdminRoleGroup[]; accounts: Pick<Accounts, 'accountOf'> }) {
  const { db, clock, groups, accounts } = deps;

  /** The account's groups: its directory's `groups`, or the `memberOf` attribute of one of wecas's own accounts. */
  async function groupsOf(user: User): Promise<string[]> {
    if (user.directory === 'local') return user.attributes.memberOf ?? [];
    try {
      return (await accounts.accountOf(user))?.groups ?? [];
    } catch (err) {
      // A directory out of reach confers nothing now: only stored grants count until it answers again.
      if (err instanceof DirectoryUnavailable) return [];
      throw err;
    }
  }

  async function granted(userId: string): Promise<AdminRole | undefined> {
    const row = await db.selectFrom('admin_roles').select('role').where('user_id', '=', userId).executeTakeFirst();
    return row?.role;
  }

  return {
    granted,

    /** The strongest role the account holds now, from a grant or a group; undefined when it holds none. */
    async roleOf(user: User): Promise<HeldRole | undefined> {
      const stored = await granted(user.id);
      if (stored === 'admin') return { role: 'admin', source: 'grant' };
      let fromGroup: AdminRole | undefined;
      if (groups.length > 0) {
        const held = new Set(await groupsOf(user));
        for (const g of groups) if (held.has(g.group) && (fromGroup === undefined || g.role === 'admin')) fromGroup = g.role;
      }
      if (fromGroup === 'admin') return { role: 'admin', source: 'group' };
      if (stored) return { role: stored, source: 'grant' };
      return fromGroup ? { role: fromGroup, source: 'group' } : undefined;
    },

    /** Grants (or changes) the account's stored role; answers the role it had before. */
    async grant(userId: string, role: AdminRole, by: string): Promise<AdminRole | undefined> {
      return db.transaction().execute(async (trx) => {
        const before = await trx.selectFrom('admin_roles').select('role').where('user_id', '=', userId).executeTakeFirst();
        if (before)
          await trx.updateTable('admin_roles').set({ role, granted_at: clock.now(), granted_by: by }).where('user_id', '=', userId).execute();
        else await trx.insertInto('admin_roles').values({ user_id: userId, role, granted_at: clock.now(), granted_by: by }).execute();
        return before?.role;
      });
    },

    /** Removes the stored role; answers the role removed, if there was one. */
    async revoke(userId: string): Promise<AdminRole | undefined> {
      const before = await granted(userId);
      if (before) await db.deleteFrom('admin_roles').where('user_id', '=', userId).execute();
      return before;
    },

    /** Every stored grant, by login name. */
    async list(): Promise<RoleGrant[]> {
      const rows = await db
        .selectFrom('admin_roles as r')
        .innerJoin('users as u', 'u.id', 'r.user_id')
        .select(['r.user_id', 'u.username', 'r.role', 'r.granted_at', 'r.granted_by'])
        .orderBy('u.username')
        .orderBy('r.user_id')
        .execute();
      return rows.map((r) => ({ userId: r.user_id, username: r.username, role: r.role, grantedAt: r.granted_at, grantedBy: r.granted_by }));
    },
  };
}
