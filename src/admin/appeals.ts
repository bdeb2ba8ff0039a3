import type { AdminVia, AuditLog } from '../audit/audit-log.js';
import type { PhoneAppeal, PhoneAppeals } from '../users/appeals.js';
import type { UserStore } from '../users/store.js';
import { refusal } from './refusals.js';
import { AdminNotFound, AdminRefusal } from './users.js';

export interface AppealView extends PhoneAppeal {
  /** The account's login name, else its phone or id; null when the account is gone. */
  account: string | null;
}

/** Decides an appeal (login/recovery.ts's `decideAppeal`, which also changes the number), auditing as `as` says. */
export type DecideAppeal = (
  id: string,
  decision: 'approved' | 'rejected',
  by: string,
  as: { via: AdminVia; audit: AuditLog },
) => Promise<'approved' | 'rejected' | 'not_pending' | 'phone_taken'>;

export type AppealAdmin = ReturnType<typeof createAppealAdmin>;

/** Phone-change appeals of people who lost their old number (`wecas user appeals|appeal`, the admin API). */
export function createAppealAdmin(deps: {
  appeals: Pick<PhoneAppeals, 'list' | 'find'>;
  decide: DecideAppeal;
  users: Pick<UserStore, 'findById'>;
  audit: AuditLog;
  via: AdminVia;
  /** Recorded as who decided: the admin's id, or `cli`. */
  by: string;
}) {
  const { appeals, users } = deps;

  async function view(a: PhoneAppeal): Promise<AppealView> {
    const user = await users.findById(a.userId);
    return { ...a, account: user ? (user.username ?? user.phone ?? user.id) : null };
  }

  return {
    /** Oldest first; only those of one status when asked. */
    async list(status?: PhoneAppeal['status']): Promise<AppealView[]> {
      return Promise.all((await appeals.list(status)).map(view));
    },

    /** Approves (the new number becomes the account's) or rejects an appeal waiting for a decision. */
    async decide(id: string, decision: 'approved' | 'rejected'): Promise<AppealView> {
      const result = await deps.decide(id, decision, deps.by, { via: deps.via, audit: deps.audit });
      if (result === 'not_pending') {
        if (!(await appeals.find(id))) throw new AdminNotFound(refusal('no_such_appeal', { appeal: id }));
        throw new AdminRefusal(refusal('appeal_not_waiting', { appeal: id }));
      }
      if (result === 'phone_taken') throw new AdminRefusal(refusal('appeal_phone_taken', {}));
      const decided = await appeals.find(id);
      if (!decided) throw new AdminNotFound(refusal('no_such_appeal', { appeal: id }));
      return view(decided);
    },
  };
}
