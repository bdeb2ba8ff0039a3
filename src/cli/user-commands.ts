import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { InvalidUserError, UserConflictError } from '../users/errors.js';
import { normalisePhone } from '../users/phone.js';
import { SqlUserStore, type UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import { EXIT, onePositional, type Printer, parseOptions, printTable, runCommand, UsageError, wholeNumber } from './args.js';

export interface UserCommandContext extends Printer {
  db: Db;
  clock: Clock;
  /** Ends a user's SSO sessions (with single logout) where the CLI can reach them; returns how many it ended. */
  endSessions?(userId: string): Promise<number>;
}

const USAGE = [
  'usage:',
  '  wecas user add <username> --password <pw> [--phone <number>] [--name <display name>] [--attr key=value]...',
  '  wecas user list [--limit <n>] [--offset <n>]',
  '  wecas user disable <username>',
  '  wecas user enable <username>',
  '  wecas user passwd <username> --password <pw>',
];

/** `wecas user …`: returns the process exit code. Everything it says goes through `ctx.print`. */
export async function runUserCommand(args: string[], ctx: UserCommandContext): Promise<number> {
  const [command, ...rest] = args;
  const users = new SqlUserStore(ctx.db, ctx.clock);
  return runCommand(
    USAGE,
    ctx,
    async () => {
      switch (command) {
        case 'add':
          return addUser(rest, users, ctx);
        case 'list':
          return listUsers(rest, users, ctx);
        case 'disable':
        case 'enable':
          return setStatus(command, rest, users, ctx);
        case 'passwd':
          return changePassword(rest, users, ctx);
        default:
          throw new UsageError(command === undefined ? 'missing user command' : `unknown user command "${command}"`);
      }
    },
    [InvalidUserError, UserConflictError],
  );
}

async function addUser(args: string[], users: UserStore, ctx: UserCommandContext): Promise<number> {
  const { values, username } = parse(args, {
    password: { type: 'string' },
    phone: { type: 'string' },
    name: { type: 'string' },
    attr: { type: 'string', multiple: true },
  });
  if (values.password === undefined) throw new UsageError('--password is required');
  let phone: string | undefined;
  if (values.phone !== undefined) {
    const result = normalisePhone(values.phone);
    if (!result.ok) throw new InvalidUserError('phone', result.message);
    phone = result.phone;
  }
  const user = await users.create({
    username,
    password: values.password,
    phone,
    displayName: values.name,
    attributes: parseAttributes(values.attr ?? []),
  });
  const details = [user.phone && `phone ${user.phone}`, user.displayName && `name "${user.displayName}"`].filter(Boolean).join(', ');
  ctx.print(`Added user ${user.username} (id ${user.id})${details ? `: ${details}` : ''}.`);
  return EXIT.ok;
}

async function listUsers(args: string[], users: UserStore, ctx: UserCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { limit: { type: 'string' }, offset: { type: 'string' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const limit = wholeNumber(values.limit ?? '100', '--limit', 1);
  const offset = wholeNumber(values.offset ?? '0', '--offset', 0);
  const page = await users.list({ limit, offset });
  if (page.length === 0) {
    ctx.print(offset === 0 ? 'No users.' : `No users after the first ${offset}.`);
    return EXIT.ok;
  }
  printTable(ctx, [['USERNAME', 'PHONE', 'NAME', 'STATUS', 'PASSWORD', 'CREATED (UTC)'], ...page.map(tableRow)]);
  const more = page.length === limit ? `; more with --offset ${offset + limit}` : '';
  ctx.print(`${page.length} user${page.length === 1 ? '' : 's'} shown${more}.`);
  return EXIT.ok;
}

async function setStatus(command: 'disable' | 'enable', args: string[], users: UserStore, ctx: UserCommandContext): Promise<number> {
  const { username } = parse(args, {});
  const user = await users.findByUsername(username);
  if (!user) return noSuchUser(username, ctx);
  const status = command === 'disable' ? 'disabled' : 'active';
  if (user.status === status) {
    ctx.print(`${user.username} is already ${status}.`);
    return EXIT.ok;
  }
  await users.setStatus(user.id, status);
  ctx.print(command === 'disable' ? `Disabled ${user.username}: they can no longer sign in.` : `Enabled ${user.username}.`);
  if (command === 'disable' && ctx.endSessions) {
    const ended = await ctx.endSessions(user.id);
    ctx.print(`Ended ${ended} sign-in session${ended === 1 ? '' : 's'} of ${user.username}; their applications were told.`);
  }
  return EXIT.ok;
}

async function changePassword(args: string[], users: UserStore, ctx: UserCommandContext): Promise<number> {
  const { values, username } = parse(args, { password: { type: 'string' } });
  if (values.password === undefined) throw new UsageError('--password is required');
  const user = await users.findByUsername(username);
  if (!user) return noSuchUser(username, ctx);
  await users.setPassword(user.id, values.password);
  ctx.print(`Changed the password of ${user.username}.`);
  return EXIT.ok;
}

/** Options plus exactly one positional: the username. */
function parse<O extends Parameters<typeof parseOptions>[1]>(args: string[], options: O) {
  const parsed = parseOptions(args, options);
  return { values: parsed.values, username: onePositional(parsed.positionals, 'username') };
}

/** Repeated `--attr key=value` become one multi-valued attribute: `memberOf=a --attr memberOf=b` → `[a, b]`. */
function parseAttributes(pairs: string[]): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attr "${pair}" must look like key=value`);
    const key = pair.slice(0, eq);
    attributes[key] = [...(attributes[key] ?? []), pair.slice(eq + 1)];
  }
  return attributes;
}

function noSuchUser(username: string, ctx: UserCommandContext): number {
  ctx.print(`error: no user "${username}"`);
  return EXIT.failed;
}

function tableRow(user: User): string[] {
  return [
    user.username ?? '-',
    user.phone ?? '-',
    user.displayName ?? '-',
    user.status,
    user.hasPassword ? 'yes' : 'no',
    new Date(user.createdAt).toISOString().slice(0, 16).replace('T', ' '),
  ];
}
