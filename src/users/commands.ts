import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { InvalidUserError, UserConflictError } from './errors.js';
import { normalisePhone } from './phone.js';
import { SqlUserStore, type UserStore } from './store.js';
import type { User } from './types.js';

export interface UserCommandContext {
  db: Db;
  clock: Clock;
  print(line: string): void;
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

const EXIT_OK = 0;
const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

/** A mistake in the command line: printed with the usage, exit code 2. */
class UsageError extends Error {}

/** `wecas user …`: returns the process exit code. Everything it says goes through `ctx.print`. */
export async function runUserCommand(args: string[], ctx: UserCommandContext): Promise<number> {
  const [command, ...rest] = args;
  const users = new SqlUserStore(ctx.db, ctx.clock);
  try {
    switch (command) {
      case 'add':
        return await addUser(rest, users, ctx);
      case 'list':
        return await listUsers(rest, users, ctx);
      case 'disable':
      case 'enable':
        return await setStatus(command, rest, users, ctx);
      case 'passwd':
        return await changePassword(rest, users, ctx);
      default:
        throw new UsageError(command === undefined ? 'missing user command' : `unknown user command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      ctx.print(`error: ${err.message}`);
      USAGE.forEach((line) => ctx.print(line));
      return EXIT_USAGE;
    }
    if (err instanceof InvalidUserError || err instanceof UserConflictError) {
      ctx.print(`error: ${err.message}`);
      return EXIT_FAILED;
    }
    throw err;
  }
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
  const details = [user.phone && `phone ${user.phone}`, user.displayName && `name "${user.displayName}"`]
    .filter(Boolean)
    .join(', ');
  ctx.print(`Added user ${user.username} (id ${user.id})${details ? `: ${details}` : ''}.`);
  return EXIT_OK;
}

async function listUsers(args: string[], users: UserStore, ctx: UserCommandContext): Promise<number> {
  const { values } = parseOptions(args, { limit: { type: 'string' }, offset: { type: 'string' } }, false);
  const limit = count(values.limit ?? '100', '--limit', 1);
  const offset = count(values.offset ?? '0', '--offset', 0);
  const page = await users.list({ limit, offset });
  if (page.length === 0) {
    ctx.print(offset === 0 ? 'No users.' : `No users after the first ${offset}.`);
    return EXIT_OK;
  }
  printTable(ctx, ['USERNAME', 'PHONE', 'NAME', 'STATUS', 'PASSWORD', 'CREATED (UTC)'], page.map(tableRow));
  const more = page.length === limit ? `; more with --offset ${offset + limit}` : '';
  ctx.print(`${page.length} user${page.length === 1 ? '' : 's'} shown${more}.`);
  return EXIT_OK;
}

async function setStatus(
  command: 'disable' | 'enable',
  args: string[],
  users: UserStore,
  ctx: UserCommandContext,
): Promise<number> {
  const { username } = parse(args, {});
  const user = await users.findByUsername(username);
  if (!user) return noSuchUser(username, ctx);
  const status = command === 'disable' ? 'disabled' : 'active';
  if (user.status === status) {
    ctx.print(`${user.username} is already ${status}.`);
    return EXIT_OK;
  }
  await users.setStatus(user.id, status);
  ctx.print(command === 'disable' ? `Disabled ${user.username}: they can no longer sign in.` : `Enabled ${user.username}.`);
  if (command === 'disable' && ctx.endSessions) {
    const ended = await ctx.endSessions(user.id);
    ctx.print(`Ended ${ended} sign-in session${ended === 1 ? '' : 's'} of ${user.username}; their applications were told.`);
  }
  return EXIT_OK;
}

async function changePassword(args: string[], users: UserStore, ctx: UserCommandContext): Promise<number> {
  const { values, username } = parse(args, { password: { type: 'string' } });
  if (values.password === undefined) throw new UsageError('--password is required');
  const user = await users.findByUsername(username);
  if (!user) return noSuchUser(username, ctx);
  await users.setPassword(user.id, values.password);
  ctx.print(`Changed the password of ${user.username}.`);
  return EXIT_OK;
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses options plus exactly one positional: the username. */
function parse<O extends Options>(args: string[], options: O) {
  const parsed = parseOptions(args, options, true);
  const [username, ...extra] = parsed.positionals;
  if (username === undefined) throw new UsageError('missing <username>');
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return { values: parsed.values, username };
}

function parseOptions<O extends Options, P extends boolean>(args: string[], options: O, allowPositionals: P) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals });
  } catch (err) {
    // parseArgs explains itself well ("Unknown option '--pasword'"); it only needs to become a usage error.
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** Repeated `--attr key=value` become one multi-valued attribute: `memberOf=a --attr memberOf=b` → `[a, b]`. */
function parseAttributes(pairs: string[]): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attr "${pair}" must look like key=value`);
    const key = pair.slice(0, eq);
    (attributes[key] ??= []).push(pair.slice(eq + 1));
  }
  return attributes;
}

function count(text: string, option: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${option} must be a whole number of at least ${min}`);
  return n;
}

function noSuchUser(username: string, ctx: UserCommandContext): number {
  ctx.print(`error: no user "${username}"`);
  return EXIT_FAILED;
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

function printTable(ctx: UserCommandContext, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  for (const cells of [header, ...rows])
    ctx.print(cells.map((c, i) => c + ' '.repeat((widths[i] ?? 0) - width(c))).join('  ').trimEnd());
}

// CJK and full-width characters take two terminal columns; display names are often Chinese.
const WIDE = /[\u1100-\u115F\u2E80-\u303E\u3041-\u33FF\u3400-\u4DBF\u4E00-\u9FFF\uA000-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]|[\u{20000}-\u{3FFFD}]/u;

function width(text: string): number {
  let columns = 0;
  for (const ch of text) columns += WIDE.test(ch) ? 2 : 1;
  return columns;
}
