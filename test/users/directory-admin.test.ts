// `wecas user …` on accounts of a directory (the sql directory over an existing `people` table in a SQLite file):
// WeChat links, merges and the rest hang on the wecas record of the directory account, made when first needed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { principalOf } from '../../src/directories/principal.js';
import type { User } from '../../src/users/types.js';
import type { WeChatClient } from '../../src/wechat/client.js';
import { createPeopleFile, hashes, PEOPLE_QUERIES, type SqliteFile } from '../directories/sql-fixtures.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { type Cli, cliBackends, openCli } from './cli-harness.js';

const APP = 'wx-main-app';

/** The codes this fake WeChat handed out, and whose they are (a code is letters and digits, as WeChat's). */
const codes = new Map<string, string>();
function codeFor(openid: string): string {
  const code = `c0de${codes.size}x${'0'.repeat(16)}`;
  codes.set(code, openid);
  return code;
}

/** WeChat as far as a sign-in needs it: a code from `codeFor` is that person's, with a nickname. */
const fakeWeChat: WeChatClient = {
  appId: APP,
  openOrigin: 'https://open.weixin.qq.com',
  authorizeUrl: () => 'https://open.weixin.qq.com/connect/qrconnect',
  officialAccountAuthorizeUrl: () => 'https://open.weixin.qq.com/connect/oauth2/authorize',
  embedSettings: () => ({ scriptUrl: '', iframeUrl: '', origin: 'https://open.weixin.qq.com' }),
  exchangeCode: async (code) => ({
    accessToken: `at-${code}`,
    expiresIn: 7200,
    refreshToken: 'rt',
    openid: codes.get(code) ?? 'unknown',
    scope: 'snsapi_login',
  }),
  refresh: async () => {
    throw new Error('not used');
  },
  checkToken: async () => true,
  userInfo: async (_token, openid) => ({
    openid,
    nickname: `微信 ${openid}`,
    sex: 0,
    province: '',
    city: '',
    country: 'CN',
    headimgurl: '',
    privilege: [],
  }),
};
const USAGE_LINES = Array.from({ length: 14 }, () => expect.any(String));

let people: SqliteFile;

beforeAll(async () => {
  const row = { email: null, groups: ['staff'], active: true };
  people = createPeopleFile([
    { ...row, login: 'zhangsan', passwordHash: hashes.pbkdf2('pw-zhangsan'), name: '张三', mobile: '+86 13700000001' },
    { ...row, login: 'lisi', passwordHash: hashes.pbkdf2('pw-lisi'), name: '李四', mobile: null },
  ]);
});
afterAll(() => people?.cleanup());

const [sqliteFile] = await cliBackends();

describe('wecas user on the accounts of a sql directory', () => {
  let cli: Cli;
  let drop: () => Promise<void>;
  let sms: CapturingSmsSender;

  beforeEach(async () => {
    const database = await sqliteFile!.database();
    drop = database.drop;
    sms = new CapturingSmsSender();
    cli = await openCli(
      database.url,
      {
        WECHAT_APP_ID: APP,
        WECHAT_APP_SECRET: 'test-secret',
        DIRECTORIES: 'local,sql',
        SQL_DIRECTORY_NAME: 'hr',
        SQL_DIRECTORY_DATABASE_URL: people.url,
        SQL_DIRECTORY_BY_LOGIN_QUERY: PEOPLE_QUERIES.byLogin,
        SQL_DIRECTORY_BY_PHONE_QUERY: PEOPLE_QUERIES.byPhone ?? '',
        SQL_DIRECTORY_PHONE_PARAMETER: 'e164',
        SQL_DIRECTORY_GROUPS_FORMAT: 'json',
      },
      { smsSender: sms, wechatClient: fakeWeChat },
    );
  });
  afterEach(async () => {
    await cli.close();
    await drop();
  });

  async function run(...args: string[]): Promise<{ code: number; lines: string[] }> {
    cli.lines.length = 0;
    cli.clock.advance(1000);
    const code = await cli.run(...args);
    return { code, lines: [...cli.lines] };
  }

  const record = () => cli.wecas.users.findByDirectoryId('hr', 'zhangsan');

  async function wechatMade(phone: string, openid: string): Promise<User> {
    const profile = { nickname: '微信用户', headimgurl: '', sex: 0, province: '', city: '', country: '' };
    const bound = await cli.wecas.binding.byPhone({ phone, subject: { appId: APP, openid }, profile });
    if (!bound.ok) throw new Error(bound.reason);
    // As the binding step of a WeChat sign-in leaves it: the number proved by its code.
    await cli.wecas.users.markPhoneProved(bound.user.id, phone);
    return bound.user;
  }

  it('links and unlinks WeChat to a directory account by its login, making its wecas record when first needed', async () => {
    expect(await record()).toBeNull();
    expect(await run('link-wechat', 'ZhangSan', '--openid', 'o-zs')).toEqual({
      code: 0,
      lines: [`Linked WeChat account o-zs (app ${APP}) to zhangsan (hr): scanning with it signs in as zhangsan (hr).`],
    });
    const made = (await record())!;
    expect(made).toMatchObject({ directory: 'hr', directoryId: 'zhangsan', username: null, displayName: '张三', hasPassword: false });
    expect((await cli.wecas.identities.findWeChat({ appId: APP, openid: 'o-zs' }))?.userId).toBe(made.id);
    expect(await cli.wecas.accounts.accountOf(made)).toMatchObject({ directory: 'hr', login: 'zhangsan', phone: '+8613700000001' });

    expect((await run('list')).lines).toEqual([
      expect.stringMatching(/^USERNAME +PHONE +NAME +STATUS +PASSWORD +DIRECTORY +CREATED/),
      expect.stringMatching(/^- +- +张三 +active +no +hr zhangsan +2026-11-25/),
      '1 user shown.',
    ]);

    // Scanning with that WeChat account now signs in as zhangsan, the 学号 applications see; the scan fills in the profile.
    const wechat = cli.wecas.wechat!;
    const state = await wechat.identification.begin('browser-1', {
      purpose: 'login',
      request: { service: undefined, ticketParam: 'ticket', renew: false, gateway: false, method: 'GET' },
    });
    const scanned = await wechat.authenticator.authenticate(
      { state, code: codeFor('o-zs'), lang: 'zh_CN' },
      { client: { ip: '192.0.2.1', userAgent: null }, browserId: 'browser-1' },
    );
    if (scanned.kind !== 'authenticated') throw new Error(`WeChat sign-in not authenticated: ${JSON.stringify(scanned)}`);
    expect(scanned.user.id).toBe(made.id);
    expect(principalOf(scanned.user, scanned.account).id).toBe('zhangsan');
    expect((await cli.wecas.identities.listForUser(made.id)).map((l) => l.profile.nickname)).toEqual(['微信 o-zs']);

    // Its phone in the directory names it too; a directory account keeps its way in (its password) without WeChat.
    expect(await run('unlink-wechat', '13700000001')).toEqual({ code: 0, lines: [`Unlinked WeChat account o-zs (app ${APP}) from zhangsan (hr).`] });
    expect(await cli.wecas.identities.listForUser(made.id)).toEqual([]);
  });

  it('refuses what the directory keeps, and what wecas holds nothing of', async () => {
    expect(await run('delete', 'lisi')).toEqual({ code: 1, lines: ['error: lisi (hr) has never signed in: wecas holds nothing of it'] });
    expect(await run('unlink-wechat', 'lisi')).toEqual({ code: 1, lines: ['error: lisi (hr) has never signed in: wecas holds nothing of it'] });
    await run('link-wechat', 'zhangsan', '--openid', 'o-zs');
    expect(await run('rename', 'zhangsan', 'zs')).toEqual({
      code: 1,
      lines: ['error: zhangsan (hr) is an account of the hr directory: its login name is kept there'],
    });
    expect(await run('passwd', 'zhangsan', '--password', 'x')).toEqual({
      code: 1,
      lines: ['error: zhangsan (hr) is an account of the hr directory: its password is kept there'],
    });
    expect(await run('add', 'zhangsan', '--directory', 'hr')).toEqual({ code: 1, lines: ['error: zhangsan (hr) already has its wecas record'] });
    expect(await run('add', 'LiSi', '--password', 'pw')).toEqual({
      code: 1,
      lines: ['error: lisi (hr) is an account of the hr directory: add --directory hr to make its wecas record instead'],
    });
    await cli.wecas.users.create({ username: 'wang', password: 'pw-wang' });
    expect(await run('rename', 'wang', 'LISI')).toEqual({
      code: 1,
      lines: ['error: lisi (hr) is an account of the hr directory: a wecas account cannot take its login'],
    });
    expect(await run('add', 'nobody', '--directory', 'hr')).toEqual({ code: 1, lines: ['error: the hr directory has no account "nobody"'] });
    expect(await run('add', 'lisi', '--directory', 'ldap')).toEqual({ code: 1, lines: ['error: no directory "ldap": DIRECTORIES names local, hr'] });
    expect(await run('add', 'lisi', '--directory', 'hr', '--password', 'x')).toEqual({
      code: 1,
      lines: ['error: the password of a hr account is kept by hr'],
    });
    expect(await run('add', 'lisi', '--directory', 'hr')).toEqual({
      code: 0,
      lines: [expect.stringMatching(/^Added the wecas record of lisi \(hr\) \(id [0-9a-f-]{36}\): name "李四"\.$/)],
    });
    expect(await run('link-wechat', 'lisi')).toMatchObject({ code: 2, lines: ['error: --openid is required', 'usage:', ...USAGE_LINES] });
  });

  it('merges a WeChat-made account into a directory account: its links and phone move to the record, and sign-in by that phone finds it', async () => {
    const made = await wechatMade('+8613900000099', 'o-phone');
    const tgt = await cli.wecas.sessions.start({ userId: made.id, principal: made.id, method: 'wechat', authTime: cli.clock.now() });
    expect(await run('merge', '13900000099', 'zhangsan')).toEqual({
      code: 0,
      lines: [
        'Merged +8613900000099 into zhangsan (hr): moved 1 WeChat link, phone +8613900000099.',
        'Deleted +8613900000099; ended 1 sign-in session of it; their applications were told.',
      ],
    });
    const merged = (await record())!;
    expect(merged).toMatchObject({ phone: '+8613900000099', displayName: '张三', username: null });
    expect(await cli.wecas.users.findById(made.id)).toBeNull();
    expect(await cli.wecas.sessions.find(tgt.id)).toBeUndefined();
    expect((await cli.wecas.identities.findWeChat({ appId: APP, openid: 'o-phone' }))?.userId).toBe(merged.id);
    // The number is a phone binding of the directory account now: SMS sign-in and binding by phone find zhangsan.
    expect(await cli.wecas.accounts.findByPhone('+8613900000099')).toMatchObject({ directory: 'hr', login: 'zhangsan' });
    expect(await cli.wecas.sms.codes.send({ phone: '13900000099', ip: '192.0.2.1', purpose: 'login', browser: 'browser-1' })).toMatchObject({
      ok: true,
    });
    const code = sms.lastCodeFor('+8613900000099')!;
    const signedIn = await cli.wecas.smsCode.authenticate(
      { phone: '13900000099', code },
      { client: { ip: '192.0.2.1', userAgent: null }, browserId: undefined },
    );
    if (signedIn.kind !== 'authenticated') throw new Error(`SMS sign-in refused: ${JSON.stringify(signedIn)}`);
    expect(signedIn.user.id).toBe(merged.id);
    expect(principalOf(signedIn.user, signedIn.account).id).toBe('zhangsan'); // the CAS user applications see

    // A second WeChat-made account with a WeChat account of the same app cannot be merged in: one per app.
    await wechatMade('+8613900000098', 'o-other');
    expect(await run('merge', '+8613900000098', 'zhangsan')).toEqual({
      code: 1,
      lines: [
        `error: both accounts have a WeChat account of app ${APP} (+8613900000098: openid o-other; zhangsan (hr): openid o-phone), and an account has one per app: unlink one of them first`,
      ],
    });

    // Disabling the directory account in wecas keeps it out, whatever the directory says, and ends its sessions.
    await cli.wecas.sessions.start({ userId: merged.id, principal: 'zhangsan', method: 'password', authTime: cli.clock.now() });
    expect(await run('disable', 'zhangsan')).toEqual({
      code: 0,
      lines: ['Disabled zhangsan (hr): they can no longer sign in.', 'Ended 1 sign-in session of zhangsan (hr); their applications were told.'],
    });
    expect(await cli.wecas.sessions.sessionsOf(merged.id)).toEqual([]);
    const outcome = await cli.wecas.password.authenticate(
      { username: 'zhangsan', password: 'pw-zhangsan' },
      { client: { ip: '127.0.0.1', userAgent: null }, browserId: undefined },
    );
    expect(outcome).toMatchObject({ kind: 'refused', reason: 'disabled' });
  });

  it('imports phones for directory accounts onto their records, and makes wecas accounts for the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wecas-import-'));
    try {
      const file = path.join(dir, 'phones.csv');
      writeFileSync(file, 'login,phone,memberOf\nZhangSan,13900000011,\nlisi,13900000012,library\nguest,13900000013,\n');
      await run('link-wechat', 'lisi', '--openid', 'o-lisi'); // lisi has a record already; zhangsan has none yet
      expect(await run('import', file)).toEqual({
        code: 0,
        lines: [
          '+ zhangsan (hr): phone +8613900000011',
          '+ guest: phone +8613900000013',
          '~ lisi (hr): phone (none) → +8613900000012, memberOf (none) → library',
          `Imported ${file}: 2 added, 1 updated, 0 unchanged. Accounts not in the file were left alone.`,
        ],
      });
      expect(await record()).toMatchObject({ directory: 'hr', username: null, phone: '+8613900000011', displayName: '张三' });
      expect(await cli.wecas.users.findByUsername('zhangsan')).toBeNull(); // no local copy of a directory account
      expect(await cli.wecas.users.findByUsername('guest')).toMatchObject({ directory: 'local', phone: '+8613900000013' });
      expect(await cli.wecas.accounts.findByPhone('+8613900000012')).toMatchObject({ directory: 'hr', login: 'lisi' });
      expect((await run('import', file)).lines).toEqual([
        `Imported ${file}: 0 added, 0 updated, 3 unchanged. Accounts not in the file were left alone.`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('while the directory cannot answer, names its accounts by wecas id, and still disables them', async () => {
    await run('link-wechat', 'zhangsan', '--openid', 'o-zs');
    const made = (await record())!;
    people.db.exec('alter table people rename to people_away');
    try {
      const byLogin = await run('disable', 'zhangsan');
      expect(byLogin.code).toBe(1);
      expect(byLogin.lines[0]).toMatch(/^error: directory hr is unavailable: /);
      expect(await run('disable', made.id)).toEqual({
        code: 0,
        lines: [
          'Disabled zhangsan (hr, unavailable now): they can no longer sign in.',
          'Ended 0 sign-in sessions of zhangsan (hr, unavailable now).',
        ],
      });
    } finally {
      people.db.exec('alter table people_away rename to people');
    }
    expect((await record())?.status).toBe('disabled');
  });

  it('deletes the record of a directory account, and says the account stays in its directory', async () => {
    await run('link-wechat', 'zhangsan', '--openid', 'o-zs');
    expect(await run('delete', 'zhangsan')).toEqual({
      code: 0,
      lines: [
        'Deleted zhangsan (hr) and its 1 WeChat link; ended 0 sign-in sessions. Its audit events are kept.',
        expect.stringMatching(/^They now carry the pseudonym deleted-\w{20}/),
        'The account stays in the hr directory: it gets a new wecas record if it signs in again (disable it to keep it out).',
      ],
    });
    expect(await record()).toBeNull();
    expect(await cli.wecas.identities.findWeChat({ appId: APP, openid: 'o-zs' })).toBeUndefined();
  });
});
