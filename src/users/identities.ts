import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { IdentitiesTable } from '../store/schema.js';
import { isUniqueViolation } from '../store/unique-violation.js';

/** What we keep of a WeChat profile: what a person recognises themselves by, never tokens. */
export interface WeChatProfileSnapshot {
  nickname: string;
  headimgurl: string;
  sex: number;
  province: string;
  city: string;
  country: string;
}

/** A WeChat account (one app's openid, and the open-platform unionid) bound to a user. */
export interface WeChatIdentity {
  id: string;
  userId: string;
  appId: string;
  openid: string;
  unionid: string | null;
  profile: WeChatProfileSnapshot;
  createdAt: number;
  lastLoginAt: number | null;
}

/** A WeCom member linked to a user, as the account page shows it. */
export interface WeComLink {
  id: string;
  corpId: string;
  userid: string;
  name: string;
  createdAt: number;
}

/** The key WeChat gives us for a person, as the callback learns it. */
export interface WeChatSubject {
  appId: string;
  openid: string;
  unionid?: string | undefined;
}

const PROVIDER = 'wechat';
/** WeCom members are kept in the same table: `app_id` the corp id, `openid` the member's userid. */
const WECOM = 'wecom';

/** A WeCom member (a corp's userid) linked to a user. */
export interface WeComIdentity {
  id: string;
  userId: string;
  corpId: string;
  userid: string;
}

export type IdentityStore = ReturnType<typeof createIdentityStore>;

export function createIdentityStore(db: Db, clock: Clock) {
  /** The WeCom members linked to a user, oldest link first. */
  async function weComLinks(userId: string): Promise<WeComLink[]> {
    const rows = await db
      .selectFrom('identities')
      .select(['id', 'app_id', 'openid', 'profile', 'created_at'])
      .where('user_id', '=', userId)
      .where('provider', '=', WECOM)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      corpId: r.app_id,
      userid: r.openid,
      name: (JSON.parse(r.profile) as { name?: string }).name ?? '',
      createdAt: r.created_at,
    }));
  }

  return {
    /**
     * The identity WeChat's subject belongs to: by unionid first (the same person across every app of one open
     * platform account), then by this app's openid (apps without a unionid).
     */
    async findWeChat(subject: WeChatSubject): Promise<WeChatIdentity | undefined> {
      if (subject.unionid) {
        const rows = await db
          .selectFrom('identities')
          .selectAll()
          .where('provider', '=', PROVIDER)
          .where('unionid', '=', subject.unionid)
          .orderBy('created_at')
          .execute();
        // Prefer this app's row; another app's row still names the same person.
        const row = rows.find((r) => r.app_id === subject.appId) ?? rows[0];
        if (row) return toIdentity(row);
      }
      const row = await db
        .selectFrom('identities')
        .selectAll()
        .where('provider', '=', PROVIDER)
        .where('app_id', '=', subject.appId)
        .where('openid', '=', subject.openid)
        .executeTakeFirst();
      return row ? toIdentity(row) : undefined;
    },

    async listForUser(userId: string): Promise<WeChatIdentity[]> {
      const rows = await db
        .selectFrom('identities')
        .selectAll()
        .where('user_id', '=', userId)
        .where('provider', '=', PROVIDER)
        .orderBy('created_at')
        .execute();
      return rows.map(toIdentity);
    },

    /** Records a sign-in: the time, and the fresh profile when WeChat told it (nickname and avatar change). */
    async recordSignIn(id: string, profile: WeChatProfileSnapshot | undefined): Promise<void> {
      await db
        .updateTable('identities')
        .set({ ...(profile ? { profile: JSON.stringify(profile) } : {}), last_login_at: clock.now() })
        .where('id', '=', id)
        .execute();
    },

    /**
     * Another app's openid of a person already linked through their unionid (same open platform account). A
     * second callback that added it meanwhile is not an error: the row is there either way.
     */
    async addForApp(userId: string, person: { subject: WeChatSubject; profile: WeChatProfileSnapshot }): Promise<void> {
      try {
        await insertWeChatIdentity(db, clock, { userId, ...person });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    },

    /** The user a WeCom member is linked to. */
    async findWeCom(corpId: string, userid: string): Promise<WeComIdentity | undefined> {
      const row = await db
        .selectFrom('identities')
        .select(['id', 'user_id'])
        .where('provider', '=', WECOM)
        .where('app_id', '=', corpId)
        .where('openid', '=', userid)
        .executeTakeFirst();
      return row ? { id: row.id, userId: row.user_id, corpId, userid } : undefined;
    },

    /**
     * Links a WeCom member to a user (the first sign-in found their account by 工号), or records a sign-in of a
     * member linked before. Two first sign-ins at once: the unique index keeps one row, the other is not an error.
     */
    async linkWeCom(userId: string, member: { corpId: string; userid: string; name: string }): Promise<void> {
      const now = clock.now();
      try {
        await db
          .insertInto('identities')
          .values({
            id: randomUUID(),
            user_id: userId,
            provider: WECOM,
            app_id: member.corpId,
            openid: member.userid,
            unionid: null,
            profile: JSON.stringify({ name: member.name }),
            created_at: now,
            last_login_at: now,
          })
          .execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
    },

    /** The WeCom members linked to a user, oldest link first. */
    listWeComForUser: weComLinks,

    /** Removes one of the user's WeCom links; the next WeCom sign-in finds the account by 工号 again, or asks to bind. */
    async unbindWeCom(userId: string, identityId: string): Promise<WeComLink | undefined> {
      const link = (await weComLinks(userId)).find((l) => l.id === identityId);
      if (!link) return undefined;
      await db.deleteFrom('identities').where('id', '=', identityId).where('user_id', '=', userId).where('provider', '=', WECOM).execute();
      return link;
    },

    async recordWeComSignIn(id: string, name: string): Promise<void> {
      await db
        .updateTable('identities')
        .set({ profile: JSON.stringify({ name }), last_login_at: clock.now() })
        .where('id', '=', id)
        .execute();
    },

    async unbind(userId: string, identityId: string): Promise<boolean> {
      const res = await db.deleteFrom('identities').where('id', '=', identityId).where('user_id', '=', userId).executeTakeFirst();
      return Number(res.numDeletedRows) > 0;
    },
  };
}

/** Inserts an identity row (inside the caller's transaction when given one). Unique (provider, app_id, openid). */
export async function insertWeChatIdentity(
  db: Db,
  clock: Clock,
  input: { userId: string; subject: WeChatSubject; profile: WeChatProfileSnapshot },
): Promise<WeChatIdentity> {
  const now = clock.now();
  const row = {
    id: randomUUID(),
    user_id: input.userId,
    provider: PROVIDER,
    app_id: input.subject.appId,
    openid: input.subject.openid,
    unionid: input.subject.unionid ?? null,
    profile: JSON.stringify(input.profile),
    created_at: now,
    last_login_at: now,
  };
  await db.insertInto('identities').values(row).execute();
  return toIdentity(row);
}

function toIdentity(row: Selectable<IdentitiesTable>): WeChatIdentity {
  return {
    id: row.id,
    userId: row.user_id,
    appId: row.app_id,
    openid: row.openid,
    unionid: row.unionid,
    profile: JSON.parse(row.profile) as WeChatProfileSnapshot,
    createdAt: row.created_at,
    lastLoginAt: row.last_login_at,
  };
}
