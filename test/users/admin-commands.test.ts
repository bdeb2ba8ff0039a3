// The administration commands (`wecas user add|rename|link-wechat|unlink-wechat|merge|delete`), run in process against
// the whole of wecas on a SQLite file and on PostgreSQL: what they print, and what they leave in the database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryAuditEvents } from '../../src/audit/queries.js';
import type { WeChatProfileSnapshot } from '../../src/users/identities.js';
import type { User } from '../../src/users/types.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { type Cli, cliBackends, openCli } from './cli-harness.js';

const PROFILE: WeChatProfileSnapshot = { nickname: '神秘博士', headimgurl: '', sex: 0, province: '', city: '', country: 'CN' };
const APP = 'wx-main-app';
const USAGE_LINES = Array.from({ length: 14 }, () => expect.any(String));

describe.each(await cliBackends())('wecas user administration on $name', (backend) => {
  let cli: Cli;
  let drop: () => Promise<void>;
  let receiver: Receiver;
  let app: string;
  let serviceId: number;

  beforeEach(async () => {
    const database = await backend.database();
    drop = database.drop;
    cli = await openCli(database.url, { WECHAT_APP_ID: APP, WECHAT_APP_SECRET: 'test-secret' });
    receiver = await startReceiver();
    app = `${receiver.origin}/app`;
    serviceId = (await cli.wecas.services.add({ name: 'app', pattern: app, matchType: 'prefix', evaluationOrder: 1, logoutType: 'back-channel' })).id;
  });
  afterEach(async () => {
    await cli.close();
    await receiver.close();
    await drop();
  });

  async function run(...args: string[]): Promise<{ code: number; lines: string[] }> {
    cli.lines.length = 0;
    cli.clock.advance(1000); // each command's audit events later than the last's
    const code = await cli.run(...args);
    return { code, lines: [...cli.lines] };
  }

  /** An account made by a first WeChat scan, bound by its phone: no login name, no password. */
  async function wechatMade(phone: string, openid: string): Promise<User> {
    const bound = await cli.wecas.binding.byPhone({ phone, subject: { appId: APP, openid }, profile: PROFILE });
    if (!bound.ok) throw new Error(bound.reason);
    return bound.user;
  }

  /** A live session of the user with a ticket granted to the back-channel service: its end reaches the receiver. */
  async function signedIn(user: User): Promise<string> {
    const tgt = await cli.wecas.sessions.start({
      userId: user.id,
      principal: user.username ?? user.id,
      method: 'password',
      authTime: cli.clock.now(),
    });
    return (await cli.wecas.sessions.grantServiceTicket(tgt, { url: app, id: serviceId }, true)).id;
  }

  const auditTypes = async (userId: string) => (await queryAuditEvents(cli.wecas.db, { userId, limit: 50 })).map((e) => e.type).reverse();
  const linksOf = async (userId: string) => (await cli.wecas.identities.listForUser(userId)).map((l) => `${l.appId}/${l.openid}`);

  it('adds an account without a password, and repairs a WeChat-made account by naming it', async () => {
    expect(await run('add', 'carol', '--name', 'Carol')).toEqual({
      code: 0,
      lines: [expect.stringMatching(/^Added user carol \(id [0-9a-f-]{36}\): name "Carol", no password\.$/)],
    });
    expect(await cli.wecas.users.findByUsername('carol')).toMatchObject({ hasPassword: false, status: 'active' });

    const made = await wechatMade('+8613912345678', 'o-dwho');
    expect(await run('add', 'dwho', '--phone', '139 1234 5678')).toEqual({
      code: 1,
      lines: [
        'error: another user already has this phone: +8613912345678 belongs to +8613912345678.',
        'That account has no login name (made by WeChat or SMS sign-in): name it with `wecas user rename +8613912345678 dwho`.',
      ],
    });
    expect(await cli.wecas.users.findByUsername('dwho')).toBeNull();

    expect(await run('rename', '+8613912345678', 'DWho')).toEqual({
      code: 0,
      lines: ['Renamed +8613912345678 to dwho. Live sessions keep the name they signed in with; applications see dwho from the next sign-in.'],
    });
    expect(await cli.wecas.users.findByUsername('dwho')).toMatchObject({ id: made.id, phone: '+8613912345678', displayName: '神秘博士' });
    expect(await linksOf(made.id)).toEqual([`${APP}/o-dwho`]);
    expect(await run('rename', 'dwho', 'carol')).toEqual({ code: 1, lines: ['error: another user already has this username'] });
    expect(await run('rename', 'dwho', 'bad name')).toEqual({ code: 1, lines: [expect.stringMatching(/^error: a username is 1 to 64 characters/)] });
    expect(await run('rename', 'nobody', 'x')).toEqual({ code: 1, lines: ['error: no user "nobody"'] });
    expect(await auditTypes(made.id)).toEqual(['user.renamed']);
    const [renamed] = await queryAuditEvents(cli.wecas.db, { userId: made.id, type: 'user.renamed', limit: 1 });
    expect(renamed?.detail).toEqual({ via: 'cli', from: null, to: 'dwho' });
  });

  it('links and unlinks WeChat accounts, one per app, and refuses a WeChat account linked elsewhere', async () => {
    const alice = await cli.wecas.users.create({ username: 'alice', password: 'pw-alice' });
    const bob = await cli.wecas.users.create({ username: 'bob' });

    expect(await run('link-wechat', 'alice', '--openid', 'o-1')).toEqual({
      code: 0,
      lines: [`Linked WeChat account o-1 (app ${APP}) to alice: scanning with it signs in as alice.`],
    });
    expect((await cli.wecas.identities.findWeChat({ appId: APP, openid: 'o-1' }))?.userId).toBe(alice.id);
    expect(await run('link-wechat', 'alice', '--openid', 'o-1')).toEqual({
      code: 0,
      lines: [`WeChat account o-1 (app ${APP}) is already linked to alice.`],
    });
    expect(await run('link-wechat', 'bob', '--openid', 'o-1')).toEqual({
      code: 1,
      lines: ['error: this WeChat account is already linked to alice: unlink it there first, or merge the two accounts'],
    });
    expect(await run('link-wechat', 'alice', '--openid', 'o-2')).toEqual({
      code: 1,
      lines: [`error: alice already has a WeChat account of app ${APP} (openid o-1): unlink it first, one per app`],
    });
    expect(await run('link-wechat', 'alice', '--openid', 'o-3', '--app', 'wx-other', '--unionid', 'u-alice')).toMatchObject({ code: 0 });
    expect(await run('link-wechat', 'bob', '--openid', 'o-4', '--app', 'wx-third', '--unionid', 'u-alice')).toEqual({
      code: 1,
      lines: ['error: its unionid u-alice is already linked to alice: unlink it there first, or merge the two accounts'],
    });
    expect(await run('link-wechat', 'alice')).toMatchObject({ code: 2, lines: ['error: --openid is required', 'usage:', ...USAGE_LINES] });
    expect(await linksOf(alice.id)).toEqual([`${APP}/o-1`, 'wx-other/o-3']);
    expect(await linksOf(bob.id)).toEqual([]);

    expect(await run('unlink-wechat', 'alice')).toEqual({ code: 1, lines: ['error: alice has 2 WeChat links: name one with --openid (o-1, o-3)'] });
    expect(await run('unlink-wechat', 'alice', '--openid', 'o-9')).toEqual({ code: 1, lines: ['error: alice has no WeChat link with openid o-9'] });
    expect(await run('unlink-wechat', 'alice', '--openid', 'o-1')).toEqual({
      code: 0,
      lines: [`Unlinked WeChat account o-1 (app ${APP}) from alice.`],
    });
    expect(await run('unlink-wechat', 'alice')).toEqual({ code: 0, lines: ['Unlinked WeChat account o-3 (app wx-other) from alice.'] });
    expect(await run('unlink-wechat', 'alice')).toEqual({ code: 1, lines: ['error: alice has no WeChat link'] });

    // bob has neither a password nor a phone: unlinking his only WeChat account leaves him no way in, and says so.
    await run('link-wechat', 'bob', '--openid', 'o-1');
    expect(await run('unlink-wechat', 'bob')).toEqual({
      code: 0,
      lines: [
        `Unlinked WeChat account o-1 (app ${APP}) from bob.`,
        'warning: bob has no password, phone or other WeChat link left: nobody can sign in to it until it gets one.',
      ],
    });
    expect(await auditTypes(alice.id)).toEqual(['wechat.bound', 'wechat.bound', 'wechat.unbound', 'wechat.unbound']);
    const [unbound] = await queryAuditEvents(cli.wecas.db, { userId: bob.id, type: 'wechat.unbound', limit: 1 });
    expect(unbound?.detail).toEqual({ appId: APP, via: 'cli' });
  });

  it('merges a WeChat-made account into the person’s named account: links, phone and name move, its sessions end', async () => {
    const dwho = await cli.wecas.users.create({ username: 'dwho', password: 'pw-dwho', attributes: { memberOf: ['staff'] } });
    const made = await wechatMade('+8613912345678', 'o-dwho');
    await cli.wecas.users.update(made.id, { attributes: { memberOf: ['ignored'], mail: ['dwho@example.cn'] } });
    const ticket = await signedIn(made);
    await signedIn(dwho);

    expect(await run('merge', '13912345678', 'dwho')).toEqual({
      code: 0,
      lines: [
        'Merged +8613912345678 into dwho: moved 1 WeChat link, phone +8613912345678, name "神秘博士", attributes mail.',
        'Deleted +8613912345678; ended 1 sign-in session of it; their applications were told.',
      ],
    });
    expect(await cli.wecas.users.findById(made.id)).toBeNull();
    expect(await cli.wecas.users.findById(dwho.id)).toMatchObject({
      username: 'dwho',
      phone: '+8613912345678',
      displayName: '神秘博士',
      attributes: { memberOf: ['staff'], mail: ['dwho@example.cn'] },
      hasPassword: true,
    });
    expect((await cli.wecas.identities.findWeChat({ appId: APP, openid: 'o-dwho' }))?.userId).toBe(dwho.id);
    expect(await cli.wecas.sessions.sessionsOf(made.id)).toEqual([]);
    expect(await cli.wecas.sessions.sessionsOf(dwho.id)).toHaveLength(1);
    expect(receiver.requests.map((r) => decodeURIComponent(r.body))).toEqual([expect.stringContaining(ticket)]);
    const [merged] = await queryAuditEvents(cli.wecas.db, { userId: dwho.id, type: 'user.merged', limit: 1 });
    expect(merged?.detail).toEqual({ via: 'cli', from: made.id, fromName: '+8613912345678', wechat: 1, phone: '+86139****5678', sessions: 1 });
    expect(await auditTypes(made.id)).toEqual(['slo.sent']); // its own events stay under its id
  });

  it('refuses a merge that would give one account two WeChat accounts of one app, and merging an account with itself', async () => {
    const dwho = await cli.wecas.users.create({ username: 'dwho', password: 'pw-dwho' });
    await run('link-wechat', 'dwho', '--openid', 'o-old');
    const made = await wechatMade('+8613912345678', 'o-new');
    expect(await run('merge', '+8613912345678', 'dwho')).toEqual({
      code: 1,
      lines: [
        `error: both accounts have a WeChat account of app ${APP} (+8613912345678: openid o-new; dwho: openid o-old), and an account has one per app: unlink one of them first`,
      ],
    });
    expect(await cli.wecas.users.findById(made.id)).not.toBeNull();
    expect(await linksOf(dwho.id)).toEqual([`${APP}/o-old`]);
    expect(await run('merge', 'dwho', dwho.id)).toEqual({ code: 1, lines: [`error: "dwho" and "${dwho.id}" are the same account, dwho`] });
    expect(await run('merge', 'dwho')).toMatchObject({ code: 2, lines: ['error: missing <into account>', 'usage:', ...USAGE_LINES] });
  });

  it('keeps what the target already has, and says what is not kept', async () => {
    await cli.wecas.users.create({ username: 'old', phone: '+8613800000001', password: 'pw-old', displayName: 'Old' });
    await cli.wecas.users.create({ username: 'new', phone: '+8613800000002', displayName: 'New' });
    expect(await run('merge', 'old', 'new')).toEqual({
      code: 0,
      lines: [
        'Merged old into new: moved nothing.',
        'Not kept (new has its own, or cannot hold it): phone +8613800000001 (new keeps +8613800000002), login name old, password.',
        'Deleted old; ended 0 sign-in sessions of it.',
      ],
    });
    expect(await cli.wecas.users.findByPhone('+8613800000001')).toBeNull();
  });

  it('deletes an account: its links go, its sessions end with single logout, its audit events stay under a pseudonym', async () => {
    await run('add', 'alice', '--password', 'pw-alice');
    const alice = (await cli.wecas.users.findByUsername('alice'))!;
    await run('link-wechat', 'alice', '--openid', 'o-alice');
    const ticket = await signedIn(alice);
    const result = await run('delete', 'alice');
    expect(result).toEqual({
      code: 0,
      lines: [
        'Deleted alice and its 1 WeChat link; ended 1 sign-in session; their applications were told. Its audit events are kept.',
        expect.stringMatching(
          /^They now carry the pseudonym deleted-\w{20}, without its name, number or login name \(wecas audit --user deleted-\w{20}\)\.$/,
        ),
      ],
    });
    const pseudonym = /deleted-\w{20}/.exec(String(result.lines[1]))![0];
    expect(await cli.wecas.users.findById(alice.id)).toBeNull();
    expect(await cli.wecas.identities.findWeChat({ appId: APP, openid: 'o-alice' })).toBeUndefined();
    expect(await cli.wecas.sessions.sessionsOf(alice.id)).toEqual([]);
    await cli.wecas.singleLogout.settled();
    expect(receiver.requests.map((r) => decodeURIComponent(r.body))).toEqual([expect.stringContaining(ticket)]);
    expect(await auditTypes(alice.id)).toEqual([]);
    expect((await auditTypes(pseudonym)).sort()).toEqual(['slo.sent', 'user.added', 'user.deleted', 'wechat.bound']);
    const [deleted] = await queryAuditEvents(cli.wecas.db, { userId: pseudonym, type: 'user.deleted', limit: 1 });
    expect(deleted?.detail).toEqual({ via: 'cli', wechat: 1, wecom: 0, sessions: 1 });
    const [added] = await queryAuditEvents(cli.wecas.db, { userId: pseudonym, type: 'user.added', limit: 1 });
    expect(added?.detail).toEqual({ via: 'cli', password: true });
    expect(await run('delete', 'alice')).toEqual({ code: 1, lines: ['error: no user "alice"'] });
  });

  it('removes the authenticator app and recovery codes of a person who lost both, and says when there is none', async () => {
    const alice = await cli.wecas.users.create({ username: 'alice', password: 'pw-alice-admin-1' });
    await cli.wecas.db
      .insertInto('second_factors')
      .values({ user_id: alice.id, totp_secret: 'sealed', totp_last_step: null, created_at: cli.clock.now() })
      .execute();
    await cli.wecas.db
      .insertInto('recovery_codes')
      .values(['a', 'b', 'c'].map((code) => ({ user_id: alice.id, code_hash: code })))
      .execute();
    expect(await run('reset-second-factor', 'alice')).toEqual({
      code: 0,
      lines: ['Removed the authenticator app of alice and its 3 unused recovery codes: it can set up a new one on its account page.'],
    });
    expect(await cli.wecas.db.selectFrom('second_factors').select('user_id').where('user_id', '=', alice.id).execute()).toEqual([]);
    expect(await cli.wecas.db.selectFrom('recovery_codes').select('user_id').where('user_id', '=', alice.id).execute()).toEqual([]);
    expect(await auditTypes(alice.id)).toContain('mfa.disabled');
    expect(await run('reset-second-factor', 'alice')).toEqual({ code: 1, lines: ['error: alice has no authenticator app set up'] });
  });

  it('records every administrator action in the audit log', async () => {
    await run('add', 'erin', '--password', 'pw-erin');
    await run('passwd', 'erin', '--password', 'pw-erin-2');
    await run('disable', 'erin');
    await run('enable', 'erin');
    const erin = (await cli.wecas.users.findByUsername('erin'))!;
    expect(await auditTypes(erin.id)).toEqual(['user.added', 'user.password_set', 'user.disabled', 'user.enabled']);
    const events = await queryAuditEvents(cli.wecas.db, { userId: erin.id, limit: 10 });
    expect(events.every((e) => e.detail.via === 'cli')).toBe(true);
    expect(events.find((e) => e.type === 'user.added')?.detail).toEqual({ via: 'cli', username: 'erin', password: true });
  });
});

describe('wecas user where the server keeps sessions in its own memory', () => {
  it('says that the server, not the command, ends the sessions', async () => {
    const [sqliteFile] = await cliBackends();
    const database = await sqliteFile!.database();
    const cli = await openCli(database.url, { TICKET_REGISTRY: 'memory' });
    try {
      await cli.wecas.users.create({ username: 'alice', password: 'pw-alice' });
      expect(await cli.run('disable', 'alice')).toBe(0);
      expect(cli.lines).toEqual([
        'Disabled alice: they can no longer sign in.',
        'Ended 0 sign-in sessions of alice.',
        'note: the server keeps its sessions in its own memory (TICKET_REGISTRY=memory), out of reach here: it ends them itself within DIRECTORY_RECHECK_SECONDS.',
      ]);
    } finally {
      await cli.close();
      await database.drop();
    }
  });
});
