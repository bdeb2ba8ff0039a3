import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { AdminVia, AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { TicketRegistry } from '../tickets/registry.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { AuthMethod } from '../tickets/types.js';
import { createIdentityStore } from '../users/identities.js';
import { normalisePhone } from '../users/phone.js';
import { toUser } from '../users/store.js';
import type { User } from '../users/types.js';
import { refusal } from './refusals.js';
import type { AdminRoles, HeldRole } from './roles.js';
import { AdminNotFound, AdminRefusal, type Target, type UserAdmin } from './users.js';

/** How accounts are looked for; every given field must match. Pages follow `after` (the last id of the page before). */
export interface AccountQuery {
  /** The start of a login name. */
  login?: string | undefined;
  /** A whole number (any format a person types), or digits found anywhere in it. */
  phone?: string | undefined;
  /** Part of the display name, ignoring case. */
  name?: string | undefined;
  openid?: string | undefined;
  unionid?: string | undefined;
  /** A WeCom member's userid. */
  wecomUserid?: string | undefined;
  status?: 'active' | 'disabled' | undefined;
  after?: string | undefined;
  limit: number;
}

export interface AccountSummary {
  id: string;
  login: string | null;
  phone: string | null;
  displayName: string | null;
  status: 'active' | 'disabled';
  directory: string;
  directoryId: string | null;
  hasPassword: boolean;
  createdAt: number;
}

export interface AccountDetail extends AccountSummary {
  /** How messages name it: `alice`, `zhangsan (hr)`, its phone or id. */
  name: string;
  attributes: Record<string, string[]>;
  /** The number last proved by a code in a sign-in to the account. */
  provedPhone: string | null;
  wechat: Array<{
    id: string;
    appId: string;
    openid: string;
    unionid: string | null;
    nickname: string;
    createdAt: number;
    lastLoginAt: number | null;
  }>;
  wecom: Array<{ id: string; corpId: string; userid: string; name: string; createdAt: number }>;
  liveSessions: number;
  secondFactor: boolean;
  role: HeldRole | null;
}

/** A live SSO session as an administrator sees it: never its ticket id (a bearer secret), a handle derived from it. */
export interface SessionView {
  handle: string;
  method: AuthMethod;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  clientIp: string | null;
  userAgent: string | null;
  services: string[];
}

export type AccountAdmin = ReturnType<typeof createAccountAdmin>;

/** Accounts as administrators find and look after them (the admin API; `wecas user …` shares `users`). */
export function createAccountAdmin(deps: {
  db: Db;
  clock: Clock;
  users: UserAdmin;
  roles: Pick<AdminRoles, 'roleOf'>;
  tickets: Pick<TicketRegistry, 'sessionsOf' | 'grants'>;
  sessions: Pick<SsoSessions, 'end' | 'endAll'>;
  audit: AuditLog;
  via: AdminVia;
}) {
  const { db, clock, users, roles, tickets, sessions, audit, via } = deps;
  const identities = createIdentityStore(db, clock);

  async function detail(t: Target): Promise<AccountDetail> {
    const u = t.user;
    const [wechat, wecom, live, factor, role] = await Promise.all([
      identities.listForUser(u.id),
      identities.listWeComForUser(u.id),
      tickets.sessionsOf(u.id),
      db.selectFrom('second_factors').select('user_id').where('user_id', '=', u.id).executeTakeFirst(),
      roles.roleOf(u),
    ]);
    return {
      ...summary(u),
      name: t.name,
      attributes: u.attributes,
      provedPhone: u.provedPhone,
      wechat: wechat.map((w) => ({
        id: w.id,
        appId: w.appId,
        openid: w.openid,
        unionid: w.unionid,
        nickname: w.profile.nickname,
        createdAt: w.createdAt,
        lastLoginAt: w.lastLoginAt,
      })),
      wecom,
      liveSessions: live.length,
      secondFactor: factor !== undefined,
      role: role ?? null,
    };
  }

  async function endSessions(ref: string, handle?: string): Promise<{ target: Target; ended: number }> {
    const t = await users.find(ref);
    let ended: number;
    if (handle === undefined) ended = await sessions.endAll(t.user.id);
    else {
      const session = (await tickets.sessionsOf(t.user.id)).find((s) => sessionHandle(s.id) === handle);
      if (!session) throw new AdminNotFound(refusal('no_such_session', { account: t.name, session: handle }));
      ended = (await sessions.end(session.id)) ? 1 : 0;
    }
    if (ended > 0) await audit.record({ type: 'user.sessions_ended', userId: t.user.id, via, sessions: ended });
    return { target: t, ended };
  }

  return {
    search: (query: AccountQuery) => searchAccounts(db, query),

    async show(ref: string): Promise<AccountDetail> {
      return detail(await users.find(ref));
    },

    async setStatus(ref: string, status: 'active' | 'disabled') {
      const result = await users.setStatus(ref, status);
      return { ...result, account: await detail(await users.find(result.target.user.id)) };
    },

    /**
     * The password is cleared and the account's sessions end: the person sets a new one by activation (a code sent
     * to the account's phone), as an imported account without a password does. An account without a phone could
     * not activate, so it is refused; a directory keeps its own accounts' passwords.
     */
    async resetPassword(ref: string): Promise<{ target: Target; sessions: number }> {
      const t = await users.find(ref);
      if (t.user.directory !== 'local')
        throw new AdminRefusal(refusal('kept_by_directory', { account: t.name, directory: t.user.directory, what: 'password' }));
      if (!t.user.phone) throw new AdminRefusal(refusal('no_phone_to_activate', { account: t.name }));
      await db.updateTable('users').set({ password_hash: null, updated_at: clock.now() }).where('id', '=', t.user.id).execute();
      const ended = await sessions.endAll(t.user.id);
      await audit.record({ type: 'user.password_cleared', userId: t.user.id, via, sessions: ended });
      return { target: t, sessions: ended };
    },

    async unlinkWeChat(ref: string, linkId: string) {
      const t = await users.find(ref);
      const link = (await identities.listForUser(t.user.id)).find((l) => l.id === linkId);
      if (!link) throw new AdminNotFound(refusal('no_such_wechat_link', { account: t.name, link: linkId }));
      return users.unlinkWeChat(t.user.id, { appId: link.appId, openid: link.openid });
    },

    async unlinkWeCom(ref: string, linkId: string) {
      const t = await users.find(ref);
      const removed = await identities.unbindWeCom(t.user.id, linkId);
      if (!removed) throw new AdminNotFound(refusal('no_such_wecom_link', { account: t.name, link: linkId }));
      await audit.record({ type: 'wecom.unbound', userId: t.user.id, corpId: removed.corpId, userid: removed.userid, via });
      return { target: t, removed };
    },

    async sessions(ref: string): Promise<SessionView[]> {
      const t = await users.find(ref);
      const live = await tickets.sessionsOf(t.user.id);
      return Promise.all(
        live.map(async (s) => ({
          handle: sessionHandle(s.id),
          method: s.method,
          createdAt: s.createdAt,
          lastUsedAt: s.lastUsedAt,
          expiresAt: s.expiresAt,
          clientIp: s.clientIp ?? null,
          userAgent: s.userAgent ?? null,
          services: (await tickets.grants(s.id)).map((g) => g.service),
        })),
      );
    },

    /** Ends one live session (by its handle) or all of them; their applications are told by single logout. */
    endSessions,
  };
}

/** A session's public name: a digest of its ticket id, which is itself a bearer secret and never shown. */
export function sessionHandle(tgtId: string): string {
  return createHash('sha256').update(tgtId).digest('base64url').slice(0, 22);
}

function summary(u: User): AccountSummary {
  return {
    id: u.id,
    login: u.username,
    phone: u.phone,
    displayName: u.displayName,
    status: u.status,
    directory: u.directory,
    directoryId: u.directoryId,
    hasPassword: u.hasPassword,
    createdAt: u.createdAt,
  };
}

/** `%`, `_` and `\` taken literally in a LIKE pattern (with ESCAPE '\'). */
function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Keyset paging by id: each page starts after the last id of the one before, so page 1,000 costs what page 1 does
 * (an OFFSET would read and skip every row before it).
 */
async function searchAccounts(db: Db, q: AccountQuery): Promise<{ accounts: AccountSummary[]; next: string | null }> {
  let query = db
    .selectFrom('users')
    .selectAll()
    .orderBy('id')
    .limit(q.limit + 1);
  if (q.after !== undefined) query = query.where('id', '>', q.after);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.login) {
    // The range lets the username index find the candidates; LIKE keeps the match exact whatever the collation.
    const start = q.login.trim().toLowerCase();
    query = query
      .where('username', '>=', start)
      .where('username', '<', `${start}\u{10FFFF}`)
      .where(sql<boolean>`username like ${`${likeLiteral(start)}%`} escape '\\'`);
  }
  if (q.name) query = query.where(sql<boolean>`lower(display_name) like ${`%${likeLiteral(q.name.trim().toLowerCase())}%`} escape '\\'`);
  if (q.phone) {
    const whole = normalisePhone(q.phone);
    const digits = q.phone.replace(/\D/g, '');
    if (whole.ok) query = query.where('phone', '=', whole.phone);
    else query = query.where(sql<boolean>`phone like ${`%${digits}%`}`);
  }
  const linked = (provider: string, column: 'openid' | 'unionid', value: string) =>
    db.selectFrom('identities').select('user_id').where('provider', '=', provider).where(column, '=', value);
  if (q.openid) query = query.where('id', 'in', linked('wechat', 'openid', q.openid));
  if (q.unionid) query = query.where('id', 'in', linked('wechat', 'unionid', q.unionid));
  if (q.wecomUserid) query = query.where('id', 'in', linked('wecom', 'openid', q.wecomUserid));
  const rows = await query.execute();
  const page = rows.slice(0, q.limit).map((r) => summary(toUser(r)));
  return { accounts: page, next: rows.length > q.limit ? (page.at(-1)?.id ?? null) : null };
}
