// `wecas admin …` and the token store on a real database (a SQLite file and PostgreSQL): roles granted and
// revoked, roles a directory group confers, tokens made once, stored hashed, refused after expiry and revocation.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashTokenSecret } from '../../src/admin/tokens.js';
import { runAdminCommand } from '../../src/cli/admin-commands.js';
import { type Cli, cliBackends, openCli } from '../users/cli-harness.js';

describe.each(await cliBackends())('wecas admin on $name', (backend) => {
  let cli: Cli;
  let drop: () => Promise<void>;
  const lines: string[] = [];
  const admin = (...args: string[]) => {
    lines.length = 0;
    return runAdminCommand(args, { access: cli.wecas.admin.access, now: () => cli.clock.now(), print: (l) => lines.push(l) });
  };

  beforeEach(async () => {
    const db = await backend.database();
    drop = db.drop;
    cli = await openCli(db.url, { ADMIN_ROLE_GROUPS: 'cn=wecas-admins,ou=groups,dc=example=admin;it-helpdesk=helpdesk' });
    await cli.wecas.users.create({ username: 'root', password: 'pw-root-1' });
    await cli.wecas.users.create({ username: 'helen', password: 'pw-helen-1', attributes: { memberOf: ['it-helpdesk'] } });
    await cli.wecas.users.create({ username: 'dora', password: 'pw-dora-1', attributes: { memberOf: ['cn=wecas-admins,ou=groups,dc=example'] } });
  });
  afterEach(async () => {
    await cli.close();
    await drop();
  });

  it('grants, lists and revokes a role, each audited', async () => {
    expect(await admin('grant', 'root', 'admin')).toBe(0);
    expect(lines).toEqual(['root now holds the admin role.']);
    expect(await admin('grant', 'root', 'helpdesk')).toBe(0);
    expect(lines).toEqual(['root now holds the helpdesk role (was admin).']);
    expect(await admin('list')).toBe(0);
    expect(lines[1]).toMatch(/^root\s+helpdesk\s+2026-11-25 09:30\s+cli$/);
    expect(await admin('revoke', 'root')).toBe(0);
    expect(await admin('revoke', 'root')).toBe(1);
    expect(lines).toEqual(['error: root holds no granted role']);
    expect(await admin('grant', 'root', 'owner')).toBe(2);
    expect(lines[0]).toBe('error: the role must be admin or helpdesk (got "owner")');
    const root = await cli.wecas.users.findByUsername('root');
    const events = await cli.wecas.db.selectFrom('audit_events').select(['type', 'detail']).where('user_id', '=', root!.id).orderBy('at').execute();
    expect(events.map((e) => [e.type, JSON.parse(e.detail)])).toEqual([
      ['admin.granted', { via: 'cli', role: 'admin' }],
      ['admin.granted', { via: 'cli', role: 'helpdesk', before: 'admin' }],
      ['admin.revoked', { via: 'cli', role: 'helpdesk' }],
    ]);
  });

  it('takes roles from directory groups (ADMIN_ROLE_GROUPS), a DN with commas included', async () => {
    const roles = cli.wecas.admin.roles;
    expect(await roles.roleOf((await cli.wecas.users.findByUsername('dora'))!)).toEqual({ role: 'admin', source: 'group' });
    expect(await roles.roleOf((await cli.wecas.users.findByUsername('helen'))!)).toEqual({ role: 'helpdesk', source: 'group' });
    expect(await roles.roleOf((await cli.wecas.users.findByUsername('root'))!)).toBeUndefined();
  });

  it('makes a token shown once and stored as a hash; refuses it after expiry and after revocation', async () => {
    expect(await admin('token', 'create', 'root', '--name', 'ci')).toBe(1);
    expect(lines).toEqual(['error: root does not hold the admin role: grant it first']);
    expect(await admin('token', 'create', 'helen', '--name', 'desk', '--role', 'admin')).toBe(1);
    expect(lines).toEqual(['error: helen does not hold the admin role (only helpdesk): grant it first']);

    await admin('grant', 'root', 'admin');
    expect(await admin('token', 'create', 'root', '--name', 'ci', '--days', '2')).toBe(0);
    expect(lines[0]).toMatch(/^Created token [0-9a-f-]{36} "ci" for root \(admin\), valid until 2026-11-27 09:30 UTC\.$/);
    const secret = lines[2]!.trim();
    expect(secret).toMatch(/^wecas_pat_[A-Za-z0-9_-]{43}$/);
    const stored = await cli.wecas.db.selectFrom('api_tokens').selectAll().execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).toBe(hashTokenSecret(secret));
    expect(JSON.stringify(stored)).not.toContain(secret.slice(10));

    const tokens = cli.wecas.admin.tokens;
    expect(await tokens.verify(secret)).toMatchObject({ ok: true, token: { name: 'ci', role: 'admin', lastUsedAt: cli.clock.now() } });
    expect(await tokens.verify(`${secret.slice(0, -1)}x`)).toEqual({ ok: false, reason: 'unknown_token' });
    cli.clock.advance(2 * 86_400_000);
    expect(await tokens.verify(secret)).toEqual({ ok: false, reason: 'expired_token' });

    expect(await admin('token', 'create', 'root', '--name', 'ci-2')).toBe(0);
    const second = lines[2]!.trim();
    const id = /token ([0-9a-f-]{36})/.exec(lines[0]!)![1]!;
    expect(await admin('token', 'list', 'root')).toBe(0);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).at(-1))).toEqual(['valid', 'expired']);
    expect(await admin('token', 'revoke', id)).toBe(0);
    expect(await tokens.verify(second)).toEqual({ ok: false, reason: 'revoked_token' });
    expect(await admin('token', 'revoke', id)).toBe(1);
    expect(lines).toEqual([`error: token ${id} is revoked already`]);
    const types = await cli.wecas.db.selectFrom('audit_events').select('type').where('type', 'like', 'admin.token%').orderBy('at').execute();
    expect(types.map((t) => t.type)).toEqual(['admin.token_created', 'admin.token_created', 'admin.token_revoked']);
  });
});
