import type { AuditLog } from '../audit/audit-log.js';
import type { Accounts } from '../directories/accounts.js';
import { DirectoryUnavailable } from '../directories/directory.js';
import type { KeyValueStore } from '../kv/store.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { UserStore } from '../users/store.js';

export interface RecheckReport {
  /** People with a live session whose account was read again. */
  checked: number;
  /** Sessions ended because the account is disabled, or gone, in its directory or in wecas. */
  ended: number;
  /** Accounts left alone because their directory could not answer (their sessions stay until the next round). */
  unanswered: number;
}

/**
 * Sessions keep the person as at sign-in, so validations need no directory. What that snapshot cannot show is an
 * account disabled or removed since: every round, each person with a live session is read again from their
 * directory, and their sessions end (with single logout) when the account is disabled or gone. One node runs each
 * round (a lease in the shared store), so the directory sees one reader whatever the number of nodes.
 */
export function createDirectoryRecheck(deps: {
  sessions: Pick<SsoSessions, 'usersWithSessions' | 'endAll'>;
  users: Pick<UserStore, 'findById'>;
  accounts: Pick<Accounts, 'accountOf'>;
  audit: AuditLog;
  kv: KeyValueStore;
  intervalSeconds: number;
}) {
  async function recheck(userId: string): Promise<'kept' | 'ended' | 'unanswered'> {
    const user = await deps.users.findById(userId);
    let account: Awaited<ReturnType<Accounts['accountOf']>>;
    try {
      account = user ? await deps.accounts.accountOf(user) : undefined;
    } catch (err) {
      if (err instanceof DirectoryUnavailable) return 'unanswered';
      throw err;
    }
    if (user && account && !account.disabled && user.status === 'active') return 'kept';
    const sessions = await deps.sessions.endAll(userId);
    const reason = user && account ? 'account_disabled' : 'account_gone';
    const directory = user && user.directory !== 'local' ? { directory: user.directory } : {};
    await deps.audit.record({ type: 'session.ended', userId, reason, sessions, ...directory });
    return 'ended';
  }

  return {
    /**
     * One round, unless another node holds this round's lease; undefined then. `now`: a round asked for (SIGUSR2,
     * after an account was disabled by a process that cannot reach this node's memory registry) runs regardless.
     */
    async run(options: { now?: boolean } = {}): Promise<RecheckReport | undefined> {
      // The lease lasts a little less than a round, so the next round can start on any node.
      const leased = await deps.kv.putIfAbsent('directory-recheck', 1, Math.max(1, deps.intervalSeconds - 1));
      if (!leased && !options.now) return undefined;
      const report: RecheckReport = { checked: 0, ended: 0, unanswered: 0 };
      for (const userId of await deps.sessions.usersWithSessions()) {
        const result = await recheck(userId);
        report.checked++;
        if (result === 'ended') report.ended++;
        if (result === 'unanswered') report.unanswered++;
      }
      return report;
    },
  };
}

export type DirectoryRecheck = ReturnType<typeof createDirectoryRecheck>;
