import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const seconds = z.coerce.number().int().positive();

/**
 * The one configuration schema of wecas, read from environment variables.
 * Every key is documented in the README ("Configuration"); keep the two in step.
 */
export const configSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    HOST: z.string().default('0.0.0.0'),
    /** Trust X-Forwarded-* from a load balancer: `true`, or its addresses/CIDRs, comma-separated (Fastify's trustProxy). */
    TRUST_PROXY: z
      .string()
      .default('false')
      .transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v)),
    PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    PUBLIC_URL: z.string().url().optional(),
    /** Serve HTTPS directly (PEM files); otherwise terminate TLS at the load balancer. */
    TLS_CERT_FILE: z.string().optional(),
    TLS_KEY_FILE: z.string().optional(),
    CAS_PREFIX: z
      .string()
      .regex(/^(\/[A-Za-z0-9._-]+)*$/, 'CAS_PREFIX must look like /cas (or be empty)')
      .default('/cas'),
    DATABASE_URL: z.string().default('sqlite:./data/wecas.db'),
    REDIS_URL: z.string().optional(),
    /** Start of every Redis key, so several deployments (or test runs) can share one Redis. */
    REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, 'REDIS_PREFIX must be 1-64 of A-Z a-z 0-9 . _ : -').default('wecas:'),
    TICKET_REGISTRY: z.enum(['memory', 'sql']).default('sql'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    // ---- Observability (src/observability/) ----
    /** Serve Prometheus metrics at /metrics on the main port. */
    METRICS_ENABLED: bool.default(false),
    /** Serve /metrics (and /health/*) on this separate admin port instead of the main one; implies METRICS_ENABLED. */
    METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
    /** Interface of the admin port: keep it off the public network. */
    METRICS_HOST: z.string().default('127.0.0.1'),
    /** Audit events older than this many days are deleted by the sweeper. */
    AUDIT_RETENTION_DAYS: z.coerce.number().int().positive().default(180),

    ST_TTL_SECONDS: seconds.default(10),
    PT_TTL_SECONDS: seconds.default(10),
    TGT_HARD_TTL_SECONDS: seconds.default(8 * 3600),
    TGT_IDLE_TTL_SECONDS: seconds.default(2 * 3600),
    LOGIN_FORM_TTL_SECONDS: seconds.default(30 * 60),

    // Password throttling (src/auth/throttle.ts): attempts per username (a success clears them) and failures per IP,
    // each counted in a fixed window that starts at its first count; over a limit the attempt is refused unchecked.
    LOGIN_FAILURES_PER_USER: seconds.default(5),
    LOGIN_FAILURES_PER_IP: seconds.default(20),
    LOGIN_FAILURE_WINDOW_SECONDS: seconds.default(15 * 60),

    /** Release service attributes on /serviceValidate and /proxyValidate too (Apereo's v3-forward-compatible). */
    CAS_V2_ATTRIBUTES: bool.default(true),
    /** Follow `service` on /logout when it is a registered service. */
    LOGOUT_FOLLOW_SERVICE: bool.default(true),
    /**
     * Accept a plain-http `pgtUrl` when its host is a loopback address (localhost, 127.0.0.0/8, ::1), for proxying
     * applications on this machine during development. The spec requires https; every other host still needs it.
     */
    CAS_ALLOW_HTTP_PROXY_CALLBACK_LOOPBACK: bool.default(false),
    /** Create the demo user and service at start (development only). */
    DEMO_DATA: bool.optional(),

    WECHAT_APP_ID: z.string().optional(),
    WECHAT_APP_SECRET: z.string().optional(),
    /** WeChat's hosts; only tests and unusual networks change them. Without an AppID they default to the emulator. */
    WECHAT_OPEN_BASE_URL: z.string().url().optional(),
    WECHAT_API_BASE_URL: z.string().url().optional(),
    WECHAT_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),

    // ---- SMS verification codes (src/sms/) ----
    /** Who delivers codes. `console` is the development outbox (logged, shown at /__outbox); production refuses it. */
    SMS_PROVIDER: z.enum(['console', 'aliyun', 'tencent']).default('console'),
    /** Whether signing in by SMS code with a number nobody has creates an account (otherwise: sign in with WeChat). */
    SMS_LOGIN_CREATES_USERS: bool.default(false),
    /**
     * HMAC key for the stored code hashes, shared by every node. Required in production. In development a random
     * key per process is fine: there is one process, and a restart only voids codes younger than 5 minutes.
     */
    SMS_CODE_SECRET: z.string().min(32, 'SMS_CODE_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
    /** Aliyun SMS (Dysmsapi): an AccessKey allowed to SendSms, an approved sign name and template (`SMS_…`, one `${code}` variable). */
    ALIYUN_ACCESS_KEY_ID: z.string().optional(),
    ALIYUN_ACCESS_KEY_SECRET: z.string().optional(),
    ALIYUN_SMS_SIGN_NAME: z.string().optional(),
    ALIYUN_SMS_TEMPLATE_CODE: z.string().optional(),
    /** `host[:port]` (HTTPS), or `http://host:port` for a local fake. */
    ALIYUN_SMS_ENDPOINT: z.string().default('dysmsapi.aliyuncs.com'),
    /** Tencent Cloud SMS: a SecretId/SecretKey, the SMS application id, an approved sign and template (one code parameter). */
    TENCENT_SECRET_ID: z.string().optional(),
    TENCENT_SECRET_KEY: z.string().optional(),
    TENCENT_SMS_SDK_APP_ID: z.string().optional(),
    TENCENT_SMS_SIGN_NAME: z.string().optional(),
    TENCENT_SMS_TEMPLATE_ID: z.string().optional(),
    TENCENT_SMS_REGION: z.string().default('ap-guangzhou'),
    /** `host[:port]` (HTTPS), or `http://host:port` for a local fake. */
    TENCENT_SMS_ENDPOINT: z.string().default('sms.tencentcloudapi.com'),
    /** How long a code can be used. */
    SMS_CODE_TTL_SECONDS: seconds.default(300),
    /** At most one code per number in this many seconds. */
    SMS_RESEND_SECONDS: seconds.default(60),
    /** Codes per number in a 24-hour window started by its first code (failed sends do not count). */
    SMS_MAX_PER_PHONE_PER_DAY: seconds.default(10),
    /** Sends per IP (IPv6: per /64) in a one-hour window started by its first send. */
    SMS_MAX_PER_IP_PER_HOUR: seconds.default(30),
    /** Tries per code; the last wrong one kills it. */
    SMS_MAX_ATTEMPTS: seconds.default(5),
  })
  .transform((env) => {
    const scheme = env.TLS_CERT_FILE ? 'https' : 'http';
    const publicUrl = (env.PUBLIC_URL ?? `${scheme}://localhost:${env.PORT}`).replace(/\/+$/, '');
    return {
      ...env,
      PUBLIC_URL: publicUrl,
      DEMO_DATA: env.DEMO_DATA ?? env.NODE_ENV === 'development',
      secureCookies: publicUrl.startsWith('https://'),
      casBaseUrl: publicUrl + env.CAS_PREFIX,
      databaseUrl: normaliseDatabaseUrl(env.DATABASE_URL),
      wechat: wechatSettings(env, publicUrl),
    };
  })
  .superRefine((c, ctx) => {
    if (!!c.TLS_CERT_FILE !== !!c.TLS_KEY_FILE)
      ctx.addIssue({ code: 'custom', path: ['TLS_KEY_FILE'], message: 'set both TLS_CERT_FILE and TLS_KEY_FILE, or neither' });
    if (c.NODE_ENV !== 'production') return;
    if (!c.PUBLIC_URL.startsWith('https://'))
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'production needs an https:// PUBLIC_URL' });
    if (!c.WECHAT_APP_ID || !c.WECHAT_APP_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['WECHAT_APP_ID'],
        message: 'production needs WECHAT_APP_ID and WECHAT_APP_SECRET (the emulator is for development only)',
      });
    if (c.SMS_PROVIDER === 'console')
      ctx.addIssue({ code: 'custom', path: ['SMS_PROVIDER'], message: 'production needs SMS_PROVIDER=aliyun or tencent (the console outbox is for development only)' });
    if (!c.SMS_CODE_SECRET)
      ctx.addIssue({ code: 'custom', path: ['SMS_CODE_SECRET'], message: 'production needs SMS_CODE_SECRET, the same on every node (e.g. openssl rand -hex 32)' });
  })
  // ---- SMS: the chosen provider's keys, and the development code secret ----
  .superRefine((c, ctx) => {
    const required = SMS_PROVIDER_KEYS[c.SMS_PROVIDER];
    const missing = required.filter((key) => !c[key]);
    if (missing.length > 0)
      ctx.addIssue({ code: 'custom', path: [missing[0]!], message: `SMS_PROVIDER=${c.SMS_PROVIDER} needs ${missing.join(', ')}` });
  })
  .transform((c) => ({ ...c, SMS_CODE_SECRET: c.SMS_CODE_SECRET ?? randomBytes(32).toString('hex') }));

/** The keys each SMS provider cannot work without. */
const SMS_PROVIDER_KEYS = {
  console: [],
  aliyun: ['ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATE_CODE'],
  tencent: ['TENCENT_SECRET_ID', 'TENCENT_SECRET_KEY', 'TENCENT_SMS_SDK_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_ID'],
} as const;

export type Config = z.output<typeof configSchema>;

/** The AppID the emulator registers for wecas in development (WeChat AppIDs are `wx` + 16 hex digits). */
export const EMULATED_WECHAT_APP = { appId: 'wx5ec45d0e1a2b3c4d', appSecret: 'emulated-app-secret-not-for-production' };

function wechatSettings(
  env: { WECHAT_APP_ID?: string | undefined; WECHAT_APP_SECRET?: string | undefined; WECHAT_OPEN_BASE_URL?: string | undefined; WECHAT_API_BASE_URL?: string | undefined; WECHAT_TIMEOUT_MS: number; NODE_ENV: string },
  publicUrl: string,
) {
  const emulated = !env.WECHAT_APP_ID && env.NODE_ENV !== 'production';
  const emulatorUrl = `${publicUrl}/__wechat`;
  return {
    emulated,
    enabled: emulated || !!(env.WECHAT_APP_ID && env.WECHAT_APP_SECRET),
    appId: env.WECHAT_APP_ID ?? EMULATED_WECHAT_APP.appId,
    appSecret: env.WECHAT_APP_SECRET ?? EMULATED_WECHAT_APP.appSecret,
    openBaseUrl: env.WECHAT_OPEN_BASE_URL ?? (emulated ? emulatorUrl : 'https://open.weixin.qq.com'),
    apiBaseUrl: env.WECHAT_API_BASE_URL ?? (emulated ? emulatorUrl : 'https://api.weixin.qq.com'),
    timeoutMs: env.WECHAT_TIMEOUT_MS,
  };
}

function normaliseDatabaseUrl(url: string): string {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return url;
  if (url === 'sqlite::memory:' || url === ':memory:') return 'sqlite::memory:';
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  return 'sqlite:' + path.resolve(file);
}

/** Reads the configuration, or throws a ConfigError whose message a person can act on. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A config for tests: in-memory SQLite, test mode, anything overridable. */
export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', DATABASE_URL: 'sqlite::memory:', LOG_LEVEL: 'silent', ...overrides });
}
