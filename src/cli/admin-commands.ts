import type { AccessAdmin } from '../admin/access.js';
import { ADMIN_ROLES, type AdminRole, isAdminRole } from '../admin/roles.js';
import type { ApiToken } from '../admin/tokens.js';
import { AdminRefusal } from '../admin/users.js';
import { DirectoryUnavailable } from '../directories/directory.js';
import { EXIT, onePositional, type Printer, parseOptions, printTable, runCommand, UsageError, wholeNumber } from './args.js';

export interface AdminCommandContext extends Printer {
  access: AccessAdmin;
  /** Says whether a listed token has expired. */
  now: () => number;
}

const USAGE = [
  'usage:',
  '  wecas admin grant <account> admin|helpdesk',
  '  wecas admin revoke <account>',
  '  wecas admin list',
  '  wecas admin token create <account> --name <what uses it> [--role admin|helpdesk] [--days <n>]',
  '  wecas admin token list [<account>]',
  '  wecas admin token revoke <token id>',
  'admin: everything; helpdesk: find accounts, unlink, end sessions, appeals, the audit log.',
  'A token is shown once, when it is made; it lasts 90 days unless --days says otherwise.',
];

const DEFAULT_TOKEN_DAYS = 90;

/** `wecas admin …`: who may use the admin API, and their personal tokens. Returns the exit code. */
export async function runAdminCommand(args: string[], ctx: AdminCommandContext): Promise<number> {
  const [command, ...rest] = args;
  return runCommand(
    USAGE,
    ctx,
    async () => {
      switch (command) {
        case 'grant':
          return grant(rest, ctx);
        case 'revoke':
          return revoke(rest, ctx);
        case 'list':
          return list(rest, ctx);
        case 'token':
          return token(rest, ctx);
        default:
          throw new UsageError(command === undefined ? 'missing admin command' : `unknown admin command "${command}"`);
      }
    },
    [AdminRefusal, DirectoryUnavailable],
  );
}

function roleArg(text: string | undefined, what: string): AdminRole {
  if (text === undefined || !isAdminRole(text)) throw new UsageError(`${what} must be ${ADMIN_ROLES.join(' or ')}${text ? ` (got "${text}")` : ''}`);
  return text;
}

async function grant(args: string[], ctx: AdminCommandContext): Promise<number> {
  const { positionals } = parseOptions(args, {});
  const [ref, role, extra] = positionals;
  if (ref === undefined) throw new UsageError('missing <account>');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const { target, before } = await ctx.access.grant(ref, roleArg(role, 'the role'));
  ctx.print(
    before === role
      ? `${target.name} already holds the ${role} role.`
      : `${target.name} now holds the ${role} role${before ? ` (was ${before})` : ''}.`,
  );
  return EXIT.ok;
}

async function revoke(args: string[], ctx: AdminCommandContext): Promise<number> {
  const { target, role } = await ctx.access.revoke(onePositional(parseOptions(args, {}).positionals, 'account'));
  ctx.print(`${target.name} no longer holds the ${role} role; its API tokens stop working (unless a directory group still confers a role).`);
  return EXIT.ok;
}

async function list(args: string[], ctx: AdminCommandContext): Promise<number> {
  const { positionals } = parseOptions(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const grants = await ctx.access.list();
  if (grants.length === 0) {
    ctx.print('No granted roles (directory groups may still confer some: ADMIN_ROLE_GROUPS).');
    return EXIT.ok;
  }
  printTable(ctx, [
    ['ACCOUNT', 'ROLE', 'GRANTED (UTC)', 'BY'],
    ...grants.map((g) => [g.username ?? g.userId, g.role, time(g.grantedAt), g.grantedBy ?? '-']),
  ]);
  return EXIT.ok;
}

async function token(args: string[], ctx: AdminCommandContext): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case 'create': {
      const { values, positionals } = parseOptions(rest, { name: { type: 'string' }, role: { type: 'string' }, days: { type: 'string' } });
      const ref = onePositional(positionals, 'account');
      if (values.name === undefined) throw new UsageError('--name is required: say what will use the token');
      const role = values.role === undefined ? 'admin' : roleArg(values.role, '--role');
      const days = values.days === undefined ? DEFAULT_TOKEN_DAYS : wholeNumber(values.days, '--days', 1);
      const { target, token: made, secret } = await ctx.access.createToken(ref, { role, name: values.name, days });
      ctx.print(`Created token ${made.id} "${made.name}" for ${target.name} (${made.role}), valid until ${time(made.expiresAt)} UTC.`);
      ctx.print('The token (shown this once; wecas keeps only its hash):');
      ctx.print(`  ${secret}`);
      return EXIT.ok;
    }
    case 'list': {
      const { positionals } = parseOptions(rest, {});
      if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
      const tokens = await ctx.access.listTokens(positionals[0]);
      if (tokens.length === 0) {
        ctx.print('No tokens.');
        return EXIT.ok;
      }
      printTable(ctx, [
        ['ID', 'NAME', 'ROLE', 'ACCOUNT ID', 'EXPIRES (UTC)', 'LAST USED (UTC)', 'STATE'],
        ...tokens.map((t) => tokenRow(t, ctx.now())),
      ]);
      return EXIT.ok;
    }
    case 'revoke': {
      const revoked = await ctx.access.revokeToken(onePositional(parseOptions(rest, {}).positionals, 'token id'));
      ctx.print(`Revoked token ${revoked.id} "${revoked.name}": it is refused from now on.`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(command === undefined ? 'missing token command' : `unknown token command "${command}"`);
  }
}

function tokenRow(t: ApiToken, now: number): string[] {
  const state = t.revokedAt !== null ? 'revoked' : t.expiresAt <= now ? 'expired' : 'valid';
  return [t.id, t.name, t.role, t.userId, time(t.expiresAt), t.lastUsedAt === null ? '-' : time(t.lastUsedAt), state];
}

function time(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}
