// Binding a WeChat account to the user who owns a verified phone, in one transaction, with its conflict rules;
// concurrent binds on two connection pools (two wecas nodes). On SQLite and PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import { type BindOutcome, bindWeChatByPhone, bindWeChatToUser } from '../../src/users/binding.js';
import { createIdentityStore, insertWeChatIdentity, type WeChatProfileSnapshot, type WeChatSubject } from '../../src/users/identities.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';
import { databaseBackends, type OpenedBackend } from '../support/database-backends.js';

const APP = 'wx3333333333333333';
const OTHER_APP = 'wx4444444444444444';
const PROFILE: WeChatProfileSnapshot = {
  nickname: '周杰 Zhou',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/vi_32/abc/132',
  sex: 0,
  province: '',
  city: '',
  country: '',
};
const subject = (n: number, appId = APP): WeChatSubject => ({ appId, openid: `oOPENID-${n}`, unionid: `oUNION-${n}` });

describe.each(await databaseBackends())('bindWeChatByPhone on $name', (backend) => {
  let opened: OpenedBackend;
  let db: Db;
  let clock: ManualClock;
  let users: SqlUserStore;

  beforeEach(async () => {
    opened = await backend.open();
    db = opened.db;
    clock = new ManualClock(1_700_000_000_000);
    users = new SqlUserStore(db, clock);
  });

  afterEach(async () => {
    await opened.close();
  });

  async function counts() {
    const u = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const i = await db
      .selectFrom('identities')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { users: Number(u.n), identities: Number(i.n) };
  }

  /** Both pools connected before the race, so neither transaction starts late for want of a connection. */
  async function warm(other: Db): Promise<Db> {
    await Promise.all([db, other].map((d) => d.selectFrom('users').select('id').execute()));
    return other;
  }

  const ownerOf = async (s: WeChatSubject) => (await createIdentityStore(db, clock).findWeChat(s))?.userId;

  it('a new phone: creates the user (phone, WeChat nickname and avatar) and binds the WeChat account', async () => {
    const outcome = await bindWeChatByPhone(db, clock, { phone: '+8613700000001', subject: subject(1), profile: PROFILE });
    expect(outcome).toMatchObject({
      ok: true,
      userCreated: true,
      user: { phone: '+8613700000001', displayName: PROFILE.nickname, avatarUrl: PROFILE.headimgurl, username: null },
    });
    const user = (outcome as Extract<BindOutcome, { ok: true }>).user;
    expect(await users.findById(user.id)).toMatchObject({ phone: '+8613700000001' });
    expect(await ownerOf(subject(1))).toBe(user.id);
    expect(await counts()).toEqual({ users: 1, identities: 1 });
  });

  it("the phone's existing user gets the identity; no second user, their own name kept", async () => {
    const owner = await users.create({ username: 'li', password: 'pw-li-123456', displayName: '李老师', phone: '+8613700000002' });
    const outcome = await bindWeChatByPhone(db, clock, { phone: '+8613700000002', subject: subject(2), profile: PROFILE });
    expect(outcome).toMatchObject({ ok: true, userCreated: false, user: { id: owner.id, displayName: '李老师' } });
    expect(await ownerOf(subject(2))).toBe(owner.id);
    expect(await counts()).toEqual({ users: 1, identities: 1 });
  });

  it('that user already has another WeChat account of this app: refused, nothing changed', async () => {
    const owner = await users.create({ phone: '+8613700000003' });
    await insertWeChatIdentity(db, clock, { userId: owner.id, subject: subject(30), profile: PROFILE });
    const before = await counts();
    const outcome = await bindWeChatByPhone(db, clock, { phone: '+8613700000003', subject: subject(31), profile: PROFILE });
    expect(outcome).toEqual({ ok: false, reason: 'user_has_other_wechat' });
    expect(await counts()).toEqual(before);
    expect(await ownerOf(subject(31))).toBeUndefined();
  });

  it('a WeChat account of another app does not count against the user (one WeChat per app)', async () => {
    const owner = await users.create({ phone: '+8613700000004' });
    await insertWeChatIdentity(db, clock, { userId: owner.id, subject: { appId: OTHER_APP, openid: 'oOTHER-APP' }, profile: PROFILE });
    const outcome = await bindWeChatByPhone(db, clock, { phone: '+8613700000004', subject: { appId: APP, openid: 'oTHIS-APP' }, profile: PROFILE });
    expect(outcome).toMatchObject({ ok: true, user: { id: owner.id } });
  });

  it('a disabled phone user: refused, nothing written', async () => {
    const owner = await users.create({ phone: '+8613700000005' });
    await users.setStatus(owner.id, 'disabled');
    const outcome = await bindWeChatByPhone(db, clock, { phone: '+8613700000005', subject: subject(5), profile: PROFILE });
    expect(outcome).toEqual({ ok: false, reason: 'phone_user_disabled' });
    expect(await counts()).toEqual({ users: 1, identities: 0 });
  });

  it('a WeChat account bound already (to anyone): refused, and no user is created for the new phone', async () => {
    await bindWeChatByPhone(db, clock, { phone: '+8613700000006', subject: subject(6), profile: PROFILE });
    const outcome = await bindWeChatByPhone(db, clock, { phone: '+8613700000066', subject: subject(6), profile: PROFILE });
    expect(outcome).toEqual({ ok: false, reason: 'wechat_already_bound' });
    expect(await counts()).toEqual({ users: 1, identities: 1 });
  });

  it('two concurrent binds of one WeChat account (two nodes, two new phones): one wins, one user, one identity', async () => {
    const other = await warm(opened.secondNode());
    const outcomes = await Promise.all([
      bindWeChatByPhone(db, clock, { phone: '+8613700000071', subject: subject(7), profile: PROFILE }),
      bindWeChatByPhone(other, clock, { phone: '+8613700000072', subject: subject(7), profile: PROFILE }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, reason: 'wechat_already_bound' });
    // The loser's new user was rolled back with its binding.
    expect(await counts()).toEqual({ users: 1, identities: 1 });
  });

  it('two concurrent binds of one WeChat account to one new phone: one wins, the other is told it is bound', async () => {
    const other = await warm(opened.secondNode());
    const outcomes = await Promise.all([
      bindWeChatByPhone(db, clock, { phone: '+8613700000008', subject: subject(8), profile: PROFILE }),
      bindWeChatByPhone(other, clock, { phone: '+8613700000008', subject: subject(8), profile: PROFILE }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, reason: 'wechat_already_bound' });
    expect(await counts()).toEqual({ users: 1, identities: 1 });
  });

  it('two different WeChat accounts racing for one new phone: one wins, the other meets the one-WeChat rule', async () => {
    const other = await warm(opened.secondNode());
    const outcomes = await Promise.all([
      bindWeChatByPhone(db, clock, { phone: '+8613700000009', subject: subject(91), profile: PROFILE }),
      bindWeChatByPhone(other, clock, { phone: '+8613700000009', subject: subject(92), profile: PROFILE }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, reason: 'user_has_other_wechat' });
    expect(await counts()).toEqual({ users: 1, identities: 1 });
  });

  it("two different WeChat accounts racing for one existing user's phone: only one is bound", async () => {
    const owner = await users.create({ phone: '+8613700000010' });
    const other = await warm(opened.secondNode());
    const outcomes = await Promise.all([
      bindWeChatByPhone(db, clock, { phone: '+8613700000010', subject: subject(101), profile: PROFILE }),
      bindWeChatByPhone(other, clock, { phone: '+8613700000010', subject: subject(102), profile: PROFILE }),
    ]);
    expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
    expect(outcomes.find((o) => !o.ok)).toEqual({ ok: false, reason: 'user_has_other_wechat' });
    expect(await createIdentityStore(db, clock).listForUser(owner.id)).toHaveLength(1);
  });
});

describe.each(await databaseBackends())('bindWeChatToUser (the account page) on $name', (backend) => {
  let opened: OpenedBackend;
  let clock: ManualClock;
  let users: SqlUserStore;

  beforeEach(async () => {
    opened = await backend.open();
    clock = new ManualClock(1_700_000_000_000);
    users = new SqlUserStore(opened.db, clock);
  });

  afterEach(async () => {
    await opened.close();
  });

  it('binds once; a second WeChat for the same user, or this WeChat for someone else, is refused', async () => {
    const { db } = opened;
    const alice = await users.create({ username: 'alice' });
    const bob = await users.create({ username: 'bob' });
    expect(await bindWeChatToUser(db, clock, { userId: alice.id, subject: subject(1), profile: PROFILE })).toEqual({ ok: true });
    expect(await bindWeChatToUser(db, clock, { userId: alice.id, subject: subject(2), profile: PROFILE })).toEqual({
      ok: false,
      reason: 'user_has_other_wechat',
    });
    expect(await bindWeChatToUser(db, clock, { userId: bob.id, subject: subject(1), profile: PROFILE })).toEqual({
      ok: false,
      reason: 'wechat_already_bound',
    });
    expect(await createIdentityStore(db, clock).listForUser(bob.id)).toEqual([]);
  });
});
