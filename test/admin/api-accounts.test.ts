// Accounts over the admin API: search (SQLite file and PostgreSQL), show, disable and enable, password reset,
// unlinking WeChat and WeCom, sessions listed and ended with single logout reaching the application.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { insertWeChatIdentity, type WeChatProfileSnapshot } from '../../src/users/identities.js';
import type { User } from '../../src/users/types.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { cliBackends } from '../users/cli-harness.js';
import { type AdminApi, auditEvents, openAdminApi } from './api-harness.js';

const PROFILE: WeChatProfileSnapshot = { nickname: '小明', headimgurl: '', sex: 0, province: '', city: '', country: 'CN' };
const APP = 'wx-main-app';
type Page = { accounts: Array<{ id: string; login: string | null }>; next: string | null };

describe.each(await cliBackends())('account search on $name', (backend) => {
  let api: AdminApi;
  let drop: () => Promise<void>;
  let helpdesk: string;

  beforeEach(async () => {
    const database = await backend.database();
    drop = database.drop;
    api = await openAdminApi(database.url);
    helpdesk = (await api.token('helpdesk', 'desk')).secret;
    for (let i = 0; i < 30; i++) {
      const n = String(i).padStart(2, '0');
      const user = await api.wecas.users.create({
        username: `user${n}`,
        phone: `+86138000000${n}`,
        displayName: i % 10 === 3 ? `张三 ${n}` : `Person ${n}`,
      });
      if (i === 7)
        await insertWeChatIdentity(api.wecas.db, api.clock, {
          userId: user.id,
          subject: { appId: APP, openid: 'o-seven', unionid: 'u-seven' },
          profile: PROFILE,
        });
      if (i === 8) await api.wecas.identities.linkWeCom(user.id, { corpId: 'ww-corp', userid: 'T0008', name: 'Eight' });
    }
  });
  afterEach(async () => {
    await api.close();
    await drop();
  });

  const search = async (query: string): Promise<Page> => {
    const response = await api.call(helpdesk, 'GET', `/accounts?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    return response.json() as Page;
  };
  const logins = async (query: string) => (await search(query)).accounts.map((a) => a.login).sort();

  it('finds accounts by the start of a login, a phone (whole or digits), part of a name, openid, unionid and WeCom userid', async () => {
    expect(await logins('login=USER1')).toEqual(['user10', 'user11', 'user12', 'user13', 'user14', 'user15', 'user16', 'user17', 'user18', 'user19']);
    expect(await logins(`phone=${encodeURIComponent('138 0000 0005')}`)).toEqual(['user05']);
    expect(await logins('phone=0000002')).toEqual([
      'user02',
      'user20',
      'user21',
      'user22',
      'user23',
      'user24',
      'user25',
      'user26',
      'user27',
      'user28',
      'user29',
    ]);
    expect(await logins(`name=${encodeURIComponent('张三')}`)).toEqual(['user03', 'user13', 'user23']);
    expect(await logins('name=person%202')).toEqual(['user20', 'user21', 'user22', 'user24', 'user25', 'user26', 'user27', 'user28', 'user29']);
    expect(await logins('openid=o-seven')).toEqual(['user07']);
    expect(await logins('unionid=u-seven')).toEqual(['user07']);
    expect(await logins('wecomUserid=T0008')).toEqual(['user08']);
    expect(await logins('login=user1&name=%E5%BC%A0')).toEqual(['user13']);
    expect(await logins('login=%25')).toEqual([]); // a literal %, not a wildcard
    const tooShort = await api.call(helpdesk, 'GET', '/accounts?phone=12');
    expect({ status: tooShort.statusCode, body: tooShort.json() }).toEqual({
      status: 400,
      body: { error: 'invalid_request', message: 'querystring.phone: give at least 3 digits' },
    });
  });

  it('pages through every account by keyset: no repeats, no gaps, the last page says there is no next', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Page = await search(`login=user&limit=7${after ? `&after=${after}` : ''}`);
      seen.push(...page.accounts.map((a) => a.id));
      after = page.next;
      pages++;
    } while (after !== null);
    expect(pages).toBe(5);
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    expect([...seen].sort()).toEqual(seen);
  });
});

describe('looking after one account over the admin API', () => {
  let api: AdminApi;
  let receiver: Receiver;
  let admin: { secret: string; userId: string };
  let desk: { secret: string; userId: string };
  let alice: User;
  let app: string;
  let serviceId: number;

  beforeEach(async () => {
    api = await openAdminApi();
    receiver = await startReceiver();
    app = `${receiver.origin}/app`;
    serviceId = (await api.wecas.services.add({ name: 'app', pattern: app, matchType: 'prefix', logoutType: 'back-channel' })).id;
    admin = await api.token('admin', 'root');
    desk = await api.token('helpdesk', 'desk');
    alice = await api.wecas.users.create({ username: 'alice', password: 'pw-alice-1', phone: '+8613912345678', displayName: 'Alice' });
    await insertWeChatIdentity(api.wecas.db, api.clock, { userId: alice.id, subject: { appId: APP, openid: 'o-alice' }, profile: PROFILE });
    await api.wecas.identities.linkWeCom(alice.id, { corpId: 'ww-corp', userid: 'T0001', name: 'Alice' });
  });
  afterEach(async () => {
    await api.close();
    await receiver.close();
  });

  /** A live session of alice with a ticket granted to the back-channel application: its end reaches the receiver. */
  async function signedIn(): Promise<string> {
    const tgt = await api.wecas.sessions.start({ userId: alice.id, principal: 'alice', method: 'password', authTime: api.clock.now() });
    return (await api.wecas.sessions.grantServiceTicket(tgt, { url: app, id: serviceId }, true)).id;
  }

  it('shows the account with its links, sessions and role', async () => {
    await signedIn();
    const shown = await api.call(desk.secret, 'GET', '/accounts/alice');
    expect(shown.json()).toMatchObject({
      id: alice.id,
      name: 'alice',
      login: 'alice',
      phone: '+8613912345678',
      hasPassword: true,
      wechat: [{ appId: APP, openid: 'o-alice', nickname: '小明' }],
      wecom: [{ corpId: 'ww-corp', userid: 'T0001', name: 'Alice' }],
      liveSessions: 1,
      secondFactor: false,
      role: null,
    });
    expect((await api.call(desk.secret, 'GET', `/accounts/${alice.id}`)).json()).toMatchObject({ login: 'alice' });
    expect((await api.call(desk.secret, 'GET', '/accounts/+8613912345678')).json()).toMatchObject({ login: 'alice' });
    expect((await api.call(desk.secret, 'GET', '/accounts/root')).json()).toMatchObject({ role: { role: 'admin', source: 'grant' } });
    const nobody = await api.call(desk.secret, 'GET', '/accounts/nobody');
    expect({ status: nobody.statusCode, body: nobody.json() }).toEqual({
      status: 404,
      body: { error: 'not_found', reason: 'no_account', message: 'no user "nobody"' },
    });
  });

  it('lists sessions by a handle (never the ticket) and ends one and then all, each with single logout to the application', async () => {
    const first = await signedIn();
    const second = await signedIn();
    const listed = (await api.call(desk.secret, 'GET', '/accounts/alice/sessions')).json() as {
      sessions: Array<{ handle: string; services: string[] }>;
    };
    expect(listed.sessions).toHaveLength(2);
    expect(listed.sessions[0]).toMatchObject({ method: 'password', services: [app] });
    const sessionIds = (await api.wecas.tickets.sessionsOf(alice.id)).map((s) => s.id);
    for (const id of sessionIds) expect(JSON.stringify(listed)).not.toContain(id);

    const one = await api.call(desk.secret, 'DELETE', `/accounts/alice/sessions/${listed.sessions[0]!.handle}`);
    expect(one.json()).toEqual({ account: alice.id, ended: 1 });
    const [logout] = await receiver.received(1);
    expect(logout!.method).toBe('POST');
    expect(decodeURIComponent(logout!.body)).toMatch(/<samlp:SessionIndex>ST-[^<]+<\/samlp:SessionIndex>/);
    const endedTicket = /<samlp:SessionIndex>(ST-[^<]+)</.exec(decodeURIComponent(logout!.body))![1];
    expect([first, second]).toContain(endedTicket);

    const rest = await api.call(desk.secret, 'DELETE', '/accounts/alice/sessions');
    expect(rest.json()).toEqual({ account: alice.id, ended: 1 });
    const both = await receiver.received(2);
    expect(both.map((r) => /<samlp:SessionIndex>(ST-[^<]+)</.exec(decodeURIComponent(r.body))![1]).sort()).toEqual([first, second].sort());
    expect(await api.wecas.tickets.sessionsOf(alice.id)).toEqual([]);
    const gone = await api.call(desk.secret, 'DELETE', `/accounts/alice/sessions/${listed.sessions[0]!.handle}`);
    expect(gone.json()).toEqual({
      error: 'not_found',
      reason: 'no_such_session',
      message: `alice has no live session ${listed.sessions[0]!.handle}`,
    });
    expect((await auditEvents(api.wecas, 'user.sessions_ended')).map((e) => [e.userId, e.detail])).toEqual([
      [alice.id, { via: 'api', sessions: 1, admin: desk.userId }],
      [alice.id, { via: 'api', sessions: 1, admin: desk.userId }],
    ]);
  });

  it('unlinks WeChat and WeCom (helpdesk), each audited naming the operator', async () => {
    const shown = (await api.call(desk.secret, 'GET', '/accounts/alice')).json() as { wechat: Array<{ id: string }>; wecom: Array<{ id: string }> };
    const wechat = await api.call(desk.secret, 'DELETE', `/accounts/alice/wechat/${shown.wechat[0]!.id}`);
    expect(wechat.json()).toEqual({ account: alice.id, appId: APP, openid: 'o-alice', stillSignsIn: true });
    expect(await api.wecas.identities.findWeChat({ appId: APP, openid: 'o-alice' })).toBeUndefined();
    const wecom = await api.call(desk.secret, 'DELETE', `/accounts/alice/wecom/${shown.wecom[0]!.id}`);
    expect(wecom.json()).toEqual({ account: alice.id, corpId: 'ww-corp', userid: 'T0001' });
    expect(await api.wecas.identities.findWeCom('ww-corp', 'T0001')).toBeUndefined();
    const again = await api.call(desk.secret, 'DELETE', `/accounts/alice/wecom/${shown.wecom[0]!.id}`);
    expect({ status: again.statusCode, error: again.json().error }).toEqual({ status: 404, error: 'not_found' });
    expect((await auditEvents(api.wecas, 'wechat.unbound')).map((e) => e.detail)).toEqual([{ appId: APP, via: 'api', admin: desk.userId }]);
    expect((await auditEvents(api.wecas, 'wecom.unbound')).map((e) => e.detail)).toEqual([
      { corpId: 'ww-corp', userid: 'T0001', via: 'api', admin: desk.userId },
    ]);
  });

  it('disables (ending sessions with single logout) and enables an account; resets a password for activation', async () => {
    await signedIn();
    const disabled = await api.call(admin.secret, 'POST', '/accounts/alice/disable');
    expect(disabled.json()).toMatchObject({ changed: true, sessionsEnded: 1, account: { status: 'disabled', liveSessions: 0 } });
    await receiver.received(1);
    expect((await api.wecas.users.findById(alice.id))?.status).toBe('disabled');
    expect((await api.call(admin.secret, 'POST', '/accounts/alice/enable')).json()).toMatchObject({ changed: true, account: { status: 'active' } });

    await signedIn();
    const reset = await api.call(admin.secret, 'POST', '/accounts/alice/password-reset');
    expect(reset.json()).toEqual({ account: alice.id, ended: 1 });
    await receiver.received(2);
    expect(await api.wecas.users.findById(alice.id)).toMatchObject({ hasPassword: false, status: 'active' });

    const phoneless = await api.wecas.users.create({ username: 'bob', password: 'pw-bob-1' });
    const refused = await api.call(admin.secret, 'POST', '/accounts/bob/password-reset');
    expect({ status: refused.statusCode, body: refused.json() }).toEqual({
      status: 409,
      body: { error: 'refused', reason: 'no_phone_to_activate', message: 'bob has no phone to activate with: it could not set a new password' },
    });
    expect((await api.wecas.users.findById(phoneless.id))?.hasPassword).toBe(true);

    const named = async (type: string) => (await auditEvents(api.wecas, type)).map((e) => [e.userId, e.detail.admin, e.detail.via]);
    expect(await named('user.disabled')).toEqual([[alice.id, admin.userId, 'api']]);
    expect(await named('user.enabled')).toEqual([[alice.id, admin.userId, 'api']]);
    expect(await named('user.password_cleared')).toEqual([[alice.id, admin.userId, 'api']]);
  });
});
