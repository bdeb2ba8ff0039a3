import type { Logger } from 'pino';
import { type AuditLog, createSqlAuditLog } from './audit/audit-log.js';
import { createPasswordAuthenticator } from './auth/password-auth.js';
import { createLoginThrottle } from './auth/throttle.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import type { KeyValueStore } from './kv/store.js';
import { createSingleLogout, type SingleLogout } from './cas/single-logout.js';
import { type ServiceRegistry, SqlServiceRegistry } from './services/registry.js';
import { type Db, type DbDialect, openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrations.js';
import { createTicketStorage } from './tickets/create.js';
import { expirationPolicyFrom } from './tickets/expiration.js';
import type { TicketRegistry } from './tickets/registry.js';
import { createSsoSessions, type SsoSessions } from './tickets/sso-sessions.js';
import { SqlUserStore, type UserStore } from './users/store.js';

/** Everything the routes use, wired explicitly. Tests build one with a ManualClock and in-memory SQLite. */
export interface AppContext {
  config: Config;
  clock: Clock;
  db: Db;
  dialect: DbDialect;
  tickets: TicketRegistry;
  kv: KeyValueStore;
  services: ServiceRegistry;
  users: UserStore;
  sso: SsoSessions;
  passwordAuth: ReturnType<typeof createPasswordAuthenticator>;
  audit: AuditLog;
  singleLogout: SingleLogout;
  close(): Promise<void>;
}

export async function createContext(config: Config, options: { clock?: Clock; logger?: Logger } = {}): Promise<AppContext> {
  const clock = options.clock ?? systemClock;
  const { db, dialect } = openDatabase(config.databaseUrl);
  await migrateToLatest(db);
  const { tickets, kv } = createTicketStorage({ kind: config.TICKET_REGISTRY, db, clock });
  const users = new SqlUserStore(db, clock);
  const services = new SqlServiceRegistry(db, clock);
  const audit = createSqlAuditLog(db, clock, options.logger);
  const throttle = createLoginThrottle({
    kv,
    maxFailuresPerUser: config.LOGIN_FAILURES_PER_USER,
    maxFailuresPerIp: config.LOGIN_FAILURES_PER_IP,
    windowSeconds: config.LOGIN_FAILURE_WINDOW_SECONDS,
  });
  return {
    config,
    clock,
    db,
    dialect,
    tickets,
    kv,
    services,
    users,
    sso: createSsoSessions({ registry: tickets, clock, policy: expirationPolicyFrom(config) }),
    passwordAuth: createPasswordAuthenticator({ users, throttle }),
    audit,
    singleLogout: createSingleLogout({ services, audit, now: () => clock.now(), ...(options.logger ? { logger: options.logger } : {}) }),
    async close() {
      await tickets.close();
      await kv.close();
      await db.destroy();
    },
  };
}
