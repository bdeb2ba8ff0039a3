import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runToEnd } from '../../scripts/cluster/processes.js';
import { queryAuditEvents } from '../../src/audit/queries.js';
import { verifyPassword } from '../../src/users/password.js';
import type { UserStore } from '../../src/users/store.js';
import type { ManualClock } from '../support/clock.js';
import { startReceiver } from '../support/receiver.js';
import { type Cli, cliBackends, openCli } from './cli-harness.js';

describe.each(await cliBackends())('wecas user on $name', (backend) => {
  let cli: Cli;
  let drop: () => Promise<void>;
  let clock: ManualClock;
  let users: UserStore;
  let lines: string[];

  const run = async (...args: string[]) => {
    cli.lines = lines;
    return cli.run(...args);
  };

  beforeEach(async () => {
    const database = await backend.database();
    drop = database.drop;
    cli = await openCli(database.url);
    ({ clock } = cli);
    users = cli.wecas.users;
    lines = [];
  });
  afterEach(async () => {
    await cli.close();
    await drop();
  });

  it('adds a user with a mainland phone, a display name and multi-valued attributes', async () => {
    const code = await run(
      'add',
      'Alice',
      '--password',
      's3cret',
      '--phone',
      '138 1234 5678',
      '--name',
      '王爱丽',
      '--attr',
      'mail=alice@example.cn',
      '--attr',
      'memberOf=staff',
      '--attr',
      'memberOf=library',
      '--attr',
      'note=a=b',
    );
    expect(code).toBe(0);
    const alice = await users.findByUsername('alice');
    expect(alice).toMatchObject({
      username: 'alice',
      phone: '+8613812345678',
      displayName: '王爱丽',
      attributes: { mail: ['alice@example.cn'], memberOf: ['staff', 'library'], note: ['a=b'] },
      hasPassword: true,
    });
    expect(lines).toEqual([`Added user alice (id ${alice?.id}): phone +8613812345678, name "王爱丽".`]);
    const found = await users.findForSignIn('alice');
    expect(await verifyPassword(found?.passwordHash ?? '', 's3cret')).toBe(true);
  });

  it.each([
    [['add', '--password', 'pw'], 'missing <login>'],
    [['add', 'alice', 'bob', '--password', 'pw'], 'unexpected argument "bob"'],
    [['add', 'alice', '--pasword', 'pw'], "Unknown option '--pasword'"],
    [['add', 'alice', '--password', 'pw', '--attr', 'novalue'], '--attr "novalue" must look like key=value'],
    [['list', '--limit', '0'], '--limit must be a whole number of at least 1'],
    [['disable'], 'missing <account>'],
    [['passwd', 'alice'], '--password is required'],
    [['frobnicate'], 'unknown user command "frobnicate"'],
    [[], 'missing user command'],
  ])('exits 2 with usage for %j', async (args, message) => {
    expect(await run(...args)).toBe(2);
    expect(lines[0]?.startsWith(`error: ${message}`), lines[0]).toBe(true);
    expect(lines).toContain('usage:');
    expect(await users.list()).toEqual([]);
  });

  it('exits 1 for a bad username or phone, or a username or phone already taken', async () => {
    expect(await run('add', 'bad name', '--password', 'pw')).toBe(1);
    expect(lines.pop()).toMatch(/^error: a username is 1 to 64 characters/);
    expect(await run('add', 'alice', '--password', 'pw', '--phone', '01012345678')).toBe(1);
    expect(lines.pop()).toBe('error: +861012345678 is not a mobile number: it cannot receive SMS codes');
    expect(await run('add', 'alice', '--password', 'pw', '--phone', '12345')).toBe(1);
    expect(lines.pop()).toMatch(/^error: "12345" is not a valid phone number/);
    expect(await users.list()).toEqual([]);
    await run('add', 'alice', '--password', 'pw', '--phone', '13812345678');
    expect(await run('add', 'ALICE', '--password', 'pw')).toBe(1);
    expect(lines.pop()).toBe('error: another user already has this username');
    lines.length = 0;
    expect(await run('add', 'bob', '--password', 'pw', '--phone', '+8613812345678')).toBe(1);
    expect(lines).toEqual([
      'error: another user already has this phone: +8613812345678 belongs to alice.',
      "If both are one person's, merge them: `wecas user merge <from> <into>`.",
    ]);
  });

  it('lists users in a table whose columns line up, Chinese names included', async () => {
    expect(await run('list')).toBe(0);
    expect(lines).toEqual(['No users.']);
    lines = [];
    await users.create({ username: 'alice', phone: '+8613812345678', password: 'pw', displayName: '王爱丽' });
    clock.advance(60_000);
    const bob = await users.create({ username: 'bob.smith', displayName: 'Bob' });
    await users.setStatus(bob.id, 'disabled');
    expect(await run('list')).toBe(0);
    expect(lines).toEqual([
      'USERNAME   PHONE           NAME    STATUS    PASSWORD  DIRECTORY  CREATED (UTC)',
      'alice      +8613812345678  王爱丽  active    yes       -          2026-11-25 09:30',
      'bob.smith  -               Bob     disabled  no        -          2026-11-25 09:31',
      '2 users shown.',
    ]);
  });

  it('shows control characters in names as escapes: a nickname cannot drive the terminal or shift the columns', async () => {
    await users.create({ username: 'alice', displayName: '\u001b[2J\u001b[31m红\u0007\u009b1m\u202e' });
    clock.advance(60_000);
    await users.create({ username: 'bob', displayName: 'Bob\tSmith' });
    expect(await run('list')).toBe(0);
    expect(lines.join(' ')).not.toMatch(/[\p{Cc}\u202e]/u);
    expect(lines.slice(0, 3)).toEqual([
      'USERNAME  PHONE  NAME                                       STATUS  PASSWORD  DIRECTORY  CREATED (UTC)',
      'alice     -      \\u001b[2J\\u001b[31m红\\u0007\\u009b1m\\u202e  active  no        -          2026-11-25 09:30',
      'bob       -      Bob\\u0009Smith                             active  no        -          2026-11-25 09:31',
    ]);
  });

  it('pages a long list', async () => {
    for (const username of ['u1', 'u2', 'u3']) {
      await users.create({ username });
      clock.advance(1000);
    }
    expect(await run('list', '--limit', '2')).toBe(0);
    expect(lines.at(-1)).toBe('2 users shown; more with --offset 2.');
    lines = [];
    expect(await run('list', '--limit', '2', '--offset', '2')).toBe(0);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^u3 /), '1 user shown.']);
  });

  it('disables and enables a user', async () => {
    await users.create({ username: 'alice', password: 'pw' });
    expect(await run('disable', 'Alice')).toBe(0);
    expect((await users.findByUsername('alice'))?.status).toBe('disabled');
    expect(await run('disable', 'alice')).toBe(0);
    expect(await run('enable', 'alice')).toBe(0);
    expect((await users.findByUsername('alice'))?.status).toBe('active');
    expect(lines).toEqual([
      'Disabled alice: they can no longer sign in.',
      'Ended 0 sign-in sessions of alice.',
      'alice is already disabled.',
      'Enabled alice.',
    ]);
  });

  it('disabling a user ends their live sessions with single logout, and records it in the audit log', async () => {
    const receiver = await startReceiver();
    try {
      const app = `${receiver.origin}/app`;
      const service = await cli.wecas.services.add({
        name: 'app',
        pattern: app,
        matchType: 'prefix',
        evaluationOrder: 1,
        logoutType: 'back-channel',
      });
      const alice = await users.create({ username: 'alice', password: 'pw' });
      const bob = await users.create({ username: 'bob', password: 'pw' });
      const { sessions } = cli.wecas;
      const start = (userId: string, principal: string) => sessions.start({ userId, principal, method: 'password', authTime: clock.now() });
      const laptop = await start(alice.id, 'alice');
      await start(alice.id, 'alice');
      await start(bob.id, 'bob');
      const st = await sessions.grantServiceTicket(laptop, { url: app, id: service.id }, true);

      expect(await run('disable', 'alice')).toBe(0);
      expect(lines).toEqual(['Disabled alice: they can no longer sign in.', 'Ended 2 sign-in sessions of alice; their applications were told.']);
      expect(await sessions.sessionsOf(alice.id)).toEqual([]);
      expect(await sessions.sessionsOf(bob.id)).toHaveLength(1);
      expect(receiver.requests).toHaveLength(1);
      expect(decodeURIComponent(receiver.requests[0]!.body)).toContain(`<samlp:SessionIndex>${st.id}</samlp:SessionIndex>`);
      const events = await queryAuditEvents(cli.wecas.db, { userId: alice.id, limit: 10 });
      expect(events.map((e) => [e.type, e.detail])).toEqual(
        expect.arrayContaining([
          ['user.disabled', { via: 'cli', sessions: 2 }],
          ['slo.sent', expect.objectContaining({ service: app, status: 200 })],
        ]),
      );

      lines.length = 0;
      await start(alice.id, 'alice'); // a session that outlived the disabling (made before it, on another node)
      expect(await run('disable', 'alice')).toBe(0);
      expect(lines).toEqual(['alice is already disabled.', 'Ended 1 sign-in session of alice; their applications were told.']);
    } finally {
      await receiver.close();
    }
  });

  it('changes a password', async () => {
    await users.create({ username: 'alice', password: 'old' });
    expect(await run('passwd', 'alice', '--password', 'new')).toBe(0);
    expect(lines).toEqual(['Changed the password of alice.']);
    const hash = (await users.findForSignIn('alice'))?.passwordHash ?? '';
    expect(await verifyPassword(hash, 'new')).toBe(true);
  });

  it.each([['disable'], ['enable'], ['passwd', '--password', 'x']])('exits 1 for an unknown user: %j', async (command, ...rest) => {
    expect(await run(command, 'nobody', ...rest)).toBe(1);
    expect(lines).toEqual(['error: no user "nobody"']);
  });
});

describe('the wecas user command, as a process on a SQLite file', () => {
  it('the wecas command prints what it was given with its control characters as escapes', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wecas-cli-'));
    try {
      const wecas = (...args: string[]) =>
        runToEnd(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'user', ...args], {
          NODE_ENV: 'test',
          DATABASE_URL: `sqlite:${path.join(dir, 'wecas.db')}`,
          LOG_LEVEL: 'silent',
        });
      const added = await wecas('add', 'carol', '--password', 'pw-carol-1', '--name', 'Carol\u001b]0;owned\u0007');
      expect(added.code, added.output).toBe(0);
      expect(added.output).toContain('name "Carol\\u001b]0;owned\\u0007"');
      const listed = await wecas('list');
      expect(listed.output).toContain('Carol\\u001b]0;owned\\u0007');
      expect(added.output + listed.output).not.toMatch(/[^\P{Cc}\n]/u); // no control character but the line ends
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('imports, renames, links, merges and deletes through the real command, with the server environment', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'wecas-cli-'));
    try {
      const env = {
        NODE_ENV: 'test',
        DATABASE_URL: `sqlite:${path.join(dir, 'wecas.db')}`,
        LOG_LEVEL: 'silent',
        WECHAT_APP_ID: 'wx-cli',
        WECHAT_APP_SECRET: 's',
      };
      const wecas = (...args: string[]) => runToEnd(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'user', ...args], env);
      const file = path.join(dir, 'people.csv');
      writeFileSync(file, 'login,phone,name\nlin,13800000001,林\nmei,,梅\n');
      expect((await wecas('import', file, '--dry-run')).output).toContain(
        `Dry run of ${file}: 2 added, 0 updated, 0 unchanged. Nothing was changed.`,
      );
      expect((await wecas('import', file)).output).toContain(`Imported ${file}: 2 added, 0 updated, 0 unchanged.`);
      expect((await wecas('link-wechat', 'lin', '--openid', 'o-lin')).output).toContain('Linked WeChat account o-lin (app wx-cli) to lin');
      expect((await wecas('rename', 'mei', 'mei.wang')).output).toContain('Renamed mei to mei.wang.');
      const merged = await wecas('merge', '13800000001', 'mei.wang');
      expect(merged.code, merged.output).toBe(0);
      expect(merged.output).toContain('Merged lin into mei.wang: moved 1 WeChat link, phone +8613800000001.');
      const deleted = await wecas('delete', 'mei.wang');
      expect(deleted.output).toContain('Deleted mei.wang and its 1 WeChat link; ended 0 sign-in sessions. Its audit events are kept.');
      const refused = await wecas('delete', 'mei.wang');
      expect({ code: refused.code, output: refused.output.trim() }).toEqual({ code: 1, output: 'error: no user "mei.wang"' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
