import { type Clock, systemClock } from '../clock.js';
import { ApereoImportError, importApereoServices } from '../services/apereo-import.js';
import { type ServiceRegistry, SqlServiceRegistry } from '../services/registry.js';
import type { LogoutType, MatchType, RegisteredService } from '../services/types.js';
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
  '                    (the pattern is an exact URL unless --prefix or --regex)',
  '  wecas service list',
  '  wecas service remove <id>',
  '  wecas service enable <id>',
  '  wecas service disable <id>',
  '  wecas service import <file-or-directory>   (Apereo CAS JSON service definitions)',
];

/** `wecas service …`: returns the process exit code. Everything it says goes through `ctx.print`. */
export async function runServiceCommand(args: string[], ctx: ServiceCommandContext): Promise<number> {
  const [command, ...rest] = args;
  const registry = new SqlServiceRegistry(ctx.db, ctx.clock ?? systemClock);
  return runCommand(
    USAGE,
    ctx,
    async () => {
      try {
        return await serviceCommand(command, rest, registry, ctx);
      } catch (err) {
        if (!(err instanceof ApereoImportError)) throw err;
        ctx.print(`error: nothing imported; ${err.problems.length === 1 ? 'a definition is' : 'definitions are'} not valid:`);
        for (const problem of err.problems) ctx.print(`  ${problem}`);
        return EXIT.failed;
      }
    },
    [ServiceValidationError],
  );
}

async function serviceCommand(command: string | undefined, rest: string[], registry: ServiceRegistry, ctx: ServiceCommandContext): Promise<number> {
  switch (command) {
    case 'add':
      return addService(rest, registry, ctx);
    case 'list':
      return listServices(rest, registry, ctx);
    case 'remove':
      return removeService(rest, registry, ctx);
    case 'enable':
    case 'disable':
      return setEnabled(command === 'enable', rest, registry, ctx);
    case 'import':
      return importServices(rest, registry, ctx);
    case 'help':
      for (const line of USAGE) ctx.print(line);
      return EXIT.ok;
    default:
      throw new UsageError(command === undefined ? 'missing service command' : `unknown service command "${command}"`);
  }
}

async function addService(args: string[], registry: ServiceRegistry, ctx: ServiceCommandContext): Promise<number> {
  const { values, positionals } = parseOptions(withNegativeOrder(args), {
    name: { type: 'string' },
    attributes: { type: 'string' },
    regex: { type: 'boolean' },
    prefix: { type: 'boolean' },
    order: { type: 'string' },
    id: { type: 'string' },
    'logout-url': { type: 'string' },
    'logout-type': { type: 'string' },
    proxy: { type: 'string' },
    disabled: { type: 'boolean' },
  });
  const pattern = onePositional(positionals, 'pattern');
  if (values.name === undefined) throw new UsageError('missing --name <name>');
  if (values.regex && values.prefix) throw new UsageError('choose one of --regex and --prefix');
  const matchType: MatchType = values.regex ? 'regex' : values.prefix ? 'prefix' : 'exact';
  const logoutType = values['logout-type'];
  if (logoutType !== undefined && !isLogoutType(logoutType)) {
    throw new UsageError(`--logout-type must be back-channel, front-channel or none (got "${logoutType}")`);
  }
  const service = await registry.add({
    name: values.name,
    pattern,
    matchType,
    ...(values.id !== undefined && { id: wholeNumber(values.id, '--id') }),
    ...(values.order !== undefined && { evaluationOrder: wholeNumber(values.order, '--order') }),
    ...(values.attributes !== undefined && {
      attributes: values.attributes
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== ''),
    }),
    ...(values['logout-url'] !== undefined && { logoutUrl: values['logout-url'] }),
    ...(logoutType !== undefined && { logoutType }),
    ...(values.proxy !== undefined && { proxyPattern: values.proxy }),
    ...(values.disabled && { enabled: false }),
  });
  ctx.print(`Added service ${service.id} "${service.name}": ${describe(service)}`);
  return EXIT.ok;
}

async function listServices(args: string[], registry: ServiceRegistry, ctx: ServiceCommandContext): Promise<number> {
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

async function removeService(args: string[], registry: ServiceRegistry, ctx: ServiceCommandContext): Promise<number> {
  const id = serviceId(args);
  const service = await registry.get(id);
  if (!service || !(await registry.remove(id))) return noSuchService(id, ctx);
  ctx.print(`Removed service ${id} "${service.name}".`);
  return EXIT.ok;
}

async function setEnabled(enabled: boolean, args: string[], registry: ServiceRegistry, ctx: ServiceCommandContext): Promise<number> {
  const id = serviceId(args);
  const service = await registry.get(id);
  if (!service || !(await registry.update({ ...service, enabled }))) return noSuchService(id, ctx);
  const what = enabled ? 'enabled' : 'disabled';
  ctx.print(service.enabled === enabled ? `Service ${id} "${service.name}" was already ${what}.` : `Service ${id} "${service.name}" ${what}.`);
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

function isLogoutType(value: string): value is LogoutType {
  return value === 'back-channel' || value === 'front-channel' || value === 'none';
}

function noSuchService(id: number, ctx: ServiceCommandContext): number {
  ctx.print(`error: there is no service with id ${id} (see: wecas service list)`);
  return EXIT.failed;
}

function describe(s: RegisteredService): string {
  const parts = [
    `order ${s.evaluationOrder}`,
    `attributes: ${s.attributes.join(', ') || 'none'}`,
    `logout: ${s.logoutType}${s.logoutUrl ? ` to ${s.logoutUrl}` : ''}`,
    s.proxyPattern ? `proxy callbacks: ${s.proxyPattern}` : 'no proxying',
  ];
  if (!s.enabled) parts.push('DISABLED');
  return `${s.matchType} ${s.pattern} (${parts.join('; ')})`;
}
