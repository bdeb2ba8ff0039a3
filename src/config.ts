import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import type { SmsTemplates } from './sms/sender.js';
import type { PasswordPolicySettings } from './users/password-policy.js';
import { isCountryCode } from './users/phone.js';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const positive = z.coerce.number().int().positive();
const port = z.coerce.number().int().min(0).max(65535);

// ── LDAP value shapes (used by the LDAP block of the schema below) ──────────────────────────────────────────
const ldapUrl = z
  .string()
  .regex(/^ldaps?:\/\/[^/?#\s]+\/?$/, 'must be ldap://host[:port] or ldaps://host[:port]')
  .transform((v) => v.replace(/\/$/, ''));
const ldapAttribute = z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name (letters, digits, -)');
/** An RFC 4515 filter in parentheses holding `placeholder`, which the directory replaces by the escaped value. */
const ldapFilter = (placeholder?: string) =>
  z
    .string()
    .refine(balancedFilter, 'must be an LDAP filter in balanced parentheses, e.g. (&(objectClass=person)(uid={login}))')
    .refine((v) => !placeholder || v.includes(placeholder), `must contain ${placeholder}`);
/** Released name → LDAP attribute, as JSON (`{"studentId":"uid"}`) or `studentId=uid,department=ou`. */
const ldapAttributeMap = z.string().transform((v, ctx): Record<string, string> => {
  const pairs = v.trim().startsWith('{') ? jsonPairs(v) : v.split(',').flatMap((p) => (p.trim() ? [p.split('=').map((s) => s.trim())] : []));
  const bad = pairs.find(([name, attribute]) => !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(String(name)) || !ldapAttribute.safeParse(attribute).success);
  if (bad) {
    ctx.addIssue({ code: 'custom', message: `"${bad.join('=')}" is not name=attribute (e.g. studentId=uid,department=ou)` });
    return z.NEVER;
  }
  return Object.fromEntries(pairs);
});

/** A JSON object's entries; text that is not one becomes a single pair that fails the name=attribute check. */
function jsonPairs(text: string): unknown[][] {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && !Array.isArray(value)) return Object.entries(value);
  } catch {}
  return [[text]];
}

/** Starts with `(`, and every `)` closes one opened before it (a value's own parentheses are escaped, \28 \29). */
function balancedFilter(filter: string): boolean {
  let depth = 0;
  for (const char of filter) {
    if (char === '(') depth += 1;
    else if (char === ')') depth -= 1;
    if (depth < 0) return false;
  }
  return filter.startsWith('(') && depth === 0;
}

/**
 * The environment variables wecas reads: the one place their names appear. Every key is documented in the README
 * ("Configuration"); keep the two in step. `loadConfig` turns them into the grouped, typed `Config` below.
 */
const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** Where to listen; see `server.host` for the default, which depends on NODE_ENV. */
  HOST: z.string().min(1).optional(),
  /** Trust X-Forwarded-* from a load balancer: `true`, or its addresses/CIDRs, comma-separated (Fastify's trustProxy). */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((v): boolean | string => (v === 'true' ? true : v === 'false' ? false : v)),
  PORT: port.default(8080),
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
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,64}$/, 'REDIS_PREFIX must be 1-64 of A-Z a-z 0-9 . _ : -')
    .default('wecas:'),
  TICKET_REGISTRY: z.enum(['memory', 'sql']).default('sql'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  METRICS_ENABLED: bool.default(false),
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().default('127.0.0.1'),
  AUDIT_RETENTION_DAYS: positive.default(180),

  ST_TTL_SECONDS: positive.default(10),
  PT_TTL_SECONDS: positive.default(10),
  TGT_HARD_TTL_SECONDS: positive.default(8 * 3600),
  TGT_IDLE_TTL_SECONDS: positive.default(2 * 3600),
  LOGIN_FORM_TTL_SECONDS: positive.default(30 * 60),

  LOGIN_FAILURES_PER_USER: positive.default(5),
  LOGIN_FAILURES_PER_IP: positive.default(20),
  LOGIN_FAILURE_WINDOW_SECONDS: positive.default(15 * 60),
  SECOND_FACTOR_FAILURES_PER_USER: positive.default(5),
  SECOND_FACTOR_FAILURE_WINDOW_SECONDS: positive.default(15 * 60),
  SECOND_FACTOR_ISSUER: z.string().trim().min(1).max(64).optional(),
  /** The web console at /admin: whether its sign-in asks a second factor (TOTP, else an SMS code), and its session's life. */
  ADMIN_CONSOLE_SECOND_FACTOR: z.enum(['required', 'optional']).default('required'),
  ADMIN_CONSOLE_SESSION_SECONDS: positive.default(30 * 60),

  RATE_LIMIT_LOGIN_PER_MINUTE: positive.default(60),
  RATE_LIMIT_SMS_PER_MINUTE: positive.default(10),
  RATE_LIMIT_VALIDATION_PER_MINUTE: positive.default(6000),
  RATE_LIMIT_CALLBACK_PER_MINUTE: positive.default(30),

  /** How often the accounts of people with a live session are read again, so a disabled one's sessions end. */
  DIRECTORY_RECHECK_SECONDS: positive.default(300),
  /** Where accounts live, tried in this order, first match wins: `local` (wecas's tables), `ldap`, `sql`. */
  DIRECTORIES: z
    .string()
    .default('local')
    .transform((v) =>
      v
        .split(',')
        .map((d) => d.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['local', 'ldap', 'sql'])).min(1, 'DIRECTORIES names at least one of local, ldap, sql')),

  // ── LDAP / Active Directory: read when DIRECTORIES includes `ldap` (README "LDAP and Active Directory") ──────
  /** The server (ldap:// or ldaps://), and a replica tried when it cannot be reached. */
  LDAP_URL: ldapUrl.optional(),
  LDAP_FAILOVER_URL: ldapUrl.optional(),
  /** The service account that searches; people's passwords are checked by binding as them on a connection of their own. */
  LDAP_BIND_DN: z.string().min(1).optional(),
  LDAP_BIND_PASSWORD: z.string().min(1).optional(),
  LDAP_BASE_DN: z.string().min(1).optional(),
  /** Active Directory's defaults: sAMAccountName, objectGUID, objectClass=user, userAccountControl's disabled bit. */
  LDAP_ACTIVE_DIRECTORY: bool.default(false),
  LDAP_USER_FILTER: ldapFilter('{login}').optional(),
  LDAP_PHONE_FILTER: ldapFilter('{phone}').optional(),
  LDAP_LOGIN_ATTRIBUTE: ldapAttribute.optional(),
  LDAP_PHONE_ATTRIBUTE: ldapAttribute.default('mobile'),
  LDAP_DISPLAY_NAME_ATTRIBUTE: ldapAttribute.default('displayName'),
  LDAP_MAIL_ATTRIBUTE: ldapAttribute.default('mail'),
  LDAP_GROUP_ATTRIBUTE: ldapAttribute.default('memberOf'),
  /** Find groups by a search (`{dn}` = the account's DN) instead of reading LDAP_GROUP_ATTRIBUTE, for servers without memberOf. */
  LDAP_GROUP_FILTER: ldapFilter('{dn}').optional(),
  LDAP_GROUP_BASE_DN: z.string().min(1).optional(),
  /** Groups as their DNs (as memberOf holds them) or by name (the value of the DN's first part: `cn=students,…` → `students`). */
  LDAP_GROUP_FORMAT: z.enum(['dn', 'name']).default('dn'),
  LDAP_ID_ATTRIBUTE: ldapAttribute.optional(),
  LDAP_ATTRIBUTES: ldapAttributeMap.default({}),
  LDAP_DISABLED_FILTER: ldapFilter().optional(),
  LDAP_CA_FILE: z.string().min(1).optional(),
  LDAP_STARTTLS: bool.default(false),
  LDAP_CONNECT_TIMEOUT_MS: positive.default(5000),
  LDAP_TIMEOUT_MS: positive.default(5000),
  LDAP_POOL_SIZE: positive.max(100).default(4),
  // ── end of LDAP ────────────────────────────────────────────────────────────────────────────────────────────
  // ── The `sql` directory: an existing system's user table, read through configured queries ───────────────────────
  // (src/directories/sql.ts; README "An existing user table"). Read only when DIRECTORIES includes `sql`.
  /** Its name in wecas, part of every account's identity there: keep it once people have signed in. */
  SQL_DIRECTORY_NAME: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,31}$/, 'SQL_DIRECTORY_NAME must be 1-32 of a-z 0-9 _ -, starting with a letter')
    .refine((name) => name !== 'local', "SQL_DIRECTORY_NAME cannot be local, the name of wecas's own accounts")
    .default('sql'),
  /** The existing system's database (not wecas's): `postgres://user:password@host:port/db` or `sqlite:<file>`. */
  SQL_DIRECTORY_DATABASE_URL: z.string().optional(),
  /** SELECTs with one positional parameter ($1 in PostgreSQL, ? in SQLite), returning the columns the README lists. */
  SQL_DIRECTORY_BY_LOGIN_QUERY: z.string().optional(),
  SQL_DIRECTORY_BY_PHONE_QUERY: z.string().optional(),
  SQL_DIRECTORY_BY_ID_QUERY: z.string().optional(),
  /** What the by-phone query is given: the national number (`13812345678`) or E.164 (`+8613812345678`). */
  SQL_DIRECTORY_PHONE_PARAMETER: z.enum(['national', 'e164']).default('national'),
  /** How a text `groups` column lists groups (an array column is read as it is). */
  SQL_DIRECTORY_GROUPS_FORMAT: z.enum(['delimited', 'json']).default('delimited'),
  SQL_DIRECTORY_GROUPS_DELIMITER: z.string().min(1).default(','),
  /** Set: `disabled` is a status, active only when one of these (`在职,active`). Unset: a flag (true/1/yes is disabled). */
  SQL_DIRECTORY_ACTIVE_STATUSES: z
    .string()
    .optional()
    .transform((v) => (v?.trim() ? v.split(',').map((s) => s.trim()) : undefined)) // empty is unset, as for the other optional keys
    .pipe(z.array(z.string().min(1, 'SQL_DIRECTORY_ACTIVE_STATUSES lists statuses separated by commas')).optional()),
  /** Accept unsalted MD5/SHA-1 hashes (hex, {SHA}, {MD5}): anyone who reads the table reverses them with a lookup table. */
  SQL_DIRECTORY_LEGACY_UNSALTED_HASHES: bool.default(false),
  /** Connecting and each query give up after this long (the directory is then `timeout`, the person sees 503). */
  SQL_DIRECTORY_TIMEOUT_MS: positive.default(5000),
  // ── end of the `sql` directory ────────────────────────────────────────────────────────────────────────────────────

  CAS_V2_ATTRIBUTES: bool.default(true),
  LOGOUT_FOLLOW_SERVICE: bool.default(true),
  CAS_ALLOW_HTTP_PROXY_CALLBACK_LOOPBACK: bool.default(false),
  DEMO_DATA: bool.optional(),

  WECHAT_APP_ID: z.string().optional(),
  WECHAT_APP_SECRET: z.string().optional(),
  WECHAT_OPEN_BASE_URL: z.string().url().default('https://open.weixin.qq.com'),
  WECHAT_API_BASE_URL: z.string().url().default('https://api.weixin.qq.com'),
  WECHAT_TIMEOUT_MS: positive.default(5000),
  /** A verified 服务号 (Official Account): sign-in inside WeChat's own browser, by its web authorization. */
  WECHAT_OA_APP_ID: z.string().optional(),
  WECHAT_OA_APP_SECRET: z.string().optional(),
  /** The domain-verification file WeChat asks the 服务号's web-authorization domain to serve at its root. */
  WECHAT_OA_VERIFY_FILE: z
    .string()
    .regex(/^MP_verify_[A-Za-z0-9]{1,64}\.txt$/, 'WECHAT_OA_VERIFY_FILE is the file name WeChat gives, e.g. MP_verify_AbC123xyz.txt')
    .optional(),
  WECHAT_OA_VERIFY_CONTENT: z
    .string()
    .regex(/^[A-Za-z0-9]{1,64}$/, 'WECHAT_OA_VERIFY_CONTENT is the text inside the file WeChat gives')
    .optional(),

  /** A WeCom (企业微信) self-built app (自建应用): sign-in by its web login on computers and silently inside WeCom. */
  WECOM_CORP_ID: z.string().optional(),
  WECOM_AGENT_ID: z
    .string()
    .regex(/^[0-9]{1,12}$/, "WECOM_AGENT_ID is the app's AgentId, digits only (e.g. 1000002)")
    .optional(),
  WECOM_AGENT_SECRET: z.string().optional(),
  WECOM_API_BASE_URL: z.string().url().default('https://qyapi.weixin.qq.com'),
  WECOM_LOGIN_BASE_URL: z.string().url().default('https://login.work.weixin.qq.com'),
  WECOM_OPEN_BASE_URL: z.string().url().default('https://open.weixin.qq.com'),
  WECOM_TIMEOUT_MS: positive.default(5000),
  /** What a WeCom userid is in the directories: the account's login (工号), or nothing (every member links once by phone). */
  WECOM_USERID_ATTRIBUTE: z.enum(['login', 'none']).default('login'),

  SMS_PROVIDER: z.enum(['console', 'aliyun', 'tencent']).default('console'),
  SMS_LOGIN_CREATES_USERS: bool.default(false),
  SMS_CODE_SECRET: z.string().min(32, 'SMS_CODE_SECRET must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  ALIYUN_ACCESS_KEY_ID: z.string().optional(),
  ALIYUN_ACCESS_KEY_SECRET: z.string().optional(),
  ALIYUN_SMS_SIGN_NAME: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_CODE: z.string().optional(),
  ALIYUN_SMS_ENDPOINT: z.string().default('dysmsapi.aliyuncs.com'),
  TENCENT_SECRET_ID: z.string().optional(),
  TENCENT_SECRET_KEY: z.string().optional(),
  TENCENT_SMS_SDK_APP_ID: z.string().optional(),
  TENCENT_SMS_SIGN_NAME: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID: z.string().optional(),
  TENCENT_SMS_REGION: z.string().default('ap-guangzhou'),
  TENCENT_SMS_ENDPOINT: z.string().default('sms.tencentcloudapi.com'),
  SMS_CODE_TTL_SECONDS: positive.default(300),
  SMS_RESEND_SECONDS: positive.default(60),
  /** Codes to one number from one client address (IPv6: its /64) a day. */
  SMS_MAX_PER_PHONE_PER_DAY: positive.default(10),
  /** Codes to one number a day from all addresses together: what a stranger can spend, and SMS pumping's ceiling. */
  SMS_PHONE_DAILY_CEILING: positive.default(50),
  SMS_MAX_PER_IP_PER_HOUR: positive.default(30),
  SMS_MAX_ATTEMPTS: positive.default(5),
  /** Codes the whole service sends a day (Beijing time); then sends stop until midnight. */
  SMS_DAILY_BUDGET: positive.default(5000),
  /** The countries codes are sent to: ISO 3166 alpha-2 codes, comma-separated; the first is assumed for numbers typed without +. */
  SMS_COUNTRIES: z
    .string()
    .default('CN')
    .transform((v) => v.split(',').map((c) => c.trim().toUpperCase()))
    .refine((list) => list.length > 0 && list.every(isCountryCode), 'SMS_COUNTRIES must be ISO country codes, comma-separated (e.g. CN or CN,HK,MO)'),
  /** PBKDF2-SHA-256 iterations the proof of work asks of a browser for a repeated send (at most; 3/4 of it on average). */
  SMS_CHALLENGE_WORK: positive.default(2_000_000),
  // Templates of their own for the account's life: codes (one variable, the code) and notices (time and IP).
  ALIYUN_SMS_TEMPLATE_CODE_RESET: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_CODE_ACTIVATE: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_CODE_PHONE: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_CODE_DELETE: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_NOTICE_SIGN_IN: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_NOTICE_PASSWORD: z.string().optional(),
  ALIYUN_SMS_TEMPLATE_NOTICE_PHONE: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID_RESET: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID_ACTIVATE: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID_PHONE: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID_DELETE: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID_NOTICE_SIGN_IN: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID_NOTICE_PASSWORD: z.string().optional(),
  TENCENT_SMS_TEMPLATE_ID_NOTICE_PHONE: z.string().optional(),
  /** Which notices go to the account's phone: new_browser, password, phone (comma-separated); none by default. */
  SMS_NOTICES: z
    .string()
    .default('')
    .transform((v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter(Boolean),
    )
    .refine(
      (list) => list.every((n) => (NOTICE_NAMES as readonly string[]).includes(n)),
      'SMS_NOTICES lists new_browser, password and phone, comma-separated',
    ),
  /** At most one notice of each kind to one number in this many seconds. */
  SMS_NOTICE_INTERVAL_SECONDS: positive.default(600),
  /** Whether an SMS code alone signs in to an account that has a password: code, proven, password. */
  SMS_LOGIN_PASSWORD_ACCOUNTS: z.enum(['code', 'proven', 'password']).default('proven'),

  PASSWORD_MIN_LENGTH: positive.max(64).default(8),
  PASSWORD_MIN_CLASSES: z.coerce.number().int().min(1).max(4).default(2),
  PASSWORD_REFUSE_OWN_NAME: bool.default(true),
  PASSWORD_REFUSE_COMMON: bool.default(true),
  /** The directory's own password page, linked where wecas cannot set a directory account's password. */
  DIRECTORY_PASSWORD_URL: z.string().url().optional(),
  /** The attribute that holds an ID number (身份证号): activation may then be proved by its last 6 characters. */
  ACTIVATION_ID_ATTRIBUTE: z.string().min(1).optional(),
  /**
   * Directory groups that confer an administrator's role (admin API): `group=role` pairs separated by `;` (group
   * names may hold commas and `=`, as LDAP DNs do; the role is after the last `=`): `wecas-admins=admin;it-helpdesk=helpdesk`.
   */
  ADMIN_ROLE_GROUPS: z
    .string()
    .optional()
    .transform((v, ctx): AdminRoleGroup[] => {
      const entries = (v ?? '')
        .split(';')
        .map((e) => e.trim())
        .filter((e) => e !== '');
      return entries.flatMap((entry) => {
        const eq = entry.lastIndexOf('=');
        const group = entry.slice(0, eq).trim();
        const role = entry.slice(eq + 1).trim();
        if (eq <= 0 || !group || (role !== 'admin' && role !== 'helpdesk')) {
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not group=admin or group=helpdesk` });
          return [];
        }
        return [{ group, role }];
      });
    }),
});

/** A directory group whose members hold an administrator's role. */
export interface AdminRoleGroup {
  group: string;
  role: 'admin' | 'helpdesk';
}

/** The notices SMS_NOTICES may list. */
const NOTICE_NAMES = ['new_browser', 'password', 'phone'] as const;
export type NoticeName = (typeof NOTICE_NAMES)[number];

type Environment = z.output<typeof environmentSchema>;
export type Mode = Environment['NODE_ENV'];

/** The keys each SMS provider cannot work without. */
const SMS_PROVIDER_KEYS = {
  console: [],
  aliyun: ['ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATE_CODE'],
  tencent: ['TENCENT_SECRET_ID', 'TENCENT_SECRET_KEY', 'TENCENT_SMS_SDK_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_ID'],
} as const;

/** What an LDAP directory cannot work without. */
const LDAP_REQUIRED_KEYS = ['LDAP_URL', 'LDAP_BASE_DN', 'LDAP_BIND_DN', 'LDAP_BIND_PASSWORD'] as const;

/** A WeCom self-built app; the base URLs point elsewhere only for the emulator. */
export interface WeComSettings {
  corpId: string;
  agentId: string;
  agentSecret: string;
  apiBaseUrl: string;
  loginBaseUrl: string;
  openBaseUrl: string;
  timeoutMs: number;
  /** `login`: the userid is an account's login (工号) in the directories; `none`: every member links once by phone. */
  userIdAttribute: 'login' | 'none';
}

/** WeChat Open Platform website app; the base URLs point elsewhere only for the emulator and unusual networks. */
export interface WeChatSettings {
  appId: string;
  appSecret: string;
  openBaseUrl: string;
  apiBaseUrl: string;
  timeoutMs: number;
}

export type SmsProviderSettings =
  | { kind: 'console' }
  | {
      kind: 'aliyun';
      accessKeyId: string;
      accessKeySecret: string;
      signName: string;
      templateCode: string;
      templates: SmsTemplates;
      endpoint: string;
    }
  | {
      kind: 'tencent';
      secretId: string;
      secretKey: string;
      sdkAppId: string;
      signName: string;
      templateId: string;
      templates: SmsTemplates;
      region: string;
      endpoint: string;
    };

/** An LDAP or Active Directory server as a directory: how to reach it, find people in it and read them. */
export interface LdapSettings {
  /** The server, then the failover: a new connection tries them in this order and takes the first that answers. */
  urls: string[];
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  /** RFC 4515 filters; `{login}` and `{phone}` are replaced by the escaped value. */
  userFilter: string;
  phoneFilter: string;
  /** Which LDAP attribute holds each thing wecas needs. `id` is objectGUID (read as a GUID), entryUUID or another stable one. */
  attributes: { login: string; phone: string; displayName: string; mail: string; groups: string; id: string };
  /** Further attributes to release, by released name. */
  released: Record<string, string>;
  /** `search`: find groups with this filter (`{dn}` = the account's DN) instead of reading `attributes.groups`. */
  groups: { format: 'dn' | 'name'; search: { baseDn: string; filter: string } | undefined };
  /** An account is disabled when it matches `filter`, or, with `userAccountControl`, when AD's ACCOUNTDISABLE bit (2) is set. */
  disabled: { filter: string | undefined; userAccountControl: boolean };
  /** `caFile`: trust this PEM instead of Node's CAs (ldaps:// and StartTLS). */
  tls: { caFile: string | undefined; startTls: boolean };
  connectTimeoutMs: number;
  /** Each operation's deadline (bind, search). */
  timeoutMs: number;
  /** Service-account connections kept for searches. */
  poolSize: number;
}

/** The `sql` directory (src/directories/sql.ts): an existing user table, read through configured queries. */
export interface SqlDirectorySettings {
  name: string;
  /** `postgres://…` or `sqlite:/abs/file`. May hold the database's password: log it only through redactUrl. */
  databaseUrl: string;
  /** Each a SELECT with one positional parameter. Without byPhone nobody is found by phone; without byId the login is the id. */
  queries: { byLogin: string; byPhone: string | undefined; byId: string | undefined };
  phoneParameter: 'national' | 'e164';
  groups: { format: 'delimited' | 'json'; delimiter: string };
  /** Set: the `disabled` column is a status, active only when one of these (case-insensitive). Unset: a flag. */
  activeStatuses: string[] | undefined;
  legacyUnsaltedHashes: boolean;
  timeoutMs: number;
}

/** wecas's settings, grouped by the part of the server they shape. */
export interface Config {
  mode: Mode;
  server: {
    /**
     * Production listens on every interface; development and tests on loopback only, unless HOST says otherwise:
     * a development server shows every SMS code (/__outbox) and every pending QR (the emulator's control API).
     */
    host: string;
    /** Whether HOST was given: a development server then serves whoever can reach that address. */
    hostExplicit: boolean;
    port: number;
    /** Scheme, host and port people and applications reach wecas at, without a trailing slash. */
    publicUrl: string;
    /** publicUrl + casPrefix: the CAS server URL clients are configured with. */
    casBaseUrl: string;
    /** Path under which the protocol is served, e.g. `/cas`, possibly empty. */
    casPrefix: string;
    tls: { certFile: string; keyFile: string } | undefined;
    trustProxy: boolean | string;
    /** Cookies are Secure when the public URL is https. */
    secureCookies: boolean;
    logLevel: Environment['LOG_LEVEL'];
  };
  storage: {
    /** Normalised: `sqlite:/abs/file`, `sqlite::memory:` or `postgres://…`. */
    databaseUrl: string;
    /** Where tickets and short-lived state live: Redis when configured, else this. */
    ticketRegistry: 'memory' | 'sql';
    redis: { url: string; prefix: string } | undefined;
  };
  tickets: {
    serviceTicketSeconds: number;
    proxyTicketSeconds: number;
    sessionHardSeconds: number;
    sessionIdleSeconds: number;
    loginFormSeconds: number;
  };
  cas: {
    /** Release attributes on the CAS 2.0 validators too (Apereo's v3-forward-compatible). */
    v2Attributes: boolean;
    /** Follow `service` on /logout when it is a registered service. */
    logoutFollowsService: boolean;
    /** Accept a plain-http pgtUrl on a loopback host (development). The spec requires https (docs/cas-protocol.md §3.3 step 2). */
    allowHttpLoopbackProxyCallback: boolean;
  };
  passwordThrottle: { failuresPerUser: number; failuresPerIp: number; windowSeconds: number };
  /** Wrong second-factor codes per account per window; the name authenticator apps show (the otpauth issuer). */
  secondFactor: { failuresPerUser: number; windowSeconds: number; issuer: string };
  /** The web console at /admin (http/console/): its built-in service's second-factor policy, its session's life. */
  adminConsole: { secondFactor: 'required' | 'optional'; sessionSeconds: number };
  /** Requests per client address (IPv6: its /64) per minute, by kind of endpoint; shared by every node through Redis. */
  requestLimits: { loginPerMinute: number; smsPerMinute: number; validationPerMinute: number; callbackPerMinute: number };
  /** The directories accounts are looked up in, in order (first match wins), and each one's settings. */
  directories: {
    order: Array<'local' | 'ldap' | 'sql'>;
    /** Seconds between re-reads of the accounts of people signed in (disabled or removed: their sessions end). */
    recheckSeconds: number;
    /** Present when `order` includes `ldap`. */
    ldap: LdapSettings | undefined;
    /** Present when `order` includes `sql`. */
    sql: SqlDirectorySettings | undefined;
  };
  /** Absent when no WeChat app is configured: WeChat sign-in is then not offered. */
  wechat: WeChatSettings | undefined;
  /** The 服务号 whose web authorization signs people in inside WeChat's browser; absent: no WeChat there. */
  wechatOfficialAccount: (WeChatSettings & { verifyFile: { name: string; content: string } | undefined }) | undefined;
  /** Absent when no WeCom app is configured: WeCom sign-in is then not offered. */
  wecom: WeComSettings | undefined;
  sms: {
    provider: SmsProviderSettings;
    /** HMAC key of stored codes; random per process when not set outside production. */
    codeSecret: string;
    loginCreatesUsers: boolean;
    limits: {
      codeTtlSeconds: number;
      resendSeconds: number;
      maxPerPhonePerDay: number;
      phoneDailyCeiling: number;
      maxPerIpPerHour: number;
      maxAttempts: number;
    };
    /** Codes the whole service may send a day. */
    dailyBudget: number;
    /** ISO country codes numbers must belong to; the first is assumed for numbers without a country code. */
    countries: string[];
    /** PBKDF2 iterations a repeated send's proof of work costs at most. */
    challengeWork: number;
    /** The notices sent to an account's phone, and at most one of each kind per number per interval. */
    notices: { enabled: NoticeName[]; intervalSeconds: number };
    /**
     * Whether an SMS code alone signs in to an account that has a password: `code` (yes), `proven` (only with the
     * number that has signed in to it before), `password` (never: the password is asked as well).
     */
    loginPasswordAccounts: 'code' | 'proven' | 'password';
  };
  /** What a new password must be (activation, reset, `wecas user passwd` keeps its own rule: not empty). */
  passwordPolicy: PasswordPolicySettings;
  recovery: {
    /** The directory's own password page, for accounts wecas cannot set the password of (LDAP, an existing table). */
    directoryPasswordUrl: string | undefined;
    /** The attribute holding an ID number: activation may be proved by its last 6 characters. */
    idAttribute: string | undefined;
  };
  observability: {
    /** Serve /metrics on the main port (`metricsPort` undefined) or on the admin port. */
    metricsEnabled: boolean;
    metricsPort: number | undefined;
    metricsHost: string;
    auditRetentionDays: number;
  };
  /** Create the demo user and service at a development start. */
  /** The admin API: the directory groups that confer a role (besides the roles `wecas admin grant` stores). */
  admin: { roleGroups: AdminRoleGroup[] };
  demoData: boolean;
}

function toConfig(env: Environment): Config {
  const tls = env.TLS_CERT_FILE && env.TLS_KEY_FILE ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE } : undefined;
  const publicUrl = (env.PUBLIC_URL ?? `${tls ? 'https' : 'http'}://localhost:${env.PORT}`).replace(/\/+$/, '');
  return {
    mode: env.NODE_ENV,
    server: {
      host: env.HOST ?? (env.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1'),
      hostExplicit: env.HOST !== undefined,
      port: env.PORT,
      publicUrl,
      casBaseUrl: publicUrl + env.CAS_PREFIX,
      casPrefix: env.CAS_PREFIX,
      tls,
      trustProxy: env.TRUST_PROXY,
      secureCookies: publicUrl.startsWith('https://'),
      logLevel: env.LOG_LEVEL,
    },
    storage: {
      databaseUrl: normaliseDatabaseUrl(env.DATABASE_URL),
      ticketRegistry: env.TICKET_REGISTRY,
      redis: env.REDIS_URL ? { url: env.REDIS_URL, prefix: env.REDIS_PREFIX } : undefined,
    },
    tickets: {
      serviceTicketSeconds: env.ST_TTL_SECONDS,
      proxyTicketSeconds: env.PT_TTL_SECONDS,
      sessionHardSeconds: env.TGT_HARD_TTL_SECONDS,
      sessionIdleSeconds: env.TGT_IDLE_TTL_SECONDS,
      loginFormSeconds: env.LOGIN_FORM_TTL_SECONDS,
    },
    cas: {
      v2Attributes: env.CAS_V2_ATTRIBUTES,
      logoutFollowsService: env.LOGOUT_FOLLOW_SERVICE,
      allowHttpLoopbackProxyCallback: env.CAS_ALLOW_HTTP_PROXY_CALLBACK_LOOPBACK,
    },
    passwordThrottle: {
      failuresPerUser: env.LOGIN_FAILURES_PER_USER,
      failuresPerIp: env.LOGIN_FAILURES_PER_IP,
      windowSeconds: env.LOGIN_FAILURE_WINDOW_SECONDS,
    },
    secondFactor: {
      failuresPerUser: env.SECOND_FACTOR_FAILURES_PER_USER,
      windowSeconds: env.SECOND_FACTOR_FAILURE_WINDOW_SECONDS,
      issuer: env.SECOND_FACTOR_ISSUER ?? new URL(publicUrl).hostname,
    },
    adminConsole: { secondFactor: env.ADMIN_CONSOLE_SECOND_FACTOR, sessionSeconds: env.ADMIN_CONSOLE_SESSION_SECONDS },
    directories: {
      order: env.DIRECTORIES,
      recheckSeconds: env.DIRECTORY_RECHECK_SECONDS,
      ldap: env.DIRECTORIES.includes('ldap') ? ldapSettings(env) : undefined,
      sql: env.DIRECTORIES.includes('sql') ? sqlDirectory(env) : undefined,
    },
    requestLimits: {
      loginPerMinute: env.RATE_LIMIT_LOGIN_PER_MINUTE,
      smsPerMinute: env.RATE_LIMIT_SMS_PER_MINUTE,
      validationPerMinute: env.RATE_LIMIT_VALIDATION_PER_MINUTE,
      callbackPerMinute: env.RATE_LIMIT_CALLBACK_PER_MINUTE,
    },
    wechat:
      env.WECHAT_APP_ID && env.WECHAT_APP_SECRET
        ? {
            appId: env.WECHAT_APP_ID,
            appSecret: env.WECHAT_APP_SECRET,
            openBaseUrl: env.WECHAT_OPEN_BASE_URL,
            apiBaseUrl: env.WECHAT_API_BASE_URL,
            timeoutMs: env.WECHAT_TIMEOUT_MS,
          }
        : undefined,
    wechatOfficialAccount:
      env.WECHAT_OA_APP_ID && env.WECHAT_OA_APP_SECRET
        ? {
            appId: env.WECHAT_OA_APP_ID,
            appSecret: env.WECHAT_OA_APP_SECRET,
            openBaseUrl: env.WECHAT_OPEN_BASE_URL,
            apiBaseUrl: env.WECHAT_API_BASE_URL,
            timeoutMs: env.WECHAT_TIMEOUT_MS,
            verifyFile:
              env.WECHAT_OA_VERIFY_FILE && env.WECHAT_OA_VERIFY_CONTENT
                ? { name: env.WECHAT_OA_VERIFY_FILE, content: env.WECHAT_OA_VERIFY_CONTENT }
                : undefined,
          }
        : undefined,
    wecom:
      env.WECOM_CORP_ID && env.WECOM_AGENT_ID && env.WECOM_AGENT_SECRET
        ? {
            corpId: env.WECOM_CORP_ID,
            agentId: env.WECOM_AGENT_ID,
            agentSecret: env.WECOM_AGENT_SECRET,
            apiBaseUrl: env.WECOM_API_BASE_URL,
            loginBaseUrl: env.WECOM_LOGIN_BASE_URL,
            openBaseUrl: env.WECOM_OPEN_BASE_URL,
            timeoutMs: env.WECOM_TIMEOUT_MS,
            userIdAttribute: env.WECOM_USERID_ATTRIBUTE,
          }
        : undefined,
    sms: {
      provider: smsProvider(env),
      // In development a random key per process is fine: one process, and a restart only voids codes younger than 5 minutes.
      codeSecret: env.SMS_CODE_SECRET ?? randomBytes(32).toString('hex'),
      loginCreatesUsers: env.SMS_LOGIN_CREATES_USERS,
      limits: {
        codeTtlSeconds: env.SMS_CODE_TTL_SECONDS,
        resendSeconds: env.SMS_RESEND_SECONDS,
        maxPerPhonePerDay: env.SMS_MAX_PER_PHONE_PER_DAY,
        phoneDailyCeiling: env.SMS_PHONE_DAILY_CEILING,
        maxPerIpPerHour: env.SMS_MAX_PER_IP_PER_HOUR,
        maxAttempts: env.SMS_MAX_ATTEMPTS,
      },
      dailyBudget: env.SMS_DAILY_BUDGET,
      countries: [...new Set(env.SMS_COUNTRIES)],
      challengeWork: env.SMS_CHALLENGE_WORK,
      notices: { enabled: [...new Set(env.SMS_NOTICES)] as NoticeName[], intervalSeconds: env.SMS_NOTICE_INTERVAL_SECONDS },
      loginPasswordAccounts: env.SMS_LOGIN_PASSWORD_ACCOUNTS,
    },
    passwordPolicy: {
      minLength: env.PASSWORD_MIN_LENGTH,
      minClasses: env.PASSWORD_MIN_CLASSES,
      refuseOwnName: env.PASSWORD_REFUSE_OWN_NAME,
      refuseCommon: env.PASSWORD_REFUSE_COMMON,
    },
    recovery: { directoryPasswordUrl: env.DIRECTORY_PASSWORD_URL, idAttribute: env.ACTIVATION_ID_ATTRIBUTE },
    observability: {
      metricsEnabled: env.METRICS_ENABLED || env.METRICS_PORT !== undefined,
      metricsPort: env.METRICS_PORT,
      metricsHost: env.METRICS_HOST,
      auditRetentionDays: env.AUDIT_RETENTION_DAYS,
    },
    admin: { roleGroups: env.ADMIN_ROLE_GROUPS },
    demoData: env.DEMO_DATA ?? env.NODE_ENV === 'development',
  };
}

/** The LDAP directory's settings, with Active Directory's defaults when LDAP_ACTIVE_DIRECTORY; `problems` has checked the required ones. */
function ldapSettings(env: Environment): LdapSettings {
  const ad = env.LDAP_ACTIVE_DIRECTORY;
  const login = env.LDAP_LOGIN_ATTRIBUTE ?? (ad ? 'sAMAccountName' : 'uid');
  const people = ad ? '(objectClass=user)' : '(objectClass=person)';
  return {
    urls: [env.LDAP_URL!, ...(env.LDAP_FAILOVER_URL ? [env.LDAP_FAILOVER_URL] : [])],
    bindDn: env.LDAP_BIND_DN!,
    bindPassword: env.LDAP_BIND_PASSWORD!,
    baseDn: env.LDAP_BASE_DN!,
    userFilter: env.LDAP_USER_FILTER ?? `(&${people}(${login}={login}))`,
    phoneFilter: env.LDAP_PHONE_FILTER ?? `(&${people}(${env.LDAP_PHONE_ATTRIBUTE}={phone}))`,
    attributes: {
      login,
      phone: env.LDAP_PHONE_ATTRIBUTE,
      displayName: env.LDAP_DISPLAY_NAME_ATTRIBUTE,
      mail: env.LDAP_MAIL_ATTRIBUTE,
      groups: env.LDAP_GROUP_ATTRIBUTE,
      id: env.LDAP_ID_ATTRIBUTE ?? (ad ? 'objectGUID' : 'entryUUID'),
    },
    released: env.LDAP_ATTRIBUTES,
    groups: {
      format: env.LDAP_GROUP_FORMAT,
      search: env.LDAP_GROUP_FILTER ? { baseDn: env.LDAP_GROUP_BASE_DN ?? env.LDAP_BASE_DN!, filter: env.LDAP_GROUP_FILTER } : undefined,
    },
    disabled: { filter: env.LDAP_DISABLED_FILTER, userAccountControl: ad },
    tls: { caFile: env.LDAP_CA_FILE, startTls: env.LDAP_STARTTLS },
    connectTimeoutMs: env.LDAP_CONNECT_TIMEOUT_MS,
    timeoutMs: env.LDAP_TIMEOUT_MS,
    poolSize: env.LDAP_POOL_SIZE,
  };
}

/** The `sql` directory's settings; `problems` has already refused a missing URL or by-login query. */
function sqlDirectory(env: Environment): SqlDirectorySettings {
  return {
    name: env.SQL_DIRECTORY_NAME,
    databaseUrl: normaliseDatabaseUrl(env.SQL_DIRECTORY_DATABASE_URL ?? ''),
    queries: {
      byLogin: env.SQL_DIRECTORY_BY_LOGIN_QUERY ?? '',
      byPhone: env.SQL_DIRECTORY_BY_PHONE_QUERY || undefined,
      byId: env.SQL_DIRECTORY_BY_ID_QUERY || undefined,
    },
    phoneParameter: env.SQL_DIRECTORY_PHONE_PARAMETER,
    groups: { format: env.SQL_DIRECTORY_GROUPS_FORMAT, delimiter: env.SQL_DIRECTORY_GROUPS_DELIMITER },
    activeStatuses: env.SQL_DIRECTORY_ACTIVE_STATUSES,
    legacyUnsaltedHashes: env.SQL_DIRECTORY_LEGACY_UNSALTED_HASHES,
    timeoutMs: env.SQL_DIRECTORY_TIMEOUT_MS,
  };
}

/** What the `sql` directory cannot work without, when DIRECTORIES names it. */
function sqlDirectoryProblems(env: Environment): Array<{ variable: string; message: string }> {
  if (!env.DIRECTORIES.includes('sql')) return [];
  const missing = (['SQL_DIRECTORY_DATABASE_URL', 'SQL_DIRECTORY_BY_LOGIN_QUERY'] as const).filter((key) => !env[key]?.trim());
  if (missing.length > 0) return [{ variable: missing[0]!, message: `DIRECTORIES includes sql, which needs ${missing.join(' and ')}` }];
  const url = env.SQL_DIRECTORY_DATABASE_URL!;
  const usable = (/^postgres(ql)?:\/\/./.test(url) && URL.canParse(url)) || (/^sqlite:./.test(url) && url !== 'sqlite::memory:');
  if (!usable)
    return [{ variable: 'SQL_DIRECTORY_DATABASE_URL', message: 'SQL_DIRECTORY_DATABASE_URL must be postgres://user@host:port/db or sqlite:<file>' }];
  return [];
}

/** The chosen provider's settings; `problems` has already refused a provider with a key missing. */
function smsProvider(env: Environment): SmsProviderSettings {
  const key = (name: keyof Environment) => String(env[name] ?? '');
  switch (env.SMS_PROVIDER) {
    case 'console':
      return { kind: 'console' };
    case 'aliyun':
      return {
        kind: 'aliyun',
        accessKeyId: key('ALIYUN_ACCESS_KEY_ID'),
        accessKeySecret: key('ALIYUN_ACCESS_KEY_SECRET'),
        signName: key('ALIYUN_SMS_SIGN_NAME'),
        templateCode: key('ALIYUN_SMS_TEMPLATE_CODE'),
        templates: templates({
          reset: env.ALIYUN_SMS_TEMPLATE_CODE_RESET,
          activate: env.ALIYUN_SMS_TEMPLATE_CODE_ACTIVATE,
          phone: env.ALIYUN_SMS_TEMPLATE_CODE_PHONE,
          delete: env.ALIYUN_SMS_TEMPLATE_CODE_DELETE,
          notice_sign_in: env.ALIYUN_SMS_TEMPLATE_NOTICE_SIGN_IN,
          notice_password: env.ALIYUN_SMS_TEMPLATE_NOTICE_PASSWORD,
          notice_phone: env.ALIYUN_SMS_TEMPLATE_NOTICE_PHONE,
        }),
        endpoint: env.ALIYUN_SMS_ENDPOINT,
      };
    case 'tencent':
      return {
        kind: 'tencent',
        secretId: key('TENCENT_SECRET_ID'),
        secretKey: key('TENCENT_SECRET_KEY'),
        sdkAppId: key('TENCENT_SMS_SDK_APP_ID'),
        signName: key('TENCENT_SMS_SIGN_NAME'),
        templateId: key('TENCENT_SMS_TEMPLATE_ID'),
        templates: templates({
          reset: env.TENCENT_SMS_TEMPLATE_ID_RESET,
          activate: env.TENCENT_SMS_TEMPLATE_ID_ACTIVATE,
          phone: env.TENCENT_SMS_TEMPLATE_ID_PHONE,
          delete: env.TENCENT_SMS_TEMPLATE_ID_DELETE,
          notice_sign_in: env.TENCENT_SMS_TEMPLATE_ID_NOTICE_SIGN_IN,
          notice_password: env.TENCENT_SMS_TEMPLATE_ID_NOTICE_PASSWORD,
          notice_phone: env.TENCENT_SMS_TEMPLATE_ID_NOTICE_PHONE,
        }),
        region: env.TENCENT_SMS_REGION,
        endpoint: env.TENCENT_SMS_ENDPOINT,
      };
  }
}

/** The templates set, without the unset ones. */
function templates(all: Record<keyof SmsTemplates, string | undefined>): SmsTemplates {
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v)) as SmsTemplates;
}

/** The notice each SMS_NOTICES name sends, and the variables naming its template. */
const NOTICE_TEMPLATES: Record<NoticeName, { aliyun: keyof Environment; tencent: keyof Environment }> = {
  new_browser: { aliyun: 'ALIYUN_SMS_TEMPLATE_NOTICE_SIGN_IN', tencent: 'TENCENT_SMS_TEMPLATE_ID_NOTICE_SIGN_IN' },
  password: { aliyun: 'ALIYUN_SMS_TEMPLATE_NOTICE_PASSWORD', tencent: 'TENCENT_SMS_TEMPLATE_ID_NOTICE_PASSWORD' },
  phone: { aliyun: 'ALIYUN_SMS_TEMPLATE_NOTICE_PHONE', tencent: 'TENCENT_SMS_TEMPLATE_ID_NOTICE_PHONE' },
};

/** What a person must fix before wecas can start with these variables, named by variable. */
function problems(env: Environment): Array<{ variable: string; message: string }> {
  const found: Array<{ variable: string; message: string }> = [];
  if (!!env.TLS_CERT_FILE !== !!env.TLS_KEY_FILE)
    found.push({ variable: 'TLS_KEY_FILE', message: 'set both TLS_CERT_FILE and TLS_KEY_FILE, or neither' });
  if (!!env.WECHAT_APP_ID !== !!env.WECHAT_APP_SECRET)
    found.push({ variable: 'WECHAT_APP_SECRET', message: 'set both WECHAT_APP_ID and WECHAT_APP_SECRET, or neither' });
  if (!!env.WECHAT_OA_APP_ID !== !!env.WECHAT_OA_APP_SECRET)
    found.push({ variable: 'WECHAT_OA_APP_SECRET', message: 'set both WECHAT_OA_APP_ID and WECHAT_OA_APP_SECRET, or neither' });
  if (env.WECHAT_OA_APP_ID && !env.WECHAT_APP_ID)
    found.push({
      variable: 'WECHAT_APP_ID',
      message: 'WECHAT_OA_APP_ID (inside WeChat) comes with the website app WECHAT_APP_ID (the QR on computers)',
    });
  if (!!env.WECHAT_OA_VERIFY_FILE !== !!env.WECHAT_OA_VERIFY_CONTENT)
    found.push({ variable: 'WECHAT_OA_VERIFY_CONTENT', message: 'set both WECHAT_OA_VERIFY_FILE and WECHAT_OA_VERIFY_CONTENT, or neither' });
  const wecomSet = [env.WECOM_CORP_ID, env.WECOM_AGENT_ID, env.WECOM_AGENT_SECRET].filter(Boolean).length;
  if (wecomSet !== 0 && wecomSet !== 3)
    found.push({
      variable: !env.WECOM_CORP_ID ? 'WECOM_CORP_ID' : !env.WECOM_AGENT_ID ? 'WECOM_AGENT_ID' : 'WECOM_AGENT_SECRET',
      message: 'set all of WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_AGENT_SECRET, or none',
    });
  found.push(...sqlDirectoryProblems(env));
  const missing = SMS_PROVIDER_KEYS[env.SMS_PROVIDER].filter((key) => !env[key]);
  if (missing.length > 0) found.push({ variable: missing[0]!, message: `SMS_PROVIDER=${env.SMS_PROVIDER} needs ${missing.join(', ')}` });
  const provider = env.SMS_PROVIDER;
  if (provider !== 'console')
    for (const notice of new Set(env.SMS_NOTICES) as Set<NoticeName>) {
      const variable = NOTICE_TEMPLATES[notice]?.[provider];
      if (variable && !env[variable]) found.push({ variable, message: `SMS_NOTICES=${notice} with SMS_PROVIDER=${provider} needs ${variable}` });
    }
  found.push(...ldapProblems(env));
  if (env.NODE_ENV === 'development' && env.PUBLIC_URL && !env.HOST && !isLocal(env.PUBLIC_URL))
    found.push({
      variable: 'NODE_ENV',
      message:
        `PUBLIC_URL ${env.PUBLIC_URL} is not this machine, but NODE_ENV is development (the default), where anyone who reaches the ` +
        'server can read every SMS code and QR. For a deployment set NODE_ENV=production; to serve development to your network on purpose, set HOST.',
    });
  if (env.NODE_ENV !== 'production') return found;
  const publicUrl = env.PUBLIC_URL ?? (env.TLS_CERT_FILE ? 'https://' : 'http://');
  if (!publicUrl.startsWith('https://')) found.push({ variable: 'PUBLIC_URL', message: 'production needs an https:// PUBLIC_URL' });
  if (!env.WECHAT_APP_ID || !env.WECHAT_APP_SECRET)
    found.push({ variable: 'WECHAT_APP_ID', message: 'production needs WECHAT_APP_ID and WECHAT_APP_SECRET (the emulator is for development only)' });
  if (env.SMS_PROVIDER === 'console')
    found.push({ variable: 'SMS_PROVIDER', message: 'production needs SMS_PROVIDER=aliyun or tencent (the console outbox is for development only)' });
  if (!env.SMS_CODE_SECRET)
    found.push({ variable: 'SMS_CODE_SECRET', message: 'production needs SMS_CODE_SECRET, the same on every node (e.g. openssl rand -hex 32)' });
  return found;
}

/** The LDAP settings that cannot work together, when DIRECTORIES includes ldap. */
function ldapProblems(env: Environment): Array<{ variable: string; message: string }> {
  if (!env.DIRECTORIES.includes('ldap')) return [];
  const missing = LDAP_REQUIRED_KEYS.filter((key) => !env[key]);
  if (missing.length > 0) return [{ variable: missing[0]!, message: `DIRECTORIES includes ldap, which needs ${missing.join(', ')}` }];
  const urls = [env.LDAP_URL!, ...(env.LDAP_FAILOVER_URL ? [env.LDAP_FAILOVER_URL] : [])];
  const found: Array<{ variable: string; message: string }> = [];
  if (env.LDAP_STARTTLS && urls.some((url) => url.startsWith('ldaps:')))
    found.push({ variable: 'LDAP_STARTTLS', message: 'LDAP_STARTTLS upgrades an ldap:// connection; an ldaps:// URL is TLS already' });
  // People's passwords cross this connection: in production only a loopback server may see them in clear.
  if (env.NODE_ENV === 'production' && !env.LDAP_STARTTLS && urls.some((url) => url.startsWith('ldap:') && !isLocal(url)))
    found.push({ variable: 'LDAP_URL', message: 'production sends passwords to LDAP over TLS only: use ldaps:// or set LDAP_STARTTLS=true' });
  return found;
}

/** localhost, *.localhost, 127.0.0.0/8 or ::1: a URL only this machine reaches. */
function isLocal(url: string): boolean {
  const host = URL.canParse(url) ? new URL(url).hostname : '';
  return host === 'localhost' || host.endsWith('.localhost') || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function normaliseDatabaseUrl(url: string): string {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return url;
  if (url === 'sqlite::memory:' || url === ':memory:') return 'sqlite::memory:';
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : url;
  return `sqlite:${path.resolve(file)}`;
}

/** Reads the configuration, or throws a ConfigError whose message a person can act on. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = environmentSchema.safeParse(env);
  const issues = parsed.success
    ? problems(parsed.data)
    : parsed.error.issues.map((i) => ({ variable: i.path.join('.') || '(config)', message: i.message }));
  if (!parsed.success || issues.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
  }
  return toConfig(parsed.data);
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}
