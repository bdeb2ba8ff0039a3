// `wecas service …` and `wecas user …` go through the admin API's domain functions: what one does, the other sees,
// and both audit it the same way (the CLI as `via: cli`, the API naming its admin).
import { afterEach, beforeEach, expect, it } from 'vitest';
import { runServiceCommand } from '../../src/cli/service-commands.js';
import { runUserCommand, userCommandContext } from '../../src/cli/user-commands.js';
import { type AdminApi, auditEvents, openAdminApi } from './api-harness.js';

let api: AdminApi;
let admin: { secret: string; userId: string };
const lines: string[] = [];
const service = (...args: string[]) => runServiceCommand(args, { db: api.wecas.db, clock: api.clock, print: (l) => lines.push(l) });
const user = (...args: string[]) =>
  runUserCommand(
    args,
    userCommandContext(api.wecas, (l) => lines.push(l)),
  );

beforeEach(async () => {
  lines.length = 0;
  api = await openAdminApi();
  admin = await api.token('admin', 'root');
});
afterEach(() => api.close());

it('a service added by the CLI is the API’s, and the other way round; both audited', async () => {
  expect(await service('add', 'https://cli.example.org/', '--name', 'From CLI', '--prefix', '--mfa', 'required')).toBe(0);
  expect((await api.call(admin.secret, 'GET', '/services/1')).json()).toMatchObject({ name: 'From CLI', matchType: 'prefix', mfaPolicy: 'required' });
  expect(
    (await api.call(admin.secret, 'POST', '/services', { name: 'From API', pattern: 'https://api.example.org/', matchType: 'exact' })).statusCode,
  ).toBe(201);
  lines.length = 0;
  expect(await service('disable', '2')).toBe(0);
  expect(lines).toEqual(['Service 2 "From API" disabled.']);
  expect((await api.call(admin.secret, 'GET', '/services/2')).json()).toMatchObject({ enabled: false });
  lines.length = 0;
  expect(await service('show', '3')).toBe(1);
  expect(lines).toEqual(['error: there is no service with id 3 (see: wecas service list)']);
  expect((await auditEvents(api.wecas, 'service.added')).map((e) => [e.detail.name, e.detail.via, e.detail.admin])).toEqual([
    ['From CLI', 'cli', undefined],
    ['From API', 'api', admin.userId],
  ]);
  expect((await auditEvents(api.wecas, 'service.updated')).map((e) => e.detail)).toEqual([
    { serviceId: 2, name: 'From API', via: 'cli', changed: ['enabled'] },
  ]);
});

it('an account disabled by the CLI shows disabled in the API, and enabled by the API is active for the CLI', async () => {
  await api.wecas.users.create({ username: 'gus', password: 'pw-gus-1' });
  expect(await user('disable', 'gus')).toBe(0);
  expect((await api.call(admin.secret, 'GET', '/accounts/gus')).json()).toMatchObject({ status: 'disabled' });
  expect((await api.call(admin.secret, 'POST', '/accounts/gus/enable')).json()).toMatchObject({ changed: true });
  lines.length = 0;
  expect(await user('enable', 'gus')).toBe(0);
  expect(lines).toEqual(['gus is already active.']);
  expect((await auditEvents(api.wecas, 'user.disabled')).map((e) => e.detail.via)).toEqual(['cli']);
  expect((await auditEvents(api.wecas, 'user.enabled')).map((e) => [e.detail.via, e.detail.admin])).toEqual([['api', admin.userId]]);
});
