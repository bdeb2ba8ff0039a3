import { createServiceAdmin, type ServiceAdmin } from '../admin/services.js';
import { AdminNotFound } from '../admin/users.js';
import { createSqlAuditLog } from '../audit/audit-log.js';
import { type Clock, systemClock } from '../clock.js';
import { ApereoImportError, importApereoServices } from '../services/apereo-import.js';
import { type ServiceRegistry, SqlServiceRegistry } from '../services/registry.js';
import {
  type LogoutType,
  type MatchType,
  type NewService,
  type RegisteredService,
  SIGN_IN_METHODS,
  type SignInMethod,
  type UsernameCase,
} from '../services/types.js';
import { ServiceValidationError } from '../services/validation.js';
import type { Db } from '../store/db.js';
import { EXIT, onePositional, type Printer, parseOptions, printTable, runCommand, UsageError, wholeNumber } from './args.js';

export interface ServiceCommandContext extends Printer {
  db: Db;
  clock?: Clock;
}

const USAGE = [
  'usage:',
  '  wecas service add <pattern> --name <name> [--prefix | --regex] [--attributes a,b] [--order <n>] [--id <n>]',
  '                    [--logout-url <url>] [--logout-type back-channel|front-channel|none] [--proxy <regex>] [--disabled]',
  '                    [policy options]',
  '                    (the pattern is an exact URL unless --prefix or --regex)',
  '  wecas service update <id> [--name <name>] [--attributes a,b] [--order <n>] [--logout-url <url>]',
  '                    [--logout-type …] [--proxy <regex>] [policy options]   (what is not given stays as it is)',
  '  wecas service show <id>',
  '  wecas service list',
  '  wecas service remove <id>',
  '  wecas service enable <id>',
  '  wecas service disable <id>',
  '  wecas service import <file-or-directory>   (Apereo CAS JSON service definitions)',
  'policy options:',
  '  --username-attribute <name>    the attribute whose first value is the CAS user (username, phone, mail, stableId,',
  '                                 a released name …); empty: the login name, else the wecas id',
  '  --username-case none|upper|lower',
  '  --rename <attribute>=<name>[,<name>…]   release an attribute under other names (repeat it for more; with',
  '                                 update, the renames given replace the stored ones; --no-renames removes them all)',
  '  --require <attribute>=<pattern>   only people with a value in which the pattern is found (a regular expression;',
  '                                 ^staff$ for exactly staff); repeat it for more patterns or attributes (with update,',
  '                                 they replace the stored ones); --no-requirements lets everyone in again',
  '  --require-any | --require-all  one required attribute is enough, or every one must match (the default)',
  '  --require-ignore-case | --require-match-case',
  '  --methods password,sms,wechat | --methods any   the sign-in methods the service accepts',
  '  --mfa required|optional        tickets only from sessions that passed a second factor (TOTP app or SMS code),',
  '                                 or a second factor only for accounts that ask for one (the default)',
];

/** `wecas service …`: returns the process exit code. Everything it says goes through `ctx.print`. */
export async function runServiceCommand(args: string[], ctx: ServiceCommandContext): Promise<number> {
  const [command, ...rest] = args;
  const clock = ctx.clock ?? systemClock;
  const registry = new SqlServiceRegistry(ctx.db, clock);
  // The same domain functions as the admin API's, so both audit every change the same way.
  const services = createServiceAdmin({ registry, audit: createSqlAuditLog(ctx.db, clock), via: 'cli' });
  return runCommand(
    USAGE,
    ctx,
    async () => {
      try {
        return await serviceCommand(command, rest, { registry, services }, ctx);
      } catch (err) {
        if (err instanceof AdminNotFound) {
          ctx.print(`error: ${err.message} (see: wecas service list)`);
          return EXIT.failed;
        }
        if (!(err instanceof ApereoImportError)) throw err;
        ctx.print(`error: nothing imported; ${err.problems.length === 1 ? 'a definition is' : 'definitions are'} not valid:`);
        for (const problem of err.problems) ctx.print(`  ${problem}`);
        return EXIT.failed;
      }
    },
    [ServiceValidationError],
  );
}

interface Registries {
  /** What the Apereo import writes through (it reports added and updated itself). */
  registry: ServiceRegistry;
  services: ServiceAdmin;
}

async function serviceCommand(
  command: string | undefined,
  rest: string[],
  { registry, services }: Registries,
  ctx: ServiceCommandContext,
): Promise<number> {
  switch (command) {
    case 'add':
      return addService(rest, services, ctx);
    case 'update':
      return updateService(rest, services, ctx);
    case 'show':
      return showService(rest, services, ctx);
    case 'list':
      return listServices(rest, services, ctx);
    case 'remove':
      return removeService(rest, services, ctx);
    case 'enable':
    case 'disable':
      return setEnabled(command === 'enable', rest, services, ctx);
    case 'import':
      return importServices(rest, registry, ctx);
    case 'help':
      for (const line of USAGE) ctx.print(line);
      return EXIT.ok;
    default:
      throw new UsageError(command === undefined ? 'missing service command' : `unknown service command "${command}"`);
  }
}

const COMMON_OPTIONS = {
  name: { type: 'string' },
  attributes: { type: 'string' },
  order: { type: 'string' },
  'logout-url': { type: 'string' },
  'logout-type': { type: 'string' },
  proxy: { type: 'string' },
  'username-attribute': { type: 'string' },
  'username-case': { type: 'string' },
  rename: { type: 'string', multiple: true },
  'no-renames': { type: 'boolean' },
  require: { type: 'string', multiple: true },
  'no-requirements': { type: 'boolean' },
  'require-any': { type: 'boolean' },
  'require-all': { type: 'boolean' },
  'require-ignore-case': { type: 'boolean' },
  'require-match-case': { type: 'boolean' },
  methods: { type: 'string' },
  mfa: { type: 'string' },
} as const;

type CommonValues = ReturnType<typeof parseOptions<typeof COMMON_OPTIONS>>['values'];

/** The fields the options of `add` and `update` set; what is not given is left out. */
function fieldsOf(values: CommonValues): Partial<NewService> {
  const logoutType = values['logout-type'];
  if (logoutType !== undefined && !isLogoutType(logoutType)) {
    throw new UsageError(`--logout-type must be back-channel, front-channel or none (got "${logoutType}")`);
  }
  const usernameCase = values['username-case'];
  if (usernameCase !== undefined && !isUsernameCase(usernameCase)) {
    throw new UsageError(`--username-case must be none, upper or lower (got "${usernameCase}")`);
  }
  if (values['require-any'] && values['require-all']) throw new UsageError('choose one of --require-any and --require-all');
  if (values['require-ignore-case'] && values['require-match-case'])
    throw new UsageError('choose one of --require-ignore-case and --require-match-case');
  if (values['no-renames'] && values.rename) throw new UsageError('choose one of --rename and --no-renames');
  if (values['no-requirements'] && values.require) throw new UsageError('choose one of --require and --no-requirements');
  const mfa = values.mfa;
  if (mfa !== undefined && mfa !== 'required' && mfa !== 'optional') throw new UsageError(`--mfa must be required or optional (got "${mfa}")`);
  const usernameAttribute = values['username-attribute']?.trim();
  return {
    ...(values.name !== undefined && { name: values.name }),
    ...(values.order !== undefined && { evaluationOrder: wholeNumber(values.order, '--order') }),
    ...(values.attributes !== undefined && { attributes: list(values.attributes) }),
    ...(values['logout-url'] !== undefined && { logoutUrl: values['logout-url'] || null }),
    ...(logoutType !== undefined && { logoutType }),
    ...(values.proxy !== undefined && { proxyPattern: values.proxy || null }),
    ...(usernameAttribute !== undefined && { usernameAttribute: usernameAttribute || null }),
    ...(usernameCase !== undefined && { usernameCase }),
    ...(values.rename !== undefined && { attributeRenames: pairs(values.rename, '--rename', (names) => list(names)) }),
    ...(values['no-renames'] && { attributeRenames: {} }),
    ...(values.require !== undefined && { requiredAttributes: pairs(values.require, '--require', (pattern) => [pattern]) }),
    ...(values['no-requirements'] && { requiredAttributes: {} }),
    ...(values['require-any'] && { requireAllAttributes: false }),
    ...(values['require-all'] && { requireAllAttributes: true }),
    ...(values['require-ignore-case'] && { requiredAttributesCaseInsensitive: true }),
    ...(values['require-match-case'] && { requiredAttributesCaseInsensitive: false }),
    ...(values.methods !== undefined && { signInMethods: methodsOf(values.methods) }),
    ...(mfa !== undefined && { mfaPolicy: mfa }),
  };
}

async function addService(args: string[], registry: ServiceAdmin, ctx: ServiceCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(withNegativeOrder(args), {
    ...COMMON_OPTIONS,
    regex: { type: 'boolean' },
    prefix: { type: 'boolean' },
    id: { type: 'string' },
    disabled: { type: 'boolean' },
  });
  const pattern = onePositional(positionals, 'pattern');
  if (values.name === undefined) throw new UsageError('missing --name <name>');
  if (values.regex && values.prefix) throw new UsageError('choose one of --regex and --prefix');
  const matchType: MatchType = values.regex ? 'regex' : values.prefix ? 'prefix' : 'exact';
  const service = await registry.add({
    ...fieldsOf(values),
    name: values.name,
    pattern,
    matchType,
    ...(values.id !== undefined && { id: wholeNumber(values.id, '--id') }),
    ...(values.disabled && { enabled: false }),
  });
  ctx.print(`Added service ${service.id} "${service.name}": ${describe(service)}`);
  return EXIT.ok;
}

async function updateService(args: string[], services: ServiceAdmin, ctx: ServiceCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(withNegativeOrder(args), COMMON_OPTIONS);
  const id = wholeNumber(onePositional(positionals, 'id'), 'the service id');
  const fields = fieldsOf(values);
  if (Object.keys(fields).length === 0) throw new UsageError('nothing to change: give at least one option');
  const { service: stored } = await services.update(id, fields);
  ctx.print(`Updated service ${id} "${stored.name}": ${describe(stored)}`);
  return EXIT.ok;
}

async function showService(args: string[], services: ServiceAdmin, ctx: ServiceCommandContext): Promise<number> {
  const s = await services.get(serviceId(args));
  const renames = Object.entries(s.attributeRenames).map(([source, names]) => `${source} as ${names.join(', ')}`);
  const required = Object.entries(s.requiredAttributes).map(([name, patterns]) => `${name} ~ ${patterns.map((p) => `/${p}/`).join(' or ')}`);
  const rows: Array<[string, string]> = [
    ['id', String(s.id)],
    ['name', s.name],
    ['description', s.description ?? '-'],
    ['pattern', `${s.matchType} ${s.pattern}`],
    ['order', String(s.evaluationOrder)],
    ['enabled', s.enabled ? 'yes' : 'no'],
    ['user name', userNameOf(s)],
    ['attributes', s.attributes.join(', ') || 'none'],
    ['renamed', renames.join('; ') || 'none'],
    [
      'who may use it',
      required.length === 0
        ? 'everyone'
        : `people with ${s.requireAllAttributes ? 'all' : 'any'} of: ${required.join('; ')}${s.requiredAttributesCaseInsensitive ? ' (ignoring case)' : ''}`,
    ],
    ['sign-in methods', s.signInMethods.join(', ') || 'any'],
    ['second factor', s.mfaPolicy === 'required' ? 'required (TOTP app or SMS code)' : 'optional (only for accounts that ask for one)'],
    ['logout', `${s.logoutType}${s.logoutUrl ? ` to ${s.logoutUrl}` : ''}`],
    ['proxy callbacks', s.proxyPattern ?? 'none (may not proxy)'],
  ];
  printTable(ctx, rows);
  return EXIT.ok;
}

async function listServices(args: string[], registry: ServiceAdmin, ctx: ServiceCommandContext): Promise<number> {
  const { positionals } = parseOptions(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  const services = await registry.list();
  if (services.length === 0) {
    ctx.print('No services registered. Add one with: wecas service add <url> --name <name>');
    return EXIT.ok;
  }
  const header = ['ID', 'ORDER', 'TYPE', 'PATTERN', 'NAME', 'ATTRIBUTES', 'ENABLED'];
  const rows = services.map((s) => [
    String(s.id),
    String(s.evaluationOrder),
    s.matchType,
    s.pattern,
    s.name,
    s.attributes.join(',') || '-',
    s.enabled ? 'yes' : 'no',
  ]);
  printTable(ctx, [header, ...rows]);
  return EXIT.ok;
}

async function removeService(args: string[], services: ServiceAdmin, ctx: ServiceCommandContext): Promise<number> {
  const id = serviceId(args);
  const service = await services.remove(id);
  ctx.print(`Removed service ${id} "${service.name}".`);
  return EXIT.ok;
}

async function setEnabled(enabled: boolean, args: string[], services: ServiceAdmin, ctx: ServiceCommandContext): Promise<number> {
  const id = serviceId(args);
  const { service, changed } = await services.setEnabled(id, enabled);
  const what = enabled ? 'enabled' : 'disabled';
  ctx.print(changed.length === 0 ? `Service ${id} "${service.name}" was already ${what}.` : `Service ${id} "${service.name}" ${what}.`);
  return EXIT.ok;
}

async function importServices(args: string[], registry: ServiceRegistry, ctx: ServiceCommandContext): Promise<number> {
  const { positionals } = parseOptions(args, {});
  const imported = await importApereoServices(registry, onePositional(positionals, 'file-or-directory'));
  for (const { file, service, action } of imported) {
    ctx.print(`${action === 'added' ? 'Added' : 'Updated'} service ${service.id} "${service.name}" from ${file}: ${describe(service)}`);
  }
  const added = imported.filter((i) => i.action === 'added').length;
  ctx.print(`Imported ${imported.length} service definition(s): ${added} added, ${imported.length - added} updated.`);
  return EXIT.ok;
}

/** parseArgs takes `-5` after `--order` for an option; `--order=-5` is what it accepts, so say that for the user. */
function withNegativeOrder(args: string[]): string[] {
  const i = args.indexOf('--order');
  const value = args[i + 1];
  if (i === -1 || value === undefined || !/^-\d+$/.test(value)) return args;
  return [...args.slice(0, i), `--order=${value}`, ...args.slice(i + 2)];
}

function serviceId(args: string[]): number {
  const { positionals } = parseOptions(args, {});
  return wholeNumber(onePositional(positionals, 'id'), 'the service id');
}

function userNameOf(s: RegisteredService): string {
  const fallback = 'the login name, else the wecas id';
  const chosen = s.usernameAttribute ? `${s.usernameAttribute} (when missing: ${fallback})` : fallback;
  return s.usernameCase === 'none' ? chosen : `${chosen}, in ${s.usernameCase} case`;
}

/** `a, b,` → [a, b]. */
function list(text: string): string[] {
  return text
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** `name=value` options into a map of lists; a name given twice gathers its values. */
function pairs(options: string[], option: string, valuesOf: (value: string) => string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of options) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option} takes <attribute>=<value> (got "${entry}")`);
    const name = entry.slice(0, eq).trim();
    out[name] = [...(out[name] ?? []), ...valuesOf(entry.slice(eq + 1))];
  }
  return out;
}

function methodsOf(text: string): SignInMethod[] {
  if (text.trim() === 'any') return [];
  const methods = list(text);
  for (const m of methods) {
    if (!(SIGN_IN_METHODS as readonly string[]).includes(m)) {
      throw new UsageError(`--methods takes ${SIGN_IN_METHODS.join(', ')} or any (got "${m}")`);
    }
  }
  return methods as SignInMethod[];
}

function isUsernameCase(value: string): value is UsernameCase {
  return value === 'none' || value === 'upper' || value === 'lower';
}

function isLogoutType(value: string): value is LogoutType {
  return value === 'back-channel' || value === 'front-channel' || value === 'none';
}

function describe(s: RegisteredService): string {
  const parts = [
    `order ${s.evaluationOrder}`,
    `attributes: ${s.attributes.join(', ') || 'none'}`,
    `logout: ${s.logoutType}${s.logoutUrl ? ` to ${s.logoutUrl}` : ''}`,
    s.proxyPattern ? `proxy callbacks: ${s.proxyPattern}` : 'no proxying',
  ];
  if (s.usernameAttribute) parts.push(`user: ${s.usernameAttribute}`);
  if (s.usernameCase !== 'none') parts.push(`user name in ${s.usernameCase} case`);
  const renames = Object.entries(s.attributeRenames);
  if (renames.length > 0) parts.push(`renamed: ${renames.map(([source, names]) => `${source} as ${names.join(', ')}`).join('; ')}`);
  const required = Object.keys(s.requiredAttributes);
  if (required.length > 0) parts.push(`requires ${s.requireAllAttributes ? 'all' : 'any'} of: ${required.join(', ')}`);
  if (s.signInMethods.length > 0) parts.push(`methods: ${s.signInMethods.join(', ')}`);
  if (s.mfaPolicy === 'required') parts.push('second factor required');
  if (!s.enabled) parts.push('DISABLED');
  return `${s.matchType} ${s.pattern} (${parts.join('; ')})`;
}
