import { systemClock } from '../clock.js';
import { type Config, loadConfig } from '../config.js';
import { openDatabase } from '../store/db.js';
import { migrateToLatest } from '../store/migrations.js';
import { createWecas } from '../wecas.js';
import { runAdminCommand } from './admin-commands.js';
import { showControlCharacters } from './args.js';
import { runAuditCommand } from './audit-commands.js';
import { exitWith } from './exit.js';
import { runServiceCommand } from './service-commands.js';
import { closeOnSignals, startServer } from './start.js';
import { runUserCommand, userCommandContext } from './user-commands.js';

const USAGE = `usage: wecas <command>
  start                          run the server (configuration from environment variables; see README)
  migrate                        apply database migrations and exit
  user add|list|import|disable|enable|passwd|rename|link-wechat|unlink-wechat|merge|delete|reset-second-factor|appeals|appeal …
  service add|update|show|list|remove|enable|disable|import …
  admin grant|revoke|list|token create|list|revoke …
  audit [--user <username|id>] [--type <type>] [--since <ISO|1h|7d>] [--limit N] [--json]`;

// Every line a command prints may carry data (names, attributes, audit details): its control characters are shown as escapes.
const print = (line: string) => console.log(showControlCharacters(line));

/** Runs one `wecas` command; resolves to the exit code, or to undefined while the server runs. */
async function main(argv: string[]): Promise<number | undefined> {
  const [command, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  const config = loadConfig();
  switch (command) {
    case 'start':
    case undefined: {
      const server = await startServer(config);
      closeOnSignals(server.logger, server.close);
      return undefined;
    }
    case 'migrate':
      return migrate(config);
    case 'user': {
      // The whole of wecas: disabling, merging or deleting a user ends their SSO sessions in the shared ticket store,
      // with single logout, and accounts are found in the configured directories.
      const wecas = await createWecas(config);
      try {
        return await runUserCommand(rest, userCommandContext(wecas, print));
      } finally {
        await wecas.singleLogout.settled();
        await wecas.close();
      }
    }
    case 'admin': {
      const wecas = await createWecas(config);
      try {
        return await runAdminCommand(rest, { access: wecas.admin.access, now: () => wecas.clock.now(), print });
      } finally {
        await wecas.close();
      }
    }
    case 'service':
    case 'audit': {
      const { db } = openDatabase(config.storage.databaseUrl);
      try {
        await migrateToLatest(db);
        const ctx = { db, clock: systemClock, print };
        return command === 'audit' ? await runAuditCommand(rest, ctx) : await runServiceCommand(rest, ctx);
      } finally {
        await db.destroy();
      }
    }
    default:
      console.error(`wecas: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

async function migrate(config: Config): Promise<number> {
  const { db, location } = openDatabase(config.storage.databaseUrl);
  try {
    const applied = await migrateToLatest(db);
    console.log(applied.length ? `Applied ${applied.join(', ')} to ${location}` : `Database ${location} is up to date`);
    return 0;
  } finally {
    await db.destroy();
  }
}

exitWith(main(process.argv.slice(2)));
