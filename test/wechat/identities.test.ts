// Looking a WeChat person up: by unionid first (one person across every app of an open-platform account), then by
// this app's (appid, openid). On SQLite and PostgreSQL.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/store/db.js';
import {
  createIdentityStore,
  type IdentityStore,
  insertWeChatIdentity,
  type WeChatProfileSnapshot,
  type WeChatSubject,
} from '../../src/users/identities.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';
import { databaseBackends } from '../support/database-backends.js';

const APP = 'wx1111111111111111';
const OTHER_APP = 'wx2222222222222222';
const profile = (nickname: string): WeChatProfileSnapshot => ({ nickname, headimgurl: '', sex: 0, province: '', city: '', country: '' });

describe.each(await databaseBackends())('WeChat identities on $name', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  let clock: ManualClock;
  let identities: IdentityStore;
  let users: SqlUserStore;

  beforeEach(async () => {
    const opened = await backend.open();
    db = opened.db;
    close = opened.close;
    clock = new ManualClock(1_700_000_000_000);
    identities = createIdentityStore(db, clock);
    users = new SqlUserStore(db, clock);
  });

  afterEach(async () => {
    await close();
  });

  async function bound(phone: string, subject: WeChatSubject, nickname = phone) {
    const user = await users.create({ phone });
    const identity = await insertWeChatIdentity(db, clock, { userId: user.id, subject, profile: profile(nickname) });
    clock.advance(1000);
    return { user, identity };
  }

  it('finds by unionid even when the openid is not the stored one', async () => {
    const { user } = await bound('+8613800000001', { appId: APP, openid: 'oOPENID-A', unionid: 'oUNION-1' });
    const found = await identities.findWeChat({ appId: APP, openid: 'oOPENID-NEW', unionid: 'oUNION-1' });
    expect(found?.userId).toBe(user.id);
  });

  it('finds the same person through another app of the open platform (same unionid, other openid)', async () => {
    const { user } = await bound('+8613800000002', { appId: OTHER_APP, openid: 'oOTHER-APP', unionid: 'oUNION-2' });
    const found = await identities.findWeChat({ appId: APP, openid: 'oTHIS-APP', unionid: 'oUNION-2' });
    expect(found).toMatchObject({ userId: user.id, appId: OTHER_APP });
  });

  it("prefers this app's row when several rows share the unionid", async () => {
    await bound('+8613800000003', { appId: OTHER_APP, openid: 'oOTHER', unionid: 'oUNION-3' });
    const mine = await bound('+8613800000004', { appId: APP, openid: 'oMINE', unionid: 'oUNION-3' });
    const found = await identities.findWeChat({ appId: APP, openid: 'oMINE', unionid: 'oUNION-3' });
    expect(found?.id).toBe(mine.identity.id);
  });

  it('unionid first: a unionid match wins over an (appid, openid) match of someone else', async () => {
    await bound('+8613800000005', { appId: APP, openid: 'oSHARED' });
    const byUnion = await bound('+8613800000006', { appId: OTHER_APP, openid: 'oX', unionid: 'oUNION-6' });
    const found = await identities.findWeChat({ appId: APP, openid: 'oSHARED', unionid: 'oUNION-6' });
    expect(found?.userId).toBe(byUnion.user.id);
  });

  it('falls back to (appid, openid): a row stored without unionid, or a subject without one', async () => {
    const { user } = await bound('+8613800000007', { appId: APP, openid: 'oNO-UNION' });
    expect((await identities.findWeChat({ appId: APP, openid: 'oNO-UNION', unionid: 'oUNKNOWN' }))?.userId).toBe(user.id);
    expect((await identities.findWeChat({ appId: APP, openid: 'oNO-UNION' }))?.userId).toBe(user.id);
  });

  it('an openid belongs to one app: the same openid under another app is someone else', async () => {
    await bound('+8613800000008', { appId: OTHER_APP, openid: 'oSAME' });
    expect(await identities.findWeChat({ appId: APP, openid: 'oSAME' })).toBeUndefined();
    expect(await identities.findWeChat({ appId: APP, openid: 'oNOBODY', unionid: 'oNOBODY' })).toBeUndefined();
  });

  it('records a sign-in (fresh profile, time), lists a user’s identities, unbinds only the owner’s', async () => {
    const { user, identity } = await bound('+8613800000009', { appId: APP, openid: 'oREC', unionid: 'oUNION-9' }, '旧名');
    clock.advance(60_000);
    await identities.recordSignIn(identity.id, profile('新名'));
    const [listed] = await identities.listForUser(user.id);
    expect(listed).toMatchObject({ id: identity.id, lastLoginAt: clock.now(), profile: { nickname: '新名' }, unionid: 'oUNION-9' });
    const stranger = await users.create({ phone: '+8613800000010' });
    expect(await identities.unbind(stranger.id, identity.id)).toBe(false);
    expect(await identities.unbind(user.id, identity.id)).toBe(true);
    expect(await identities.findWeChat({ appId: APP, openid: 'oREC', unionid: 'oUNION-9' })).toBeUndefined();
  });
});
