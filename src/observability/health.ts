import { type Clock, systemClock } from '../clock.js';
import type { Config } from '../config.js';
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
  status: 'ready' | 'not_ready';
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
  /** A dependency slower than this counts as down, so a probe answers fast. Default 1000. */
  timeoutMs?: number;
}

/**
 * What a load balancer asks before sending a node traffic: can it write to its database (a sign-in writes), can
 * it reach Redis, and is the configuration for WeChat and SMS present. The checks run in parallel, each bounded by
 * the timeout.
 */
export function createReadiness({ db, dialect, clock = systemClock, redis, config, timeoutMs = 1000 }: ReadinessDeps): Readiness {
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
      const names = Object.keys(probes);
      const results = await Promise.all(names.map((name) => probes[name]!()));
      const checks = Object.fromEntries(names.map((name, i) => [name, results[i]!]));
      return { status: results.every((r) => r.ok) ? 'ready' : 'not_ready', checks };
    },
  };
}

async function timed(work: () => Promise<void>, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)));
  try {
    const outcome = await Promise.race([work().then(() => 'ok' as const), timeout]);
    const ms = Math.round((performance.now() - started) * 10) / 10;
    return outcome === 'ok' ? { ok: true, ms } : { ok: false, ms, error: 'timeout' };
  } catch (err) {
    return { ok: false, ms: Math.round((performance.now() - started) * 10) / 10, error: errorCode(err) };
  } finally {
    clearTimeout(timer);
  }
}

/** A driver's error code (ECONNREFUSED, 57P01…) or its class name: enough to act on, nothing to leak. */
function errorCode(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && /^[A-Z0-9_]{2,40}$/.test(code)) return code;
  return err instanceof Error ? err.name : 'failed';
}
