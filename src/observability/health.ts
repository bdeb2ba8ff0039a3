import { type Clock, systemClock } from '../clock.js';
import type { Config } from '../config.js';
import { DirectoryUnavailable } from '../directories/directory.js';
import type { Db, DbDialect } from '../store/db.js';
import { writeHeartbeat } from '../store/heartbeat.js';

/** One dependency's state. `error` is a short code (`timeout`, `ECONNREFUSED`…), never a message that could hold a URL or key. */
export interface CheckResult {
  ok: boolean;
  ms?: number;
  error?: string;
  /** Non-secret facts worth seeing, e.g. which SMS provider is configured. */
  [fact: string]: unknown;
}

export interface ReadinessReport {
  /**
   * `degraded`: ready, but a directory cannot answer. The node still serves single sign-on, validation and
   * sign-in through the other directories and linked WeChat accounts, and every node shares the directory: taking
   * nodes out of the load balancer would only make it worse, so a degraded node answers 200.
   */
  status: 'ready' | 'degraded' | 'not_ready';
  checks: Record<string, CheckResult>;
}

export interface Readiness {
  check(): Promise<ReadinessReport>;
}

export interface ReadinessDeps {
  db: Db;
  dialect: DbDialect;
  /** Stamps the heartbeat row. Default: the system clock. */
  clock?: Clock;
  /** Checked with PING when Redis is configured. */
  redis?: { ping(): Promise<unknown> } | undefined;
  config: Pick<Config, 'mode' | 'wechat' | 'sms'>;
  /** The directories accounts live in: each one's `check()`, reported as `directory:<name>`. */
  directories?: ReadonlyArray<{ name: string; check(): Promise<void> }>;
  /** A dependency slower than this counts as down, so a probe answers fast. Default 1000. */
  timeoutMs?: number;
}

/**
 * What a load balancer asks before sending a node traffic: can it write to its database (a sign-in writes), can
 * it reach Redis, and is the configuration for WeChat and SMS present. The checks run in parallel, each bounded by
 * the timeout.
 */
export function createReadiness({ db, dialect, clock = systemClock, redis, config, directories = [], timeoutMs = 1000 }: ReadinessDeps): Readiness {
  const directoryProbes = Object.fromEntries(
    directories.map((d) => [`directory:${d.name}`, () => timed(() => d.check(), timeoutMs, directoryErrorKind)] as const),
  );
  const probes: Record<string, () => Promise<CheckResult>> = {
    database: () => timed(() => writeHeartbeat(db, dialect, clock.now(), timeoutMs), timeoutMs),
    ...(redis ? { redis: () => timed(async () => void (await redis.ping()), timeoutMs) } : {}),
    // WeChat is optional outside production; `api` says whose servers answer (WeChat's, or an emulator's).
    wechat: async () => ({
      ok: config.mode !== 'production' || config.wechat !== undefined,
      configured: config.wechat !== undefined,
      ...(config.wechat ? { api: new URL(config.wechat.apiBaseUrl).host } : {}),
    }),
    // The configuration already refuses a provider without its keys; production refuses the console outbox.
    sms: async () => ({ ok: config.mode !== 'production' || config.sms.provider.kind !== 'console', provider: config.sms.provider.kind }),
  };
  return {
    async check() {
      const all = { ...probes, ...directoryProbes };
      const names = Object.keys(all);
      const results = await Promise.all(names.map((name) => all[name]!()));
      const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
      const failed = names.filter((_, i) => !results[i]!.ok);
      const status = failed.length === 0 ? 'ready' : failed.every((name) => name in directoryProbes) ? 'degraded' : 'not_ready';
      return { status, checks };
    },
  };
}

async function timed(work: () => Promise<void>, timeoutMs: number, describe: (err: unknown) => string = errorCode): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const outcome = await Promise.race([work().then(() => 'ok' as const), timeout]);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    return outcome === 'ok' ? { ok: true, ms } : { ok: false, ms, error: 'timeout' };
  } catch (err) {
    return { ok: false, ms: Math.round((performance.now() - started) * 10) / 10, error: describe(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** A directory's failure kind (unreachable, timeout, service_account_refused, misconfigured). */
function directoryErrorKind(err: unknown): string {
  return err instanceof DirectoryUnavailable ? err.kind : errorCode(err);
}

/** A driver's error code (ECONNREFUSED, 57P01…) or its class name: enough to act on, nothing to leak. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  return err instanceof Error ? err.name : 'failed';
}
