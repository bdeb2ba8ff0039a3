// `wecas user import <file.csv>`: a sync of wecas's own accounts from a CSV file, run in process against the whole of
// wecas on a SQLite file and on PostgreSQL: what it prints, and what it leaves in the database.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryAuditEvents } from '../../src/audit/queries.js';
import type { User } from '../../src/users/types.js';
import { type Cli, cliBackends, openCli } from './cli-harness.js';

describe.each(await cliBackends())('wecas user import on $name', (backend) => {
  let cli: Cli;
  let drop: () => Promise<void>;
  let dir: string;

  beforeEach(async () => {
    const database = await backend.database();
    drop = database.drop;
    cli = await openCli(database.url);
    dir = mkdtempSync(path.join(tmpdir(), 'wecas-import-'));
  });
  afterEach(async () => {
    await cli.close();
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  function csv(name: string, text: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    return file;
  }

  async function run(...args: string[]): Promise<{ code: number; lines: string[] }> {
    cli.lines.length = 0;
    cli.clock.advance(1000);
    const code = await cli.run(...args);
    return { code, lines: [...cli.lines] };
  }

  /** Every account, as the comparisons below need it. */
  async function state(): Promise<Array<Pick<User, 'username' | 'phone' | 'displayName' | 'attributes' | 'status'>>> {
    const all = await cli.wecas.users.list({ limit: 1000 });
    return all
      .map(({ username, phone, displayName, attributes, status }) => ({ username, phone, displayName, attributes, status }))
      .sort((a, b) => String(a.username).localeCompare(String(b.username)));
  }

  const PEOPLE = [
    '\uFEFFlogin,phone,name,memberOf,mail', // Excel's "CSV UTF-8" starts with a byte order mark
    '20210001,138 1234 5678,王小明,student|cs,xm@example.cn',
    '"T0042",+86 139-0000-0042,"Li, Na",staff,',
    'guest,,"Guest ""visitor""",,',
    '',
  ].join('\r\n');

  it('shows what a file would change without changing anything, then applies it, and a second run changes nothing', async () => {
    const file = csv('people.csv', PEOPLE);
    expect(await run('import', file, '--dry-run')).toEqual({
      code: 0,
      lines: [
        '+ 20210001: phone +8613812345678, name "王小明", memberOf=student|cs, mail=xm@example.cn',
        '+ t0042: phone +8613900000042, name "Li, Na", memberOf=staff',
        '+ guest: name "Guest "visitor""',
        `Dry run of ${file}: 3 added, 0 updated, 0 unchanged. Nothing was changed.`,
      ],
    });
    expect(await state()).toEqual([]);

    expect(await run('import', file)).toMatchObject({
      code: 0,
      lines: expect.arrayContaining([`Imported ${file}: 3 added, 0 updated, 0 unchanged. Accounts not in the file were left alone.`]),
    });
    const imported = await state();
    expect(imported).toEqual([
      {
        username: '20210001',
        phone: '+8613812345678',
        displayName: '王小明',
        attributes: { memberOf: ['student', 'cs'], mail: ['xm@example.cn'] },
        status: 'active',
      },
      { username: 'guest', phone: null, displayName: 'Guest "visitor"', attributes: {}, status: 'active' },
      { username: 't0042', phone: '+8613900000042', displayName: 'Li, Na', attributes: { memberOf: ['staff'] }, status: 'active' },
    ]);
    expect((await cli.wecas.users.findByUsername('guest'))?.hasPassword).toBe(false);

    expect(await run('import', file)).toEqual({
      code: 0,
      lines: [`Imported ${file}: 0 added, 0 updated, 3 unchanged. Accounts not in the file were left alone.`],
    });
    expect(await state()).toEqual(imported);
    const added = await queryAuditEvents(cli.wecas.db, { type: 'user.added', limit: 10 });
    expect(added.map((e) => e.detail)).toContainEqual({ via: 'cli', username: 'guest', password: false, import: true });
    expect(await queryAuditEvents(cli.wecas.db, { type: 'user.updated', limit: 10 })).toEqual([]);
  });

  it('updates the columns the file has, clears empty cells, leaves other columns and attributes alone, and moves phones between rows', async () => {
    await cli.wecas.users.create({ username: 'a', phone: '+8613800000001', displayName: 'A', attributes: { memberOf: ['x'], room: ['101'] } });
    await cli.wecas.users.create({ username: 'b', phone: '+8613800000002', displayName: 'B', password: 'pw-b' });
    await cli.wecas.users.create({ username: 'outside', phone: '+8613800000009' });
    // a and b swap numbers; a loses memberOf; names are not in the file, so they stay.
    const file = csv('swap.csv', 'login,phone,memberOf\na,13800000002,\nb,13800000001,staff\n');
    expect(await run('import', file)).toEqual({
      code: 0,
      lines: [
        '~ a: phone +8613800000001 → +8613800000002, memberOf x → (none)',
        '~ b: phone +8613800000002 → +8613800000001, memberOf (none) → staff',
        `Imported ${file}: 0 added, 2 updated, 0 unchanged. Accounts not in the file were left alone.`,
      ],
    });
    expect(await state()).toEqual([
      { username: 'a', phone: '+8613800000002', displayName: 'A', attributes: { room: ['101'] }, status: 'active' },
      { username: 'b', phone: '+8613800000001', displayName: 'B', attributes: { memberOf: ['staff'] }, status: 'active' },
      { username: 'outside', phone: '+8613800000009', displayName: null, attributes: {}, status: 'active' },
    ]);
    expect((await cli.wecas.users.findByUsername('b'))?.hasPassword).toBe(true);
    const updated = await queryAuditEvents(cli.wecas.db, { type: 'user.updated', limit: 10 });
    expect(updated.map((e) => e.detail).sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))).toEqual([
      { via: 'cli', changed: ['phone', 'memberOf'], import: true },
      { via: 'cli', changed: ['phone', 'memberOf'], import: true },
    ]);
  });

  it('refuses the whole file when any row is wrong, naming each line and column, and changes nothing', async () => {
    await cli.wecas.users.create({ username: 'holder', phone: '+8613800000009' });
    const before = await state();
    const file = csv(
      'bad.csv',
      [
        'login,phone,name',
        'ok1,13800000001,Fine',
        'bad name,13800000002,Spaces',
        'ok2,12345,Short',
        'OK1,,Again',
        'ok3,13800000001,Same phone',
        'ok4,13800000005',
        'ok5,13800000009,Taken',
      ].join('\n'),
    );
    expect(await run('import', file)).toEqual({
      code: 1,
      lines: [
        `error: ${file} line 3, column 1 (login): "bad name" is not a login name: 1 to 64 characters of letters, digits and . _ @ -`,
        `error: ${file} line 4, column 2 (phone): "12345" is not a valid phone number: give an 11-digit mainland mobile (13812345678) or +country code`,
        `error: ${file} line 5, column 1 (login): ok1 is also on line 2`,
        `error: ${file} line 6, column 2 (phone): +8613800000001 is also on line 2`,
        `error: ${file} line 7: 2 cells, where the header names 3 columns`,
        '5 problems in the file: nothing was changed.',
      ],
    });
    expect(await state()).toEqual(before);

    // Each row fine on its own, one number held by an account the file does not change: still nothing is written.
    const taken = csv('taken.csv', 'login,phone\nnew1,13800000001\nnew2,13800000009\n');
    expect(await run('import', taken)).toEqual({
      code: 1,
      lines: [
        `error: ${taken} line 3, column 2 (phone): +8613800000009 belongs to holder, which keeps it`,
        '1 problem in the file: nothing was changed.',
      ],
    });
    expect(await state()).toEqual(before);

    for (const [name, text, message] of [
      ['empty.csv', '', 'line 1: the file is empty: the first line must name the columns (login,phone,name,…)'],
      ['nologin.csv', 'phone,name\n13800000001,X\n', 'line 1: no "login" column: every row must name its account'],
      ['password.csv', 'login,password\nx,secret\n', 'line 1, column 2 (password): passwords are not imported'],
      ['quote.csv', 'login,name\nx,"open\ny,z\n', 'line 2: a quoted field opened here is never closed'],
    ] as const) {
      const result = await run('import', csv(name, text));
      expect(result.code, name).toBe(1);
      expect(result.lines[0], name).toContain(`error: ${path.join(dir, name)} ${message}`);
    }
    expect(await run('import', path.join(dir, 'missing.csv'))).toEqual({
      code: 1,
      lines: [`error: cannot read ${path.join(dir, 'missing.csv')}: no such file`],
    });
    expect(await state()).toEqual(before);
  });

  it("imports the README's example file as the README says", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /```csv\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const file = csv('people.csv', example!);
    expect(await run('import', file, '--dry-run')).toEqual({
      code: 0,
      lines: [
        '+ 20210001: phone +8613812345678, name "王小明", memberOf=student|cs, mail=xm@example.cn',
        '+ t0042: phone +8613900000042, name "Li, Na", memberOf=staff',
        '+ guest: name "Guest"',
        `Dry run of ${file}: 3 added, 0 updated, 0 unchanged. Nothing was changed.`,
      ],
    });
    expect(await run('import', file)).toMatchObject({ code: 0 });
    expect(await run('import', file)).toEqual({
      code: 0,
      lines: [`Imported ${file}: 0 added, 0 updated, 3 unchanged. Accounts not in the file were left alone.`],
    });
  });

  it('with --disable-missing, disables the named accounts the file does not list and ends their sessions', async () => {
    const gone = await cli.wecas.users.create({ username: 'gone', password: 'pw' });
    await cli.wecas.users.create({ username: 'kept' });
    const wechatMade = await cli.wecas.users.create({ phone: '+8613800000007' }); // no login name: never touched
    await cli.wecas.sessions.start({ userId: gone.id, principal: 'gone', method: 'password', authTime: cli.clock.now() });
    const file = csv('kept.csv', 'login\nkept\n');

    expect(await run('import', file, '--disable-missing', '--dry-run')).toEqual({
      code: 0,
      lines: ['- gone: disabled (not in the file)', `Dry run of ${file}: 0 added, 0 updated, 1 unchanged, 1 disabled. Nothing was changed.`],
    });
    expect((await cli.wecas.users.findById(gone.id))?.status).toBe('active');
    expect(await run('import', file, '--disable-missing')).toEqual({
      code: 0,
      lines: ['- gone: disabled (not in the file), 1 sign-in session ended', `Imported ${file}: 0 added, 0 updated, 1 unchanged, 1 disabled.`],
    });
    expect((await cli.wecas.users.findById(gone.id))?.status).toBe('disabled');
    expect((await cli.wecas.users.findById(wechatMade.id))?.status).toBe('active');
    expect(await cli.wecas.sessions.sessionsOf(gone.id)).toEqual([]);
    const [disabled] = await queryAuditEvents(cli.wecas.db, { userId: gone.id, type: 'user.disabled', limit: 1 });
    expect(disabled?.detail).toEqual({ via: 'cli', sessions: 1, missingFromImport: true });
    expect(await run('import', file, '--disable-missing')).toEqual({
      code: 0,
      lines: [`Imported ${file}: 0 added, 0 updated, 1 unchanged, 0 disabled.`],
    });
  });
});
