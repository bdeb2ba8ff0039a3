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
    CAS_PREFIX: z
      .string()
      .regex(/^(\/[A-Za-z0-9._-]+)*$/, 'CAS_PREFIX must look like /cas (or be empty)')
      .default('/cas'),
    DATABASE_URL: z.string().default('sqlite:./data/wecas.db'),
    REDIS_URL: z.string().optional(),
    TICKET_REGISTRY: z.enum(['memory', 'sql']).default('sql'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

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
    /** Create the demo user and service at start (development only). */
    DEMO_DATA: bool.optional(),

    WECHAT_APP_ID: z.string().optional(),
    WECHAT_APP_SECRET: z.string().optional(),
  })
  .transform((env) => {
    const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, '');
    return {
      ...env,
      PUBLIC_URL: publicUrl,
      DEMO_DATA: env.DEMO_DATA ?? env.NODE_ENV === 'development',
      secureCookies: publicUrl.startsWith('https://'),
      casBaseUrl: publicUrl + env.CAS_PREFIX,
      databaseUrl: normaliseDatabaseUrl(env.DATABASE_URL),
    };
  })
  .superRefine((c, ctx) => {
    if (c.NODE_ENV !== 'production') return;
    if (!c.PUBLIC_URL.startsWith('https://'))
      ctx.addIssue({ code: 'custom', path: ['PUBLIC_URL'], message: 'production needs an https:// PUBLIC_URL' });
    if (!c.WECHAT_APP_ID || !c.WECHAT_APP_SECRET)
      ctx.addIssue({
        code: 'custom',
        path: ['WECHAT_APP_ID'],
        message: 'production needs WECHAT_APP_ID and WECHAT_APP_SECRET (the emulator is for development only)',
      });
  });

export type Config = z.output<typeof configSchema>;

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
