import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { type AuditLog, createSqlAuditLog } from './audit/audit-log.js';
import { createPasswordAuthenticator } from './auth/password-auth.js';
import { createLoginThrottle } from './auth/throttle.js';
import { createWeChatLogin, type WeChatLogin } from './auth/wechat-login.js';
import { createProxyCallbackClient } from './cas/proxy-callback.js';
import { createProxying, type Proxying } from './cas/proxy.js';
import { createSingleLogout, type SingleLogout } from './cas/single-logout.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import type { KeyValueStore } from './kv/store.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { observeAuditLog, observeTicketRegistry, observeVerificationCodes } from './observability/observers.js';
import { type ServiceRegistry, SqlServiceRegistry } from './services/registry.js';
import { createSmsSender, verificationCodeLimitsFrom } from './sms/create-sender.js';
import type { SmsSender } from './sms/sender.js';
import { createVerificationCodes, type VerificationCodes } from './sms/verification-codes.js';
import { type Db, type DbDialect, openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrations.js';
import { openRedis } from './store/redis.js';
import { createTicketStorage } from './tickets/create.js';
import { expirationPolicyFrom } from './tickets/expiration.js';
import type { TicketRegistry } from './tickets/registry.js';
import { createSsoSessions, type SsoSessions } from './tickets/sso-sessions.js';
import { createIdentityStore, type IdentityStore } from './users/identities.js';
import { SqlUserStore, type UserStore } from './users/store.js';
import { createWeChatClient, type WeChatClient } from './wechat/client.js';

/** Everything the routes use, wired explicitly. Tests build one with a ManualClock and in-memory SQLite. */
export interface AppContext {
  config: Config;
  clock: Clock;
  db: Db;
  dialect: DbDialect;
  /** Present when REDIS_URL is set (health checks). */
  redis: Redis | undefined;
  tickets: TicketRegistry;
  kv: KeyValueStore;
  services: ServiceRegistry;
  users: UserStore;
  sso: SsoSessions;
  passwordAuth: ReturnType<typeof createPasswordAuthenticator>;
  audit: AuditLog;
  /** Counters and histograms for /metrics; always recorded, served only when enabled. */
  metrics: Metrics;
  singleLogout: SingleLogout;
  /** CAS proxy authentication: PGTs delivered to pgtUrls, PTs from PGTs. */
  proxying: Proxying;
  identities: IdentityStore;
  sms: { sender: SmsSender; codes: VerificationCodes };
  /** WeChat sign-in; absent when neither a real AppID nor the emulator is configured. */
  wechatLogin: WeChatLogin | undefined;
  close(): Promise<void>;
}

export async function createContext(
  config: Config,
  options: {
    clock?: Clock;
    logger?: Logger;
    wechatClient?: WeChatClient;
    smsSender?: SmsSender;
    /** PEM certificates the proxy callback trusts besides Node's store (tests' self-signed CA; deployments use NODE_EXTRA_CA_CERTS). */
    proxyCallbackCa?: string[];
  } = {},
): Promise<AppContext> {
  const clock = options.clock ?? systemClock;
  const { db, dialect, location } = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw new Error(`The database at ${location} is unreachable or could not be migrated: ${(err as Error).message}`, { cause: err });
  }
  // With REDIS_URL, tickets and short-lived state are shared by every node through Redis.
  const redis = config.REDIS_URL
    ? await openRedis(config.REDIS_URL, { onError: (err) => options.logger?.warn({ err: err.message }, 'Redis connection error') }).catch(async (err: Error) => {
        await db.destroy().catch(() => undefined);
        throw err;
      })
    : undefined;
  const metrics = createMetrics();
  const { tickets: storedTickets, kv } = createTicketStorage({
    kind: redis ? 'redis' : config.TICKET_REGISTRY,
    db,
    clock,
    ...(redis ? { redis, prefix: config.REDIS_PREFIX } : {}),
  });
  const tickets = observeTicketRegistry(storedTickets, metrics);
  // Counting Redis keys is a SCAN of the keyspace: read it less often than a SQL COUNT or a map walk.
  metrics.countLiveTgts(() => storedTickets.count('TGT'), redis ? 60_000 : 10_000);
  const users = new SqlUserStore(db, clock);
  const services = new SqlServiceRegistry(db, clock);
  const audit = observeAuditLog(createSqlAuditLog(db, clock, options.logger), metrics);
  const throttle = createLoginThrottle({
    kv,
    maxFailuresPerUser: config.LOGIN_FAILURES_PER_USER,
    maxFailuresPerIp: config.LOGIN_FAILURES_PER_IP,
    windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
  });
  const identities = createIdentityStore(db, clock);
  const wechat = config.wechat;
  const wechatLogin = wechat.enabled
    ? createWeChatLogin({ kv, users, identities, client: options.wechatClient ?? createWeChatClient(wechat, fetch, (call) => metrics.wechatCall(call)) })
    : undefined;
  const smsSender = options.smsSender ?? await createSmsSender(config, options.logger ?? pino({ level: 'silent' }), clock);
  const sms = {
    sender: smsSender,
    codes: observeVerificationCodes(
      createVerificationCodes({
        kv,
        sender: smsSender,
        audit,
        clock,
        secret: config.SMS_CODE_SECRET,
        limits: verificationCodeLimitsFrom(config),
      }),
      metrics,
    ),
  };
  const policy = expirationPolicyFrom(config);
  return {
    config,
    redis,
    identities,
    sms,
    wechatLogin,
    clock,
    db,
    dialect,
    tickets,
    kv,
    services,
    users,
    sso: createSsoSessions({ registry: tickets, clock, policy }),
    proxying: createProxying({
      registry: tickets,
      services,
      clock,
      policy,
      callback: createProxyCallbackClient(options.proxyCallbackCa ? { extraCa: options.proxyCallbackCa } : {}),
      allowHttpLoopbackCallback: config.CAS_ALLOW_HTTP_PROXY_CALLBACK_LOOPBACK,
    }),
    passwordAuth: createPasswordAuthenticator({ users, throttle }),
    audit,
    metrics,
    singleLogout: createSingleLogout({ services, audit, now: () => clock.now(), ...(options.logger ? { logger: options.logger } : {}) }),
    async close() {
      await tickets.close();
      await kv.close();
      await db.destroy();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
