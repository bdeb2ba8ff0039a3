import type { AdminVia, AuditLog, ClientInfo } from '../audit/audit-log.js';
import { newPseudonym, pseudonymiseAuditEvents } from '../audit/pseudonyms.js';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { SsoSessions } from '../tickets/sessions.js';
import { SqlUserStore } from './store.js';
import type { User } from './types.js';

/** What a deletion removed, and the pseudonym the account's audit events carry from now on. */
export interface DeletedAccount {
  pseudonym: string;
  wechat: number;
  wecom: number;
  sessions: number;
  /** Front-channel logout requests of the ended sessions, for the page that answers the deletion to load. */
  frontChannelUrls: string[];
}

export type AccountDeletion = ReturnType<typeof createAccountDeletion>;

/**
 * Deleting an account, the one way for the person's own page and for `wecas user delete`. In one transaction: the
 * record (name, phone, mail and the other attributes, the password), its WeChat and WeCom links, its authenticator
 * and recovery codes, its phone-change appeals, and its audit events re-keyed to a pseudonym without personal
 * details. Then its sessions end, with single logout (told under the pseudonym), and what the key-value store holds
 * of it (codes waiting for its number, an unfinished set-up) is forgotten. Then one `user.deleted` event.
 */
export function createAccountDeletion(deps: {
  db: Db;
  clock: Clock;
  sessions: Pick<SsoSessions, 'endEvery'>;
  audit: AuditLog;
  /** What other stores hold of the account until it expires; each forgets its part. */
  forget?: ReadonlyArray<(user: User) => Promise<void>>;
}) {
  const { db, clock, sessions, audit } = deps;

  return {
    /**
     * Undefined when the account was gone already (deleted meanwhile). `logins` are the names failed sign-ins may
     * have typed for it besides its own (a directory account's login there).
     */
    async delete(user: User, how: { via: 'account' | AdminVia; client?: ClientInfo; logins?: string[] }): Promise<DeletedAccount | undefined> {
      const pseudonym = newPseudonym();
      const person = {
        userId: user.id,
        logins: [user.username, ...(how.logins ?? [])].filter((l): l is string => !!l),
        phones: [user.phone, user.provedPhone].filter((p): p is string => !!p),
        since: user.createdAt,
      };
      const removed = await db.transaction().execute(async (trx) => {
        const links = await trx.selectFrom('identities').select('provider').where('user_id', '=', user.id).execute();
        await trx.deleteFrom('recovery_codes').where('user_id', '=', user.id).execute();
        await trx.deleteFrom('second_factors').where('user_id', '=', user.id).execute();
        await trx.deleteFrom('phone_appeals').where('user_id', '=', user.id).execute();
        if (!(await new SqlUserStore(trx, clock).delete(user.id))) return undefined;
        await pseudonymiseAuditEvents(trx, person, pseudonym);
        return { wechat: links.filter((l) => l.provider === 'wechat').length, wecom: links.filter((l) => l.provider === 'wecom').length };
      });
      if (!removed) return undefined;
      const { ended, frontChannelUrls } = await sessions.endEvery(user.id, { toldAs: pseudonym });
      // An event written between the commit and the end of the sessions (a validation in flight) follows the others.
      await pseudonymiseAuditEvents(db, person, pseudonym);
      for (const forget of deps.forget ?? []) await forget(user);
      await audit.record({
        type: 'user.deleted',
        userId: pseudonym,
        via: how.via,
        ...(user.directory === 'local' ? {} : { directory: user.directory }),
        ...removed,
        sessions: ended,
        ...(how.client ? { client: how.client } : {}),
      });
      return { pseudonym, ...removed, sessions: ended, frontChannelUrls };
    },
  };
}
