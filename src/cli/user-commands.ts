import { readFile } from 'node:fs/promises';
import type { AppealAdmin } from '../admin/appeals.js';
import { type FieldChange, ImportRefused, type ImportResult, type UserImport } from '../admin/import.js';
import { AdminRefusal, PhoneTaken, type UserAdmin } from '../admin/users.js';
import type { Clock } from '../clock.js';
import { DirectoryUnavailable } from '../directories/directory.js';
import type { Db } from '../store/db.js';
import { InvalidUserError, UserConflictError } from '../users/errors.js';
import { SqlUserStore, type UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import type { Wecas } from '../wecas.js';
import { EXIT, onePositional, type Printer, parseOptions, printTable, runCommand, UsageError, wholeNumber } from './args.js';

export interface UserCommandContext extends Printer {
  db: Db;
  clock: Clock;
  admin: UserAdmin;
  userImport: UserImport;
  /** The configured WeChat app: `link-wechat` links to it unless told `--app`. */
  wechatAppId: string | undefined;
  /**
   * False when the server keeps its sessions in its own memory (TICKET_REGISTRY=memory, no Redis): the CLI cannot end
   * them, and says that the server's re-check does (within DIRECTORY_RECHECK_SECONDS).
   */
  sessionsShared: boolean;
  /** Phone-change appeals, listed and decided by `wecas user appeals` and `wecas user appeal` (as the admin API does). */
  appeals?: AppealAdmin;
}

/** The context `wecas user …` runs in, from the whole of wecas: sessions end in the shared ticket store, with single logout. */
export function userCommandContext(wecas: Wecas, print: (line: string) => void): UserCommandContext {
  return {
    db: wecas.db,
    clock: wecas.clock,
    admin: wecas.admin.users,
    userImport: wecas.admin.import,
    wechatAppId: wecas.config.wechat?.appId,
    sessionsShared: wecas.redis !== undefined || wecas.config.storage.ticketRegistry === 'sql',
    appeals: wecas.admin.appeals,
    print,
  };
}

const USAGE = [
  'usage:',
  '  wecas user add <login> [--password <pw>] [--phone <number>] [--name <display name>] [--attr key=value]... [--directory <name>]',
  '  wecas user list [--limit <n>] [--offset <n>]',
  '  wecas user import <file.csv> [--dry-run] [--disable-missing]',
  '  wecas user disable|enable <account>',
  '  wecas user passwd <account> --password <pw>',
  '  wecas user rename <account> <new login>',
  '  wecas user link-wechat <account> --openid <openid> [--unionid <unionid>] [--app <appid>]',
  '  wecas user unlink-wechat <account> [--openid <openid>] [--app <appid>]',
  '  wecas user merge <from account> <into account>',
  '  wecas user delete <account>',
  '  wecas user reset-second-factor <account>',
  '  wecas user appeals [--all]',
  '  wecas user appeal <appeal id> approve|reject',
  '<account> is a login name (wecas or a directory), a phone number, or a wecas user id.',
];

/** `wecas user …`: returns the process exit code. Everything it says goes through `ctx.print`. */
export async function runUserCommand(args: string[], ctx: UserCommandContext): Promise<number> {
  const [command, ...rest] = args;
  return runCommand(
    USAGE,
    ctx,
    async () => {
      switch (command) {
        case 'add':
          return addUser(rest, ctx);
        case 'list':
          return listUsers(rest, new SqlUserStore(ctx.db, ctx.clock), ctx);
        case 'import':
          return importUsers(rest, ctx);
        case 'disable':
        case 'enable':
          return setStatus(command, rest, ctx);
        case 'passwd':
          return changePassword(rest, ctx);
        case 'rename':
          return rename(rest, ctx);
        case 'link-wechat':
          return linkWeChat(rest, ctx);
        case 'unlink-wechat':
          return unlinkWeChat(rest, ctx);
        case 'merge':
          return merge(rest, ctx);
        case 'delete':
          return deleteUser(rest, ctx);
        case 'reset-second-factor':
          return resetSecondFactor(rest, ctx);
        case 'appeals':
          return listAppeals(rest, ctx);
        case 'appeal':
          return decideAppeal(rest, ctx);
        default:
          throw new UsageError(command === undefined ? 'missing user command' : `unknown user command "${command}"`);
      }
    },
    [InvalidUserError, UserConflictError, AdminRefusal, DirectoryUnavailable],
  );
}

async function addUser(args: string[], ctx: UserCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, {
    password: { type: 'string' },
    phone: { type: 'string' },
    name: { type: 'string' },
    attr: { type: 'string', multiple: true },
    directory: { type: 'string' },
  });
  const login = onePositional(positionals, 'login');
  try {
    const { user, name } = await ctx.admin.add({
      login,
      password: values.password,
      phone: values.phone,
      displayName: values.name,
      attributes: parseAttributes(values.attr ?? []),
      directory: values.directory,
    });
    const details = [
      user.phone && `phone ${user.phone}`,
      user.displayName && `name "${user.displayName}"`,
      !user.hasPassword && user.directory === 'local' && 'no password',
    ]
      .filter(Boolean)
      .join(', ');
    const what = user.directory === 'local' ? `Added user ${name}` : `Added the wecas record of ${name}`;
    ctx.print(`${what} (id ${user.id})${details ? `: ${details}` : ''}.`);
    return EXIT.ok;
  } catch (err) {
    if (!(err instanceof PhoneTaken)) throw err;
    ctx.print(`error: ${err.message}.`);
    const holder = err.holder.user;
    if (holder.directory === 'local' && !holder.username)
      ctx.print(`That account has no login name (made by WeChat or SMS sign-in): name it with \`wecas user rename ${err.phone} ${login}\`.`);
    else ctx.print(`If both are one person's, merge them: \`wecas user merge <from> <into>\`.`);
    return EXIT.failed;
  }
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
  printTable(ctx, [['USERNAME', 'PHONE', 'NAME', 'STATUS', 'PASSWORD', 'DIRECTORY', 'CREATED (UTC)'], ...page.map(tableRow)]);
  const more = page.length === limit ? `; more with --offset ${offset + limit}` : '';
  ctx.print(`${page.length} user${page.length === 1 ? '' : 's'} shown${more}.`);
  return EXIT.ok;
}

async function importUsers(args: string[], ctx: UserCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { 'dry-run': { type: 'boolean' }, 'disable-missing': { type: 'boolean' } });
  const file = onePositional(positionals, 'file.csv');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    ctx.print(`error: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    return EXIT.failed;
  }
  let result: ImportResult;
  try {
    result = await ctx.userImport.run(text, { dryRun: values['dry-run'] ?? false, disableMissing: values['disable-missing'] ?? false });
  } catch (err) {
    if (!(err instanceof ImportRefused)) throw err;
    for (const p of err.problems) {
      const column = p.column ? `, column ${p.column.index} (${p.column.name})` : '';
      ctx.print(`error: ${file} line ${p.line}${column}: ${p.message}`);
    }
    ctx.print(`${err.message}: nothing was changed.`);
    return EXIT.failed;
  }
  for (const a of result.added) ctx.print(`+ ${a.login}${a.fields.length > 0 ? `: ${a.fields.map(showNew).join(', ')}` : ''}`);
  for (const u of result.updated) ctx.print(`~ ${u.login}: ${u.changes.map(showChange).join(', ')}`);
  for (const d of result.disabled) ctx.print(`- ${d.login}: disabled (not in the file)${d.sessions > 0 ? `, ${sessions(d.sessions)} ended` : ''}`);
  if (result.disabled.length > 0 && !result.dryRun) sessionsNote(ctx);
  const counts = [`${result.added.length} added`, `${result.updated.length} updated`, `${result.unchanged} unchanged`];
  if (values['disable-missing']) counts.push(`${result.disabled.length} disabled`);
  ctx.print(
    result.dryRun
      ? `Dry run of ${file}: ${counts.join(', ')}. Nothing was changed.`
      : `Imported ${file}: ${counts.join(', ')}.${result.disabled.length === 0 && !values['disable-missing'] ? ' Accounts not in the file were left alone.' : ''}`,
  );
  return EXIT.ok;
}

async function setStatus(command: 'disable' | 'enable', args: string[], ctx: UserCommandContext): Promise<number> {
  const ref = oneAccount(args);
  const { target, changed, sessions: ended } = await ctx.admin.setStatus(ref, command === 'disable' ? 'disabled' : 'active');
  const status = command === 'disable' ? 'disabled' : 'active';
  if (!changed) ctx.print(`${target.name} is already ${status}.`);
  else ctx.print(command === 'disable' ? `Disabled ${target.name}: they can no longer sign in.` : `Enabled ${target.name}.`);
  if (command === 'disable' && (changed || ended > 0))
    ctx.print(`Ended ${sessions(ended)} of ${target.name}${ended > 0 ? '; their applications were told' : ''}.`);
  if (command === 'disable') sessionsNote(ctx);
  return EXIT.ok;
}

async function changePassword(args: string[], ctx: UserCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { password: { type: 'string' } });
  const ref = onePositional(positionals, 'account');
  if (values.password === undefined) throw new UsageError('--password is required');
  const target = await ctx.admin.setPassword(ref, values.password);
  ctx.print(`Changed the password of ${target.name}.`);
  return EXIT.ok;
}

async function rename(args: string[], ctx: UserCommandContext): Promise<number> {
  const { positionals } = parseOptions(args, {});
  const [ref, to, extra] = positionals;
  if (ref === undefined) throw new UsageError('missing <account>');
  if (to === undefined) throw new UsageError('missing <new login>');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const renamed = await ctx.admin.rename(ref, to);
  if (renamed.from === renamed.to) ctx.print(`${renamed.to} already has that login name.`);
  else
    ctx.print(
      `Renamed ${renamed.fromName} to ${renamed.to}. Live sessions keep the name they signed in with; applications see ${renamed.to} from the next sign-in.`,
    );
  return EXIT.ok;
}

async function linkWeChat(args: string[], ctx: UserCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { openid: { type: 'string' }, unionid: { type: 'string' }, app: { type: 'string' } });
  const ref = onePositional(positionals, 'account');
  if (!values.openid) throw new UsageError('--openid is required');
  const appId = values.app ?? ctx.wechatAppId;
  if (!appId) throw new UsageError('--app is required: no WeChat app is configured (WECHAT_APP_ID)');
  const { target, linked } = await ctx.admin.linkWeChat(ref, { appId, openid: values.openid, unionid: values.unionid });
  ctx.print(
    linked
      ? `Linked WeChat account ${values.openid} (app ${appId}) to ${target.name}: scanning with it signs in as ${target.name}.`
      : `WeChat account ${values.openid} (app ${appId}) is already linked to ${target.name}.`,
  );
  return EXIT.ok;
}

async function unlinkWeChat(args: string[], ctx: UserCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { openid: { type: 'string' }, app: { type: 'string' } });
  const ref = onePositional(positionals, 'account');
  const { target, removed, stillSignsIn } = await ctx.admin.unlinkWeChat(ref, { appId: values.app, openid: values.openid });
  ctx.print(`Unlinked WeChat account ${removed.openid} (app ${removed.appId}) from ${target.name}.`);
  if (!stillSignsIn)
    ctx.print(`warning: ${target.name} has no password, phone or other WeChat link left: nobody can sign in to it until it gets one.`);
  return EXIT.ok;
}

async function merge(args: string[], ctx: UserCommandContext): Promise<number> {
  const { positionals } = parseOptions(args, {});
  const [from, into, extra] = positionals;
  if (from === undefined) throw new UsageError('missing <from account>');
  if (into === undefined) throw new UsageError('missing <into account>');
  if (extra !== undefined) throw new UsageError(`unexpected argument "${extra}"`);
  const merged = await ctx.admin.merge(from, into);
  const moved = [merged.wechat > 0 ? `${merged.wechat} WeChat link${merged.wechat === 1 ? '' : 's'}` : undefined, ...merged.moved].filter(Boolean);
  ctx.print(`Merged ${merged.from.name} into ${merged.into.name}: moved ${moved.length > 0 ? moved.join(', ') : 'nothing'}.`);
  if (merged.dropped.length > 0) ctx.print(`Not kept (${merged.into.name} has its own, or cannot hold it): ${merged.dropped.join(', ')}.`);
  ctx.print(`Deleted ${merged.from.name}; ended ${sessions(merged.sessions)} of it${merged.sessions > 0 ? '; their applications were told' : ''}.`);
  if (merged.from.user.directory !== 'local')
    ctx.print(
      `${merged.from.name} stays in the ${merged.from.user.directory} directory: it gets a new wecas record if it signs in again (disable it to keep it out).`,
    );
  sessionsNote(ctx);
  return EXIT.ok;
}

async function resetSecondFactor(args: string[], ctx: UserCommandContext): Promise<number> {
  const { target, recoveryCodes } = await ctx.admin.resetSecondFactor(oneAccount(args));
  ctx.print(
    `Removed the authenticator app of ${target.name} and its ${recoveryCodes} unused recovery code${recoveryCodes === 1 ? '' : 's'}: ` +
      'it can set up a new one on its account page.',
  );
  return EXIT.ok;
}

async function deleteUser(args: string[], ctx: UserCommandContext): Promise<number> {
  const ref = oneAccount(args);
  const { target, wechat, sessions: ended, pseudonym } = await ctx.admin.delete(ref);
  const links = wechat > 0 ? ` and its ${wechat} WeChat link${wechat === 1 ? '' : 's'}` : '';
  ctx.print(
    `Deleted ${target.name}${links}; ended ${sessions(ended)}${ended > 0 ? '; their applications were told' : ''}. Its audit events are kept.`,
  );
  ctx.print(`They now carry the pseudonym ${pseudonym}, without its name, number or login name (wecas audit --user ${pseudonym}).`);
  if (target.user.directory !== 'local')
    ctx.print(
      `The account stays in the ${target.user.directory} directory: it gets a new wecas record if it signs in again (disable it to keep it out).`,
    );
  return EXIT.ok;
}

/** The phone-change appeals waiting for a decision (all of them with --all), oldest first. */
async function listAppeals(args: string[], ctx: UserCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(args, { all: { type: 'boolean' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (!ctx.appeals) throw new UsageError('appeals are not available here');
  const appeals = await ctx.appeals.list(values.all ? undefined : 'pending');
  if (appeals.length === 0) {
    ctx.print(values.all ? 'No appeals.' : 'No appeals waiting.');
    return EXIT.ok;
  }
  const rows = appeals.map((a) => [
    a.id,
    a.account ?? `${a.userId} (deleted)`,
    a.oldPhone ?? '-',
    a.newPhone,
    a.status,
    new Date(a.createdAt).toISOString().slice(0, 16).replace('T', ' '),
    a.reason,
  ]);
  printTable(ctx, [['ID', 'ACCOUNT', 'OLD PHONE', 'NEW PHONE', 'STATUS', 'ASKED (UTC)', 'REASON'], ...rows]);
  return EXIT.ok;
}

/** Approves (the new number becomes the account's) or rejects an appeal. */
async function decideAppeal(args: string[], ctx: UserCommandContext): Promise<number> {
  const [id, decision, ...extra] = args;
  if (!id || (decision !== 'approve' && decision !== 'reject') || extra.length > 0) throw new UsageError('give an appeal id and approve or reject');
  if (!ctx.appeals) throw new UsageError('appeals are not available here');
  const result = await ctx.appeals.decide(id, decision === 'approve' ? 'approved' : 'rejected');
  ctx.print(
    result.status === 'approved' ? `Approved appeal ${id}: the account's number is changed.` : `Rejected appeal ${id}: the account keeps its number.`,
  );
  return EXIT.ok;
}

/** After an action that ends sessions: where the CLI cannot reach them, who ends them instead. */
function sessionsNote(ctx: UserCommandContext): void {
  if (!ctx.sessionsShared)
    ctx.print(
      'note: the server keeps its sessions in its own memory (TICKET_REGISTRY=memory), out of reach here: it ends them itself within DIRECTORY_RECHECK_SECONDS.',
    );
}

function oneAccount(args: string[]): string {
  return onePositional(parseOptions(args, {}).positionals, 'account');
}

function sessions(n: number): string {
  return `${n} sign-in session${n === 1 ? '' : 's'}`;
}

function showNew(change: FieldChange): string {
  return change.field === 'name' ? `name "${change.to}"` : change.field === 'phone' ? `phone ${change.to}` : `${change.field}=${change.to}`;
}

function showChange(change: FieldChange): string {
  const show = (v: string | null) => (v === null ? '(none)' : change.field === 'name' ? `"${v}"` : v);
  return `${change.field} ${show(change.from)} → ${show(change.to)}`;
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

function tableRow(user: User): string[] {
  return [
    user.username ?? '-',
    user.phone ?? '-',
    user.displayName ?? '-',
    user.status,
    user.hasPassword ? 'yes' : 'no',
    user.directory === 'local' ? '-' : `${user.directory} ${user.directoryId}`,
    new Date(user.createdAt).toISOString().slice(0, 16).replace('T', ' '),
  ];
}
