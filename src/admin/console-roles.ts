/** What an administrator may do: `admin` everything; `helpdesk` accounts, links, sessions, appeals and the audit log. */
export type AdminRole = 'admin' | 'helpdesk';

/** The console asks only this of wherever roles are kept (granted by `wecas admin grant`, or a directory group). */
export interface AdminRoleLookup {
  roleOf(userId: string): Promise<AdminRole | null>;
}

/** No one has a role: the console refuses everyone until roles are granted. */
export const noAdminRoles: AdminRoleLookup = { roleOf: async () => null };

/** Services (and roles) are the admin's alone. */
export function mayManageServices(role: AdminRole): boolean {
  return role === 'admin';
}
