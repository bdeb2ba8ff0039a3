import { pino } from 'pino';
import { buildApp } from './app.js';
import { runAuditCommand } from './audit/commands.js';
import { pruneAuditEvents } from './audit/queries.js';
import { systemClock } from './clock.js';
import { ConfigError, loadConfig } from './config.js';
import { createContext } from './context.js';
import { DEMO_APP_PORT, demoInstructions, ensureDemoData } from './demo.js';
import { createReadiness } from './observability/health.js';
import { startAdminServer } from './observability/http.js';
import { runServiceCommand } from './services/commands.js';
import { openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrations.js';
import { runUserCommand } from './users/commands.js';
import { startDemoApp } from '../examples/demo-app/app.js';

const USAGE = `usage: wecas <command>
  start                          run the server (configuration from environment variables; see README)
  migrate                        apply database migrations and exit
  user add|list|disable|enable|passwd …
  service add|list|remove|enable|disable|import …
  audit [--user <username|id>] [--type <type>] [--since <ISO|1h|7d>] [--limit N] [--json]`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  switch (command) {
    case 'start':
    case undefined:
      return start(config);
    case 'migrate': {
      const { db, location } = openDatabase(config.databaseUrl);
      const applied = await migrateToLatest(db);
      console.log(applied.length ? `Applied ${applied.join(', ')} to ${location}` : `Database ${location} is up to date`);
      await db.destroy();
      return 0;
    }
    case 'user': {
      // The whole context: disabling a user also ends their SSO sessions in the shared ticket store.
      const ctx = await createContext(config);
      try {
        return await runUserCommand(rest, {
          db: ctx.db,
          clock: systemClock,
          print: (line: string) => console.log(line),
          endSessions: async (userId) => {
            let ended = 0;
            for (const session of await ctx.sso.sessionsOf(userId)) {
              const gone = await ctx.sso.end(session.id);
              if (!gone) continue;
              await ctx.singleLogout.notify(gone);
              ended++;
            }
            await ctx.singleLogout.settled();
            return ended;
          },
        });
      } finally {
        await ctx.close();
      }
    }
    case 'service':
    case 'audit': {
      const { db } = openDatabase(config.databaseUrl);
      try {
        await migrateToLatest(db);
        const ctx = { db, clock: systemClock, print: (line: string) => console.log(line) };
        return command === 'audit' ? await runAuditCommand(rest, ctx) : await runServiceCommand(rest, ctx);
      } finally {
        await db.destroy();
      }
    }
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return 0;
    default:
      console.error(`wecas: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

async function start(config: ReturnType<typeof loadConfig>): Promise<number> {
  const logger = pino({ level: config.LOG_LEVEL });
  const ctx = await createContext(config, { logger });
  const app = await buildApp(ctx);
  const sweeper = startSweeper(ctx, logger);
  let admin: Awaited<ReturnType<typeof startAdminServer>> | undefined;
  let demoApp: Awaited<ReturnType<typeof startDemoApp>> | undefined;
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    clearInterval(sweeper);
    await admin?.close();
    await demoApp?.close();
    await app.close();
    await ctx.singleLogout.settled();
    await ctx.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.PORT, host: config.HOST });
  if (config.METRICS_PORT !== undefined) {
    const readiness = createReadiness({ db: ctx.db, redis: ctx.redis, config });
    admin = await startAdminServer({ port: config.METRICS_PORT, host: config.METRICS_HOST, metrics: ctx.metrics, readiness, logger });
  }
  if (config.DEMO_DATA && config.NODE_ENV === 'development') {
    await ensureDemoData(ctx);
    demoApp = await startDemoApp({ port: DEMO_APP_PORT, casUrl: config.casBaseUrl, name: 'Demo app', publicUrl: `http://localhost:${DEMO_APP_PORT}` }).catch(
      () => undefined, // the port is taken: the instructions say so
    );
    console.log(demoInstructions(config.casBaseUrl, demoApp?.url));
  }
  return -1; // keep running
}

/**
 * Expired tickets leave the SQL and memory registries here; expired sessions get their single logout.
 * Audit events older than AUDIT_RETENTION_DAYS are deleted here too.
 */
function startSweeper(ctx: Awaited<ReturnType<typeof createContext>>, logger: pino.Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    void (async () => {
      try {
        for (const ended of await ctx.tickets.sweep()) await ctx.singleLogout.notify(ended);
        await ctx.kv.sweep?.();
        await pruneAuditEvents(ctx.db, ctx.clock.now() - ctx.config.AUDIT_RETENTION_DAYS * 86_400_000);
      } catch (err) {
        logger.warn({ err }, 'ticket sweep failed');
      }
    })();
  }, 60_000);
  timer.unref();
  return timer;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    console.error(`wecas: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
