import type { Redis } from 'ioredis';
import { type Logger, pino } from 'pino';
import { type AdminActor, CLI_ACTOR } from './admin/actor.js';
import { type Administration, administrationFor } from './admin/administration.js';
import { type AdminRoles, createAdminRoles } from './admin/roles.js';
import { type ApiTokens, createApiTokens } from './admin/tokens.js';
import { createUsage, type Usage } from './admin/usage.js';
import { auditBatchesOnThread, createAuditLog, type QueuedAuditLog } from './audit/audit-log.js';
import { createProxying, type Proxying } from './cas/proxy.js';
import { createProxyCallbackClient } from './cas/proxy-callback.js';
import { createSingleLogout, type SingleLogout } from './cas/single-logout.js';
import { type Clock, systemClock } from './clock.js';
import type { Config } from './config.js';
import { type Accounts, createAccounts } from './directories/accounts.js';
import { createDirectories } from './directories/directories.js';
import type { KeyValueStore } from './kv/store.js';
import { type Account, createAccount } from './login/account.js';
import { createSelfDeletion, type SelfDeletion } from './login/account-deletion.js';
import { type Continuations, createContinuations } from './login/continuations.js';
import { createDirectoryRecheck, type DirectoryRecheck } from './login/directory-recheck.js';
import { createFormTokens, type FormTokens } from './login/form-tokens.js';
import { createHashGate } from './login/hash-gate.js';
import { createPasswordAuthenticator, type PasswordCredentials } from './login/methods/password.js';
import { createSmsCodeAuthenticator, type SmsCodeCredentials } from './login/methods/sms-code.js';
import {
  createPendingIdentities,
  createWeChatAuthenticator,
  createWeChatIdentification,
  type PendingIdentities,
  type WeChatCallback,
  type WeChatIdentification,
} from './login/methods/wechat.js';
import { type BindingCredentials, createWeChatBindingAuthenticator } from './login/methods/wechat-binding.js';
import {
  createPendingWeComMembers,
  createWeComAuthenticator,
  createWeComStates,
  type PendingWeComMembers,
  type WeComCallback,
  type WeComStates,
} from './login/methods/wecom.js';
import { createWeComBindingAuthenticator, type WeComBindingCredentials } from './login/methods/wecom-binding.js';
import type { Authenticator } from './login/outcome.js';
import { createRecovery, type Recovery } from './login/recovery.js';
import { createSecondFactorStep, type SecondFactorStep } from './login/second-factor.js';
import { createSecondFactorSettings, type SecondFactorSettings } from './login/second-factor-settings.js';
import { createSignIn, type SignIn } from './login/sign-in.js';
import { createLoginThrottle } from './login/throttle.js';
import { createSecondFactorAttempts } from './mfa/attempts.js';
import { createSecondFactors, type SecondFactors } from './mfa/second-factors.js';
import { createReadiness, type Readiness } from './observability/health.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { observeAuditLog, observeTicketRegistry, observeVerificationCodes } from './observability/observers.js';
import { consoleService, withBuiltInServices } from './services/built-in.js';
import { type ServiceRegistry, SqlServiceRegistry } from './services/registry.js';
import { createSmsSender } from './sms/create-sender.js';
import { createDailyBudget } from './sms/daily-budget.js';
import { createNotices, type Notices } from './sms/notices.js';
import { createRepeatSendGate } from './sms/repeat-sends.js';
import { createSendChallenges, type SendChallenges } from './sms/send-challenges.js';
import type { SmsSender } from './sms/sender.js';
import { createVerificationCodes, DAY_SECONDS, type VerificationCodes } from './sms/verification-codes.js';
import { type Db, type DbDialect, openDatabase } from './store/db.js';
import { migrateToLatest } from './store/migrations.js';
import { openRedis } from './store/redis.js';
import { sqliteThreadFor } from './store/sqlite-thread.js';
import { expirationPolicyFrom } from './tickets/expiration.js';
import { createTicketFactory, type TicketFactory } from './tickets/factory.js';
import type { TicketRegistry } from './tickets/registry.js';
import { createSsoSessions, type SsoSessions } from './tickets/sessions.js';
import { createTicketStorage } from './tickets/storage.js';
import { createPhoneAppeals, type PhoneAppeals } from './users/appeals.js';
import { createWeChatBinding, type WeChatBinding } from './users/binding.js';
import { createAccountDeletion } from './users/deletion.js';
import { createIdentityStore, type IdentityStore } from './users/identities.js';
import { createPasswordPolicy, type PasswordPolicy } from './users/password-policy.js';
import { SqlUserStore, type UserStore } from './users/store.js';
import { createWeChatClient, type WeChatCallObservation, type WeChatClient } from './wechat/client.js';
import { createWeComClient, type WeComClient } from './wecom/client.js';

/** Password hashes one client may run at once on a node: half of libuv's default pool of 4, the rest for others. */
const PASSWORD_HASHES_PER_IP = 2;

/** WeChat sign-in, present when a WeChat app (real, or an emulator's) is configured. */
export interface WeChatSignIn {
  client: WeChatClient;
  identification: WeChatIdentification;
  pendingIdentities: PendingIdentities;
  authenticator: Authenticator<'wechat', WeChatCallback>;
  binding: Authenticator<'wechat-binding', BindingCredentials>;
}

/** WeCom sign-in, present when a WeCom app (real, or an emulator's) is configured. */
export interface WeComSignIn {
  client: WeComClient;
  states: WeComStates;
  pendingMembers: PendingWeComMembers;
  authenticator: Authenticator<'wecom', WeComCallback>;
  /** A member whose userid is no account's login proves the phone of theirs. */
  binding: Authenticator<'wecom-binding', WeComBindingCredentials>;
}

/** Every part of wecas, wired explicitly: the composition root. Routes get narrow slices of it (see http/). */
export interface Wecas {
  config: Config;
  clock: Clock;
  db: Db;
  dialect: DbDialect;
  /** Present when Redis is configured. */
  redis: Redis | undefined;
  tickets: TicketRegistry;
  ticketFactory: TicketFactory;
  kv: KeyValueStore;
  sessions: SsoSessions;
  services: ServiceRegistry;
  users: UserStore;
  /** The directories accounts live in, and the wecas record each account's links hang on. */
  accounts: Accounts;
  /** Ends the sessions of accounts disabled or removed since sign-in (run every config.directories.recheckSeconds). */
  directoryRecheck: DirectoryRecheck;
  identities: IdentityStore;
  binding: WeChatBinding;
  /** Security-relevant events written as they happen, high-volume ones in background batches (audit/audit-log.ts). */
  audit: QueuedAuditLog;
  /** Counters and histograms for /metrics; always recorded, served only when enabled. */
  metrics: Metrics;
  readiness: Readiness;
  singleLogout: SingleLogout;
  /** CAS proxy authentication: PGTs delivered to pgtUrls, PTs from PGTs. */
  proxying: Proxying;
  /** The sender, the codes with their limits, and the proof-of-work challenges repeated sends need. */
  sms: { sender: SmsSender; codes: VerificationCodes; challenges: SendChallenges };
  signIn: SignIn;
  formTokens: FormTokens;
  /** The way on to the service after a sign-in form: a wecas URL the POST redirects to (login/continuations.ts). */
  continuations: Continuations;
  password: Authenticator<'password', PasswordCredentials>;
  smsCode: Authenticator<'sms', SmsCodeCredentials>;
  /** Absent when no WeChat app is configured. */
  wechat: WeChatSignIn | undefined;
  /** Absent when no WeCom app is configured. */
  wecom: WeComSignIn | undefined;
  account: Account;
  /** Activation, password reset by SMS code, phone change and its appeals (login/recovery.ts). */
  recovery: Recovery;
  passwordPolicy: PasswordPolicy;
  phoneAppeals: PhoneAppeals;
  /** The SMS notices to an account's phone (SMS_NOTICES). */
  notices: Notices;
  /** An account's second factors (TOTP app, recovery codes), and the second step of a sign-in that asks for one. */
  secondFactors: SecondFactors;
  secondFactorStep: SecondFactorStep;
  /** The account page's side of it: set up and turn off an authenticator app. */
  secondFactorSettings: SecondFactorSettings;
  /** The account page's "delete my account": checks the confirmation, then deletes through users/deletion.ts. */
  selfDeletion: SelfDeletion;
  /** Health and usage figures for administrators (the admin API's /health). */
  usage: Usage;
  /**
   * What an administrator does, as the CLI (`users`, `import`, `access` …: `wecas user …`, `wecas admin …`), or as
   * another administrator (`as`: an admin API request, named in the audit log); who may administer (`roles`,
   * `tokens`).
   */
  admin: Administration & { as(actor: AdminActor): Administration; roles: AdminRoles; tokens: ApiTokens };
  close(): Promise<void>;
}

export interface WecasOverrides {
  clock?: Clock;
  logger?: Logger;
  wechatClient?: WeChatClient;
  /** The 服务号's client (sign-in inside WeChat's browser), in place of one built from the config. */
  wechatOfficialAccountClient?: WeChatClient;
  /** The WeCom client, in place of one built from the config. */
  wecomClient?: WeComClient;
  smsSender?: SmsSender;
  /** PEM certificates the proxy callback trusts besides Node's store (tests' self-signed CA; deployments use NODE_EXTRA_CA_CERTS). */
  proxyCallbackCa?: string[];
}

/** Opens the stores and wires every part. Tests build one with a ManualClock and in-memory SQLite. */
export async function createWecas(config: Config, overrides: WecasOverrides = {}): Promise<Wecas> {
  const clock = overrides.clock ?? systemClock;
  const logger = overrides.logger ?? pino({ level: 'silent' });
  const { db, dialect, location } = openDatabase(config.storage.databaseUrl, {
    onConnectionError: (err) => logger.warn({ err: err.message }, 'PostgreSQL closed a pooled connection; the next query opens a new one'),
  });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy().catch(() => undefined);
    throw new Error(`The database at ${location} is unreachable or could not be migrated: ${(err as Error).message}`, { cause: err });
  }
  // With Redis, tickets and short-lived state are shared by every node.
  const redisSettings = config.storage.redis;
  const redis = redisSettings
    ? await openRedis(redisSettings.url, { onError: (err) => logger.warn({ err: err.message }, 'Redis connection error') }).catch(
        async (err: Error) => {
          await db.destroy().catch(() => undefined);
          throw err;
        },
      )
    : undefined;

  const metrics = createMetrics();
  const registryKind = redis ? 'redis' : config.storage.ticketRegistry;
  const storage = createTicketStorage({
    kind: registryKind,
    db,
    clock,
    ...(redis && redisSettings ? { redis, prefix: redisSettings.prefix } : {}),
  });
  // A SQLite file's checkpoints, and the audit batches where they may, run on a thread of their own
  // (store/sqlite-thread.ts), from the first write of protocol traffic to the file on: a ticket the SQL registry
  // stores there, or a background audit batch. An idle node has none, nor a memory registry's sessions alone (the
  // thread's ~8 MB took 100k of them past 200 MB). Until then the main connection checkpoints by itself, on the
  // event loop: SSO issuance alone with the SQLite registry spent 15 % of its main thread there (docs/benchmarks.md,
  // tenth pass).
  const sqliteThread = dialect === 'sqlite' && location !== ':memory:' ? sqliteThreadFor(db, location, logger) : undefined;
  const startSqliteThread = sqliteThread ? () => void sqliteThread.start() : undefined;
  const tickets = observeTicketRegistry(storage.tickets, metrics, registryKind === 'sql' ? startSqliteThread : undefined);
  const { kv } = storage;
  // Counting Redis keys is a SCAN of the keyspace: read it less often than a SQL COUNT or a map walk.
  metrics.countLiveTgts(() => storage.tickets.count('TGT'), redis ? 60_000 : 10_000);

  const users = new SqlUserStore(db, clock);
  const accounts = createAccounts({ directories: await createDirectories(config.directories, { users, logger }), users });
  // The admin console signs in as a service of its own, built in (services/built-in.ts says why).
  const consoleCallback = `${config.server.publicUrl}/admin/callback`;
  const services = withBuiltInServices(new SqlServiceRegistry(db, clock), [consoleService(consoleCallback, config.adminConsole.secondFactor)]);
  const identities = createIdentityStore(db, clock);
  const binding = createWeChatBinding(db, clock);
  const audit = observeAuditLog(
    createAuditLog(db, clock, logger, {
      onDropped: (type) => metrics.auditDropped(type),
      ...(sqliteThread && auditBatchesOnThread(registryKind) ? { thread: sqliteThread } : {}),
      ...(startSqliteThread ? { onBatch: startSqliteThread } : {}),
    }),
    metrics,
  );
  const singleLogout = createSingleLogout({ services, audit, now: () => clock.now(), logger });
  const ticketFactory = createTicketFactory({ clock, policy: expirationPolicyFrom(config.tickets) });
  const sessions = createSsoSessions({ registry: tickets, factory: ticketFactory, clock, onEnded: (ended) => singleLogout.notify(ended) });

  const smsSender = overrides.smsSender ?? (await createSmsSender(config.sms.provider, logger, clock));
  const { sms } = config;
  const challenges = createSendChallenges({ kv, clock, secret: sms.codeSecret, work: sms.challengeWork });
  const budget = createDailyBudget({ kv, clock, size: sms.dailyBudget, logger });
  metrics.watchSmsBudget(budget.used, budget.size);
  const codes = observeVerificationCodes(
    createVerificationCodes({
      kv,
      sender: smsSender,
      audit,
      clock,
      secret: sms.codeSecret,
      limits: sms.limits,
      countries: sms.countries,
      repeats: createRepeatSendGate({ kv, challenges, secret: sms.codeSecret, windowSeconds: DAY_SECONDS }),
      budget,
      logger,
    }),
    metrics,
  );
  const notices = createNotices({
    kv,
    sender: smsSender,
    audit,
    clock,
    enabled: sms.notices.enabled,
    intervalSeconds: sms.notices.intervalSeconds,
    budget,
    logger,
  });
  const passwordPolicy = createPasswordPolicy(config.passwordPolicy);
  const phoneAppeals = createPhoneAppeals(db, clock);
  const { failuresPerUser, failuresPerIp, windowSeconds } = config.passwordThrottle;
  const throttle = createLoginThrottle({ kv, maxFailuresPerUser: failuresPerUser, maxFailuresPerIp: failuresPerIp, windowSeconds });
  const gate = createHashGate({ perIp: PASSWORD_HASHES_PER_IP });
  const password = createPasswordAuthenticator({ accounts, throttle, gate });
  const secondFactors = createSecondFactors({
    db,
    kv,
    clock,
    audit,
    attempts: createSecondFactorAttempts({ kv, maxFailures: config.secondFactor.failuresPerUser, windowSeconds: config.secondFactor.windowSeconds }),
    secret: sms.codeSecret,
    issuer: config.secondFactor.issuer,
  });
  const deletion = createAccountDeletion({
    db,
    clock,
    sessions,
    audit,
    forget: [async (user) => (user.phone ? codes.discard(user.phone) : undefined), (user) => secondFactors.forget(user.id)],
  });
  const observeWeChat = (call: WeChatCallObservation) => metrics.wechatCall(call);
  const officialAccount = config.wechatOfficialAccount
    ? (overrides.wechatOfficialAccountClient ?? createWeChatClient(config.wechatOfficialAccount, fetch, observeWeChat))
    : undefined;
  const wechat = config.wechat ? wireWeChat(overrides.wechatClient ?? createWeChatClient(config.wechat, fetch, observeWeChat)) : undefined;

  const wecom = config.wecom ? wireWeCom(config.wecom) : undefined;

  // The local directory is the database, which readiness already checks.
  const readiness = createReadiness({ db, dialect, clock, redis, config, directories: accounts.directories.filter((d) => d.name !== 'local') });
  const recovery = createRecovery({
    accounts,
    users,
    codes,
    sessions,
    audit,
    policy: passwordPolicy,
    notices,
    appeals: phoneAppeals,
    idAttribute: config.recovery.idAttribute,
    throttle,
    gate,
  });

  function wireAdministration(): Wecas['admin'] {
    const roles = createAdminRoles({ db, clock, groups: config.admin.roleGroups, accounts });
    const tokens = createApiTokens({ db, clock });
    const deps = {
      ...{ db, clock, accounts, users, services, tickets, sessions, audit, roles, tokens, phoneAppeals, deletion },
      decideAppeal: recovery.decideAppeal,
    };
    return { ...administrationFor(deps, CLI_ACTOR), as: (actor) => administrationFor(deps, actor), roles, tokens };
  }

  function wireWeCom(settings: NonNullable<Config['wecom']>): WeComSignIn {
    // The token lives in the shared store: one gettoken for the whole deployment, renewed by one node at a time.
    const client = overrides.wecomClient ?? createWeComClient(settings, { kv, clock, observe: observeWeChat });
    const states = createWeComStates(kv);
    const pendingMembers = createPendingWeComMembers(kv);
    return {
      client,
      states,
      pendingMembers,
      authenticator: createWeComAuthenticator({
        client,
        states,
        identities,
        users,
        accounts,
        userIdAttribute: settings.userIdAttribute,
        pendingMembers,
      }),
      binding: createWeComBindingAuthenticator({ codes, accounts, identities, pendingMembers, audit }),
    };
  }

  function wireWeChat(client: WeChatClient): WeChatSignIn {
    const identification = createWeChatIdentification({ kv, client, officialAccount });
    const pendingIdentities = createPendingIdentities(kv);
    return {
      client,
      identification,
      pendingIdentities,
      authenticator: createWeChatAuthenticator({ identification, pendingIdentities, identities, users, accounts }),
      binding: createWeChatBindingAuthenticator({
        codes,
        binding,
        accounts,
        users,
        identities,
        pendingIdentities,
        audit,
        throttle,
        gate,
        passwordAccounts: sms.loginPasswordAccounts,
      }),
    };
  }

  return {
    config,
    clock,
    db,
    dialect,
    redis,
    tickets,
    ticketFactory,
    kv,
    sessions,
    services,
    users,
    identities,
    binding,
    audit,
    metrics,
    directoryRecheck: createDirectoryRecheck({ sessions, users, accounts, audit, kv, intervalSeconds: config.directories.recheckSeconds }),
    // The local directory is the database, which readiness already checks.
    readiness,
    singleLogout,
    proxying: createProxying({
      registry: tickets,
      services,
      factory: ticketFactory,
      callback: createProxyCallbackClient(overrides.proxyCallbackCa ? { extraCa: overrides.proxyCallbackCa } : {}),
      allowHttpLoopbackCallback: config.cas.allowHttpLoopbackProxyCallback,
      onUndelivered: (pgtUrl, reason) => logger.info({ pgtUrl, reason }, 'proxy-granting ticket not delivered'),
    }),
    sms: { sender: smsSender, codes, challenges },
    signIn: createSignIn({
      services,
      sessions,
      audit,
      clock,
      onServiceRefused: (reason) => metrics.serviceRefused(reason),
      onSignedIn: ({ user, account, browserId, client }) =>
        notices.signedIn({ userId: user.id, phone: user.phone ?? account.phone, browserId, ip: client.ip }),
    }),
    formTokens: createFormTokens({ kv, clock, secret: config.sms.codeSecret, ttlSeconds: config.tickets.loginFormSeconds }),
    continuations: createContinuations({ kv, ticketSeconds: config.tickets.serviceTicketSeconds }),
    accounts,
    password,
    secondFactorSettings: createSecondFactorSettings({ factors: secondFactors, users, accounts, password }),
    selfDeletion: createSelfDeletion({ users, deletion, codes, password }),
    smsCode: createSmsCodeAuthenticator({
      codes,
      accounts,
      users,
      createsUsers: config.sms.loginCreatesUsers,
      passwordAccounts: sms.loginPasswordAccounts,
    }),
    wechat,
    wecom,
    secondFactors,
    secondFactorStep: createSecondFactorStep({
      kv,
      factors: secondFactors,
      codes,
      audit,
      clock,
      users,
      accounts,
      ttlSeconds: config.tickets.loginFormSeconds,
    }),
    account: createAccount({ users, accounts, identities, sessions, binding, audit, wechat: wechat?.identification }),
    recovery,
    passwordPolicy,
    phoneAppeals,
    notices,
    admin: wireAdministration(),
    usage: createUsage({ db, clock, readiness, budget, tickets, wecomConfigured: wecom !== undefined }),
    async close() {
      // The queued audit events go before the database does.
      await audit.close();
      await sqliteThread?.close();
      await tickets.close();
      await accounts.close();
      await kv.close();
      await db.destroy();
      await redis?.quit().catch(() => redis.disconnect());
    },
  };
}
