import type { FastifyInstance } from 'fastify';
import { type Logger, pino } from 'pino';
import { pruneAuditEvents } from '../audit/queries.js';
import type { Config } from '../config.js';
import { buildApp, type DevSurface } from '../http/app.js';
import { startAdminServer } from '../http/observability.js';
import { createWecas, type Wecas, type WecasOverrides } from '../wecas.js';

/** How often expired tickets are swept and old audit events pruned. */
const SWEEP_INTERVAL_MS = 60_000;

export interface RunningServer {
  wecas: Wecas;
  app: FastifyInstance;
  logger: Logger;
  /** Stops taking requests, lets single logout deliveries finish, closes the stores. */
  close(): Promise<void>;
}

/**
 * `wecas start`: the server a deployment runs, listening, with its sweeper and (METRICS_PORT) its admin port.
 * The development start (dev/) passes the surfaces it mounts; production passes none.
 */
export async function startServer(config: Config, options: { devSurfaces?: DevSurface[]; overrides?: WecasOverrides } = {}): Promise<RunningServer> {
  const logger = options.overrides?.logger ?? pino({ level: config.server.logLevel });
  const wecas = await createWecas(config, { ...options.overrides, logger });
  let app: FastifyInstance | undefined;
  let admin: FastifyInstance | undefined;
  const sweeper = setInterval(() => void sweep(wecas, logger), SWEEP_INTERVAL_MS);
  sweeper.unref();
  const rechecker = setInterval(() => void recheckDirectories(wecas, logger), config.directories.recheckSeconds * 1000);
  rechecker.unref();
  // `kill -USR2 <pid>`: re-check now. With the memory registry, the sessions of an account disabled or deleted by a
  // `wecas user …` command (another process) end here at once instead of at the next round (docs/architecture.md).
  const recheckNow = () => void recheckDirectories(wecas, logger, { now: true });
  process.on('SIGUSR2', recheckNow);
  const close = async () => {
    clearInterval(sweeper);
    clearInterval(rechecker);
    process.off('SIGUSR2', recheckNow);
    await admin?.close();
    await app?.close();
    await wecas.singleLogout.settled();
    await wecas.close();
  };
  try {
    app = await buildApp(wecas, { ...(options.devSurfaces ? { devSurfaces: options.devSurfaces } : {}) });
    await app.listen({ port: config.server.port, host: config.server.host });
    const { metricsPort, metricsHost } = config.observability;
    if (metricsPort !== undefined)
      admin = await startAdminServer({ port: metricsPort, host: metricsHost, metrics: wecas.metrics, readiness: wecas.readiness, logger });
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { wecas, app, logger, close };
}

/** Expired tickets leave the SQL and memory registries (their sessions get single logout); old audit events go. */
async function sweep(wecas: Wecas, logger: Logger): Promise<void> {
  try {
    await wecas.sessions.sweep();
    await wecas.kv.sweep?.();
    await pruneAuditEvents(wecas.db, wecas.clock.now() - wecas.config.observability.auditRetentionDays * 86_400_000);
  } catch (err) {
    logger.warn({ err }, 'ticket sweep failed');
  }
}

/** Disabled or removed accounts lose their sessions (login/directory-recheck.ts); one node a round does the reading. */
async function recheckDirectories(wecas: Wecas, logger: Logger, options: { now?: boolean } = {}): Promise<void> {
  try {
    const report = await wecas.directoryRecheck.run(options);
    if (report && (report.ended > 0 || report.unanswered > 0)) logger.info(report, 'directory re-check');
  } catch (err) {
    logger.warn({ err }, 'directory re-check failed');
  }
}

/** Ends the process cleanly on SIGINT and SIGTERM: the server closes first, then whatever else was started. */
export function closeOnSignals(logger: Logger, ...closers: Array<() => Promise<unknown>>): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // A hung close must not keep the process: leave after 10 s whatever is still open.
    setTimeout(() => process.exit(1), 10_000).unref();
    void (async () => {
      for (const close of closers) await close().catch((err: unknown) => logger.error({ err }, 'shutdown step failed'));
      process.exit(0);
    })();
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
