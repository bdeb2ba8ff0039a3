import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { isUniqueViolation } from '../store/unique-violation.js';
import { UserConflictError } from './errors.js';
import { insertWeChatIdentity, type WeChatProfileSnapshot, type WeChatSubject } from './identities.js';
import { SqlUserStore } from './store.js';
import type { User } from './types.js';

export type BindOutcome =
  | { ok: true; user: User; userCreated: boolean }
  | {
      ok: false;
      /**
       * phone_user_disabled: the phone belongs to a disabled user.
       * user_has_other_wechat: that user already has a different WeChat account of this app.
       * wechat_already_bound: this WeChat account was bound to someone meanwhile.
       */
      reason: 'phone_user_disabled' | 'user_has_other_wechat' | 'wechat_already_bound';
    };

export type LinkOutcome = { ok: true } | { ok: false; reason: 'user_has_other_wechat' | 'wechat_already_bound' };

export type WeChatBinding = ReturnType<typeof createWeChatBinding>;

/** Linking WeChat accounts to users, each link one transaction in the given database. */
export function createWeChatBinding(db: Db, clock: Clock) {
  return {
    byPhone: (input: { phone: string; subject: WeChatSubject; profile: WeChatProfileSnapshot }) => bindWeChatByPhone(db, clock, input),
    toUser: (input: { userId: string; subject: WeChatSubject; profile: WeChatProfileSnapshot }) => bindWeChatToUser(db, clock, input),
  };
}

/**
 * Binds a WeChat account to the user who owns a verified phone number, creating that user when nobody has the
 * number yet. One transaction: either the user (if new) and the binding are both written, or nothing is.
 * Concurrent binds: the unique index on (provider, app_id, openid) settles two binds of one WeChat account; a bind
 * to an existing user locks that user's row first, so of two WeChat accounts racing for one user only one is bound;
 * and a bind that loses the race to create the phone's user runs once more, now as a bind to that user.
 */
export async function bindWeChatByPhone(
  db: Db,
  clock: Clock,
  input: { phone: string; subject: WeChatSubject; profile: WeChatProfileSnapshot },
): Promise<BindOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await bindOnce(db, clock, input);
    } catch (err) {
      if (err instanceof UserConflictError && err.field === 'phone' && attempt === 1) continue;
      if (isUniqueViolation(err)) return { ok: false, reason: 'wechat_already_bound' };
      throw err;
    }
  }
}

async function bindOnce(
  db: Db,
  clock: Clock,
  input: { phone: string; subject: WeChatSubject; profile: WeChatProfileSnapshot },
): Promise<BindOutcome> {
  return db.transaction().execute(async (trx): Promise<BindOutcome> => {
    const users = new SqlUserStore(trx, clock);
    let user = await users.findByPhone(input.phone);
    if (user) {
      if (user.status !== 'active') return { ok: false, reason: 'phone_user_disabled' };
      // Touching the row locks it until commit (PostgreSQL; SQLite locks the whole database): a concurrent bind to
      // this user waits here, and its reads below then see this bind's identity.
      await trx.updateTable('users').set({ updated_at: clock.now() }).where('id', '=', user.id).execute();
    }
    const bound = await trx
      .selectFrom('identities')
      .select(['user_id', 'openid'])
      .where('provider', '=', 'wechat')
      .where('app_id', '=', input.subject.appId)
      .where((eb) => (user ? eb.or([eb('openid', '=', input.subject.openid), eb('user_id', '=', user.id)]) : eb('openid', '=', input.subject.openid)))
      .execute();
    if (bound.some((r) => r.openid === input.subject.openid)) return { ok: false, reason: 'wechat_already_bound' };
    if (bound.length > 0) return { ok: false, reason: 'user_has_other_wechat' };

    let userCreated = false;
    if (!user) {
      user = await users.create({
        phone: input.phone,
        ...(input.profile.nickname ? { displayName: input.profile.nickname } : {}),
        ...(input.profile.headimgurl ? { avatarUrl: input.profile.headimgurl } : {}),
      });
      userCreated = true;
    }
    await insertWeChatIdentity(trx, clock, { userId: user.id, subject: input.subject, profile: input.profile });
    return { ok: true, user, userCreated };
  });
}

/** A WeChat account bound to a user already signed in (the account page's "bind WeChat"). */
export async function bindWeChatToUser(
  db: Db,
  clock: Clock,
  input: { userId: string; subject: WeChatSubject; profile: WeChatProfileSnapshot },
): Promise<LinkOutcome> {
  try {
    return await db.transaction().execute(async (trx) => {
      // Lock the user's row first, as bindOnce does: two links started at once for one user cannot both pass the check.
      await trx.updateTable('users').set({ updated_at: clock.now() }).where('id', '=', input.userId).execute();
      const existing = await trx
        .selectFrom('identities')
        .select(['user_id', 'openid'])
        .where('provider', '=', 'wechat')
        .where('app_id', '=', input.subject.appId)
        .where((eb) => eb.or([eb('openid', '=', input.subject.openid), eb('user_id', '=', input.userId)]))
        .execute();
      if (existing.some((r) => r.openid === input.subject.openid)) return { ok: false, reason: 'wechat_already_bound' } as const;
      if (existing.length > 0) return { ok: false, reason: 'user_has_other_wechat' } as const;
      await insertWeChatIdentity(trx, clock, input);
      return { ok: true } as const;
    });
  } catch (err) {
    if (isUniqueViolation(err)) return { ok: false, reason: 'wechat_already_bound' };
    throw err;
  }
}
