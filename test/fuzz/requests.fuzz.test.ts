/**
 * Request fuzzing: a few thousand random and mutated requests over every endpoint wecas serves, signed in and not,
 * checked against what every answer must satisfy (test/fuzz/oracle.ts): no 5xx, no unhandled rejection or uncaught
 * exception, XML that a strict parser reads, JSON that parses, and redirects only to wecas, WeChat's QR page or a
 * registered, enabled service; and, on the admin API, a `{ error, message }` body for every 4xx. The console (/admin)
 * and the admin API are fuzzed as a signed-in administrator and helpdesk operator (test/fuzz/admins.ts), and
 * without a session or a token.
 *
 * Two apps: the conformance app of test/support/cas-app.ts (app.inject; every route but WeChat's) and the WeChat
 * harness (test/wechat/harness.ts: the emulator mounted and reached over loopback, also through app.inject), where
 * the WeChat start, callback, binding and account-linking routes are driven through real state and codes.
 *
 * Bounded and reproducible: request i of a run is drawn from its own stream of the seed (FUZZ_SEED, default below),
 * so a reported request can be regenerated; the app's own randomness (ticket ids) and the interleaving of the
 * concurrent workers are not replayed. FUZZ_REQUESTS scales the run (default 2500 on the CAS app, a quarter of
 * that on the WeChat app). Every violation is collected; the run fails once with the whole list (FUZZ_DUMP=<file>
 * also writes every violation, known ones included, as JSON).
 *
 *   FUZZ_SEED=12345 npx vitest run test/fuzz/requests.fuzz.test.ts
 *   FUZZ_SEED=12345 FUZZ_ONLY=1000306 npx vitest run test/fuzz/requests.fuzz.test.ts   # one reported request (#1000306)
 *
 * FUZZ_ONLY replays one request's generator alone; a request built on what earlier ones left (a delivered PGT, a
 * bound WeChat persona, a spent ticket) comes out the same only in the whole run.
 */
import { writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATED_WECHAT_APP } from '../../dev/emulated-wechat.js';
import type { Emulator } from '../../emulator/emulator.js';
import { normalisePhone } from '../../src/users/phone.js';
import type { User } from '../../src/users/types.js';
import type { Wecas } from '../../src/wecas.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ALICE, type CasTestApp, createCasTestApp, S, S2 } from '../support/cas-app.js';
import type { ManualClock } from '../support/clock.js';
import { CookieJar } from '../support/cookie-jar.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { selfSignedCertificate } from '../support/tls.js';
import { PHONE_USER, startWeChatTestServer, type WeChatTestServer } from '../wechat/harness.js';
import { type FuzzAdmin, type FuzzAdmins, fuzzAdmins } from './admins.js';
import { type Answer, checkAnswer, type Finding, type RedirectPolicy, strictXmlProblems } from './oracle.js';
import { anyString, encodeEverything, fuzzSeed, hostileFragment, mutate, percentEncode, Rng, sloppyEncode } from './random.js';

const DEFAULT_SEED = 20261130;
const SEED = fuzzSeed(DEFAULT_SEED);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2500);
const WECHAT_REQUESTS = Math.round(REQUESTS / 4);
const WORKERS = 8;
/**
 * A wall-clock bound for loaded machines: no new request starts after it (the requests run are still a prefix of
 * the seed's sequence, and the summary says how many ran). FUZZ_BUDGET_SECONDS overrides it.
 */
const BUDGET_MS = Number(process.env.FUZZ_BUDGET_SECONDS ?? 40) * 1000;
/** Only this request number (as a report prints it: #n), with the requests its generator sends first. */
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
const REPRODUCE = `FUZZ_SEED=${SEED} npx vitest run test/fuzz/requests.fuzz.test.ts (one request: FUZZ_ONLY=<#n>)`;

const P = '/cas';
const FORM = 'application/x-www-form-urlencoded';

// ---------------------------------------------------------------------------------------------------------------
// What is registered, and the service URLs the fuzzer draws from

/** Registered on both apps besides their own services (S, S2; the demo app). */
const EXTRA_SERVICES = {
  /** A prefix with a non-ASCII path: the services a university registers for its Chinese-named apps. */
  intl: 'https://intl.example.org/路径/',
  /** An IDN host (canonical form xn--bcher-kva.example). */
  idn: 'https://bücher.example/',
  regex: 'https://re\\.example\\.org/(app|api)/.*',
  exactWithQuery: 'https://q.example.org/cb?x=1',
  httpWithPort: 'http://localhost:8081/app',
  disabled: 'https://disabled.example.org/',
  frontChannel: 'https://fc.example.org/',
  proxying: 'https://proxy.example.org/app',
};

/** Registered, enabled services, spelled as clients spell them (ASCII only). */
const INSIDE = [
  S,
  `${S}/x?y=1`,
  `${S}?a=b&c=%2F`,
  'HTTPS://APP.EXAMPLE.ORG/cb/z',
  'https://app.example.org:443/cb#frag',
  'https://app.example.org/cb/%78',
  `${S}/?next=https%3A%2F%2Fevil.com%2F`,
  `${S}?`,
  `${S}?a=1&`,
  S2,
  'https://other.example.org',
  'https://re.example.org/app/x',
  'https://re.example.org/api/v1?q=1',
  'https://q.example.org/cb?x=1',
  'https://q.example.org/cb?x=1#f',
  'http://localhost:8081/app/home',
  'http://LOCALHOST:8081/app?',
  'https://proxy.example.org/app/',
  'https://fc.example.org/page',
  'https://xn--bcher-kva.example/shelf',
  'https://intl.example.org/%E8%B7%AF%E5%BE%84/page',
];

/** Registered too, but spelled with raw non-ASCII characters, as a client that does not encode sends them. */
const INSIDE_NON_ASCII = [
  'https://bücher.example/shelf',
  'https://intl.example.org/路径/page',
  `${S}/ü`,
  `${S}/中文`,
  `${S}?name=张三`,
  'https://app。example。org/cb',
  'https://ａｐｐ.example.org/cb',
];

const DISABLED = ['https://disabled.example.org/x', 'https://disabled.example.org/'];

/** Not registered: every trick for making a registered-looking URL go somewhere else. */
const OUTSIDE = [
  'https://evil.example.com/',
  'https://app.example.org.evil.com/cb',
  'https://app.example.org@evil.com/cb',
  'https://evil.com\\@app.example.org/cb',
  'https://evil.com%5C@app.example.org/cb',
  'https://app.example.org%2F@evil.com/',
  'https://app.example.org\\.evil.com/cb',
  'https://app.example.org%2eevil.com/cb',
  'https://user:pw@app.example.org/cb',
  'https://:pw@app.example.org/cb',
  'https://app.example.org/cb/../../admin',
  'https://app.example.org/cb/..%2F..%2Fadmin',
  'https://app.example.org/cb/%2e%2e/admin',
  'https://app.example.org/cbx',
  'https://app.example.org/c',
  'https://app.example.org./cb',
  'https://app.example.org:8443/cb',
  'http://app.example.org/cb',
  'ftp://app.example.org/cb',
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)//https://app.example.org/cb',
  'data:text/html,<script>alert(1)</script>',
  '//evil.com/',
  '///evil.com/',
  '/\\evil.com',
  '\\\\evil.com',
  '/cas/login',
  'https:app.example.org/cb',
  'https:/app.example.org/cb',
  ' https://app.example.org/cb',
  'https://app.example.org/cb\r\nSet-Cookie: x=1',
  'https://app.example.org/cb%0d%0aSet-Cookie:%20x=1',
  'https://app.example.org/cb\u2028',
  'https://other.example.org/x',
  'https://re.example.org/admin',
  'https://re.example.org/app',
  'https://q.example.org/cb?x=1&y=2',
  'https://q.example.org/cb',
  'https://0x7f.0.0.1/',
  'https://[::1]/cb',
  'http://localhost:8081/application',
  'http://127.0.0.1:8081/app',
  'https://xn--bcher-kva.example.evil.com/',
  'https://bücher.example.evil.com/',
  `https://app.example.org/cb/${'a'.repeat(2100)}`,
];

// ---------------------------------------------------------------------------------------------------------------
// KNOWN bugs: violations the fuzzer finds today, each keyed to a bug with a minimal reproduction in the `KNOWN`
// describe block below (an `it.fails` that starts failing, i.e. passing, once the fix lands: then delete the entry
// here and turn the `it.fails` into an `it`). A violation is excused only when its bug's predicate matches it
// exactly; anything else fails the run. None is known today: the bugs found so far are fixed, their reproductions
// kept as regression tests in that block.

interface Violation {
  seq: number;
  app: string;
  method: string;
  url: string;
  status: number | undefined;
  findings: Finding[];
  contentType: string;
  excerpt: string;
  payload: string;
  /** The KNOWN bug this violation is, if any. */
  known: string | undefined;
}

/** What a KNOWN predicate sees: the violation and the answer's whole body. */
type Seen = Omit<Violation, 'known'> & { body: string };

const KNOWN: Array<{ id: string; bug: string; matches(v: Seen): boolean }> = [];

// ---------------------------------------------------------------------------------------------------------------
// The apps under test

/** What the fuzzer needs of one app. */
interface Target {
  name: 'cas' | 'wechat';
  app: FastifyInstance;
  ctx: Wecas;
  clock: ManualClock;
  sms: CapturingSmsSender;
  policy: RedirectPolicy;
  /** Registered, enabled service URLs of this app. */
  inside: string[];
  sessions: SessionPool;
  /** A pgtUrl the proxying services accept: the trusted https receiver. */
  pgtUrl: string;
  pgtReceiver: Receiver;
  /** Proxy tickets /proxy issued, for the validators. */
  proxyTickets: string[];
  emulator: Emulator | undefined;
  /** WeChat personas whose identity is bound to a user by now. */
  boundPersonas: string[];
  /** Users with a password and a phone: [username, password, E.164]. */
  users: Array<[string, string, string]>;
  /** The console's and the admin API's administrators (the CAS app only). */
  admins?: FuzzAdmins | undefined;
}

/** Signed-in browsers: cookie jars holding a live TGC, replaced when their session ends. */
class SessionPool {
  private readonly jars: CookieJar[] = [];
  readonly ended: string[] = [];

  constructor(
    private readonly ctx: Wecas,
    private readonly users: User[],
    private readonly size: number,
  ) {}

  async jar(rng: Rng): Promise<CookieJar> {
    const i = rng.int(this.size);
    const user = rng.pick(this.users); // drawn whatever the state, so FUZZ_ONLY replays the same choices
    const current = this.jars[i];
    const tgc = current?.get('TGC');
    if (current && tgc && (await this.ctx.tickets.get(tgc, 'TGT'))) return current;
    if (tgc) this.ended.push(tgc);
    // A session as a sign-in makes it (the sign-in itself is fuzzed through the routes; scrypt per refresh is too slow).
    const tgt = await this.ctx.sessions.start({
      userId: user.id,
      principal: user.username ?? user.id,
      method: 'password',
      authTime: this.ctx.clock.now(),
    });
    const jar = new CookieJar();
    jar.cookies.set('TGC', tgt.id);
    this.jars[i] = jar;
    return jar;
  }
}

async function registerExtraServices(ctx: Wecas, sloUrl: string, pgtPattern: string): Promise<void> {
  const common = { logoutUrl: sloUrl, attributes: ['displayName', 'mail', 'memberOf', 'phone'] };
  const x = EXTRA_SERVICES;
  await ctx.services.add({ name: 'Intl 路径', pattern: x.intl, matchType: 'prefix', ...common });
  await ctx.services.add({ name: 'Bücher', pattern: x.idn, matchType: 'prefix', ...common });
  await ctx.services.add({ name: 'Regex', pattern: x.regex, matchType: 'regex', ...common });
  await ctx.services.add({ name: 'Exact with query', pattern: x.exactWithQuery, matchType: 'exact', ...common });
  await ctx.services.add({ name: 'Plain http', pattern: x.httpWithPort, matchType: 'prefix', ...common });
  await ctx.services.add({ name: 'Disabled', pattern: x.disabled, matchType: 'prefix', enabled: false, ...common });
  await ctx.services.add({ name: 'Front channel', pattern: x.frontChannel, matchType: 'prefix', logoutType: 'front-channel', attributes: [] });
  await ctx.services.add({ name: 'Proxying', pattern: x.proxying, matchType: 'prefix', proxyPattern: pgtPattern, ...common });
}

function policyFor(ctx: Wecas): RedirectPolicy {
  const { publicUrl, casBaseUrl } = ctx.config.server;
  return {
    publicOrigin: new URL(publicUrl).origin,
    casBase: `${casBaseUrl}/`,
    wechatOpenBase: ctx.config.wechat?.openBaseUrl,
    registeredAndEnabled: async (url) => (await ctx.services.find(url))?.enabled === true,
  };
}

/** Users besides the apps' own: bob (password, phone) and mallory, whose profile is full of characters XML cannot carry. */
async function addFuzzUsers(ctx: Wecas): Promise<{ users: User[]; credentials: Array<[string, string, string]> }> {
  const bob = await ctx.users.create({ username: 'bob', password: 'pw-bob-123', phone: '+8613800138001', displayName: 'Bob' });
  const mallory = await ctx.users.create({
    username: 'mallory',
    password: 'pw-mallory-123',
    phone: '+8613800138002',
    displayName: 'Mallory <script>&amp;]]>\u202e',
    attributes: { mail: ['mallory@example.org'], memberOf: ['a&b', '<c>', '"d"'] },
  });
  return {
    users: [bob, mallory],
    credentials: [
      ['bob', 'pw-bob-123', '+8613800138001'],
      ['mallory', 'pw-mallory-123', '+8613800138002'],
    ],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Sending and checking

interface Req {
  method: string;
  url: string;
  /** Cookies are sent from it and stored back into it. */
  jar?: CookieJar | undefined;
  /** A Cookie header of its own instead of the jar's. */
  cookie?: string | undefined;
  headers?: Record<string, string>;
  payload?: string | Buffer | undefined;
  contentType?: string | undefined;
  ip?: string;
}

interface Sent {
  statusCode: number;
  headers: Answer['headers'];
  body: string;
}

const SUCCESS =
  /<cas:authenticationSuccess>|<cas:proxySuccess>|samlp:Success|"authenticationSuccess"|"proxySuccess"|^yes\n|id="autosubmit"|http-equiv="refresh" content="0; url=/;

class Fuzzer {
  readonly violations: Violation[] = [];
  readonly processErrors: string[] = [];
  readonly byRoute = new Map<string, Map<number | string, number>>();
  readonly timeByGenerator = new Map<string, [count: number, ms: number]>();
  injects = 0;
  slowest = 0;

  async send(t: Target, seq: number, req: Req): Promise<Sent | undefined> {
    const headers: Record<string, string> = { ...req.headers };
    const cookie = req.cookie !== undefined ? req.cookie : req.jar?.header();
    if (cookie) headers.cookie = cookie;
    if (req.contentType !== undefined) headers['content-type'] = req.contentType;
    const started = performance.now();
    this.injects++;
    let res: Awaited<ReturnType<FastifyInstance['inject']>>;
    try {
      res = await t.app.inject({
        method: req.method as 'GET',
        url: req.url,
        headers,
        ...(req.payload !== undefined ? { payload: req.payload } : {}),
        remoteAddress: req.ip ?? '127.0.0.1',
      });
    } catch (err) {
      this.record(t, seq, req, undefined, [{ kind: 'status', detail: `inject failed: ${(err as Error).message}` }], '');
      return undefined;
    }
    const elapsed = performance.now() - started;
    this.slowest = Math.max(this.slowest, elapsed);
    req.jar?.store(res.headers['set-cookie']);
    const route = `${t.name} ${req.method} ${routeOf(req.url)}`;
    const statuses = this.byRoute.get(route) ?? new Map<number | string, number>();
    statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
    // How often the request got what it asked for: a ticket issued, validated or proxied.
    const granted =
      /(?:ticket|SAMLart)=(?:ST|PT)-/.test(String(res.headers.location ?? '')) || res.headers.ticket !== undefined || SUCCESS.test(res.body);
    if (granted) statuses.set('granted', (statuses.get('granted') ?? 0) + 1);
    this.byRoute.set(route, statuses);
    const answer: Answer = { statusCode: res.statusCode, headers: res.headers, body: res.body, rawPayload: res.rawPayload };
    const findings = await checkAnswer(answer, req.method, pathOf(req.url), t.policy, elapsed);
    if (findings.length) this.record(t, seq, req, res.statusCode, findings, res.body, String(res.headers['content-type'] ?? ''));
    // A sign-in form's 303 to wecas's continuation is followed, as a browser would: as a navigation (a page that
    // moves on) or as an HTTP client (a 302), alternately. Its answer is what the caller gets.
    const next = res.headers.location;
    if (res.statusCode === 303 && typeof next === 'string' && next.startsWith(`${P}/login/continue?`) && req.jar)
      return this.send(t, seq, { method: 'GET', url: next, jar: req.jar, headers: seq % 2 ? { 'sec-fetch-mode': 'navigate' } : {} });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  private record(t: Target, seq: number, req: Req, status: number | undefined, findings: Finding[], body: string, contentType = ''): void {
    const payload = req.payload === undefined ? '' : Buffer.isBuffer(req.payload) ? `<${req.payload.length} bytes>` : req.payload;
    const seen: Seen = {
      seq,
      app: t.name,
      method: req.method,
      url: req.url,
      status,
      findings,
      contentType,
      excerpt: body.slice(0, 300),
      payload,
      body,
    };
    const { body: _whole, ...violation } = seen;
    this.violations.push({ ...violation, known: KNOWN.find((k) => k.matches(seen))?.id });
  }
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

const ROUTES = [
  '/cas/login/sms/send',
  '/cas/login/sms',
  '/cas/login/wechat/callback',
  '/cas/login/wechat/bind/send',
  '/cas/login/wechat/bind',
  '/cas/login/wechat',
  '/cas/login/continue',
  '/cas/login',
  '/cas/logout',
  '/cas/validate',
  '/cas/serviceValidate',
  '/cas/proxyValidate',
  '/cas/p3/serviceValidate',
  '/cas/p3/proxyValidate',
  '/cas/proxy',
  '/cas/samlValidate',
  '/cas/login/forgot/send',
  '/cas/login/forgot',
  '/cas/login/activate/send',
  '/cas/login/activate',
  '/cas/login/second-factor/sms/send',
  '/cas/login/second-factor',
  '/cas/login/sms/challenge',
  '/cas/account/phone/send',
  '/cas/account/phone/appeal',
  '/cas/account/phone',
  '/cas/account/second-factor/totp/begin',
  '/cas/account/second-factor/totp/confirm',
  '/cas/account/second-factor/totp/disable',
  '/cas/account/second-factor/totp',
  '/cas/account/delete/send',
  '/cas/account/delete',
  '/cas/account/wecom/unbind',
  '/cas/account/wechat/unbind',
  '/cas/account/wechat/bind',
  '/cas/account/wechat/callback',
  '/cas/account/logout-all',
  '/cas/account',
  '/cas/static/',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/favicon.ico',
];

/** The console's and the admin API's routes, ids as `:id` (in the coverage table). */
const ADMIN_ROUTES = [
  '/admin/api/v1/services/match',
  '/admin/api/v1/services/:id',
  '/admin/api/v1/services',
  '/admin/api/v1/accounts/:id/wechat/:id',
  '/admin/api/v1/accounts/:id/wecom/:id',
  '/admin/api/v1/accounts/:id/sessions/:id',
  '/admin/api/v1/accounts/:id/sessions',
  '/admin/api/v1/accounts/:id/password-reset',
  '/admin/api/v1/accounts/:id/disable',
  '/admin/api/v1/accounts/:id/enable',
  '/admin/api/v1/accounts/:id',
  '/admin/api/v1/accounts',
  '/admin/api/v1/appeals/:id/approve',
  '/admin/api/v1/appeals/:id/reject',
  '/admin/api/v1/appeals',
  '/admin/api/v1/audit.csv',
  '/admin/api/v1/audit',
  '/admin/api/v1/health',
  '/admin/api/v1/roles/:id',
  '/admin/api/v1/roles',
  '/admin/api/v1/tokens/:id',
  '/admin/api/v1/tokens',
  '/admin/api/v1/openapi.json',
  '/admin/accounts/:id/status',
  '/admin/accounts/:id/password/reset',
  '/admin/accounts/:id/wechat/unlink',
  '/admin/accounts/:id/wecom/unlink',
  '/admin/accounts/:id/sessions/end',
  '/admin/accounts/:id',
  '/admin/accounts',
  '/admin/services/test',
  '/admin/services/new',
  '/admin/services/:id/delete',
  '/admin/services/:id',
  '/admin/services',
  '/admin/appeals/:id',
  '/admin/appeals',
  '/admin/audit.csv',
  '/admin/audit',
  '/admin/tokens/:id/revoke',
  '/admin/tokens',
  '/admin/logout',
  '/admin/login',
  '/admin/callback',
  '/admin/',
].map((route) => ({ route, pattern: new RegExp(`^${route.replace(/\./g, '\\.').replace(/:id/g, '[^/]+')}$`) }));

/** The route a URL was aimed at, for the coverage table (`other` for unknown and mutated paths). */
function routeOf(url: string): string {
  const path = pathOf(url);
  if (path === '/') return '/';
  if (path.startsWith('/admin')) return ADMIN_ROUTES.find((r) => r.pattern.test(path))?.route ?? 'other';
  return ROUTES.find((r) => (r.endsWith('/') ? path.startsWith(r) : path === r)) ?? 'other';
}

// ---------------------------------------------------------------------------------------------------------------
// Building hostile requests

type Pairs = Array<[string, string | undefined]>;

function latin1(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(rng.chance(0.85) ? rng.between(0x20, 0x7e) : rng.between(0xa0, 0xff));
  return s;
}

function alnum(rng: Rng, length: number): string {
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < length; i++) s += abc[rng.int(abc.length)];
  return s;
}

function randomBytes(rng: Rng, length: number): Buffer {
  const b = Buffer.alloc(length);
  for (let i = 0; i < length; i++) b[i] = rng.int(256);
  return b;
}

function encodeValue(rng: Rng, v: string): string {
  return rng.weighted<() => string>([
    [8, () => percentEncode(v)],
    [2, () => sloppyEncode(v)],
    [1, () => percentEncode(v).replace(/%20/g, '+')],
    [1, () => encodeEverything(v)],
  ])();
}

const EXTRA_PARAMS: Array<(rng: Rng) => [string, string]> = [
  (rng) => ['lang', rng.pick(['en', 'zh-CN', 'EN', 'zh', 'xx', '', mutate(rng, 'en')])],
  (rng) => ['__proto__', mutate(rng, 'x')],
  () => ['constructor', 'prototype'],
  () => ['hasOwnProperty', '1'],
  (rng) => [anyString(rng, rng.between(1, 10)), anyString(rng, rng.between(0, 20))],
  (rng) => ['url', rng.pick(OUTSIDE)],
  () => ['warn', 'true'],
  (rng) => ['format', rng.pick(['JSON', 'XML', 'json', 'html', mutate(rng, 'JSON')])],
];

/** A query string from named values: encoded every way a client does, names repeated and mangled now and then. */
function query(rng: Rng, pairs: Pairs): string {
  const list = pairs.filter((p): p is [string, string] => p[1] !== undefined);
  if (list.length && rng.chance(0.1)) {
    const [name, value] = rng.pick(list);
    const again: [string, string] = [name, rng.chance(0.5) ? mutate(rng, value) : rng.pick(OUTSIDE)];
    if (rng.chance(0.5)) list.push(again);
    else list.unshift(again);
  }
  if (rng.chance(0.15)) list.push(rng.pick(EXTRA_PARAMS)(rng));
  if (list.length && rng.chance(0.04)) {
    const i = rng.int(list.length);
    const [name, value] = list[i]!;
    list[i] = [rng.pick([name.toUpperCase(), `${name}[]`, `${name}[0]`, ` ${name}`, `${name}\u0000`, `${name}.`]), value];
  }
  const parts = list.map(([n, v]) => {
    const name = rng.chance(0.95) ? percentEncode(n, '[]') : sloppyEncode(n);
    if (v === '' && rng.chance(0.3)) return name;
    return `${name}=${encodeValue(rng, v)}`;
  });
  let q = parts.join(rng.chance(0.96) ? '&' : rng.pick([';', '&&', '&amp;']));
  if (rng.chance(0.03)) q = `&${q}&`;
  return q ? `?${q}` : rng.chance(0.1) ? '?' : '';
}

/** The path, now and then bent (trailing slash, case, encoded letters, dot segments, parameters). */
function bend(rng: Rng, path: string): string {
  if (!rng.chance(0.06)) return path;
  return rng.pick<(s: string) => string>([
    (s) => `${s}/`,
    (s) => s.replace('/cas/', '/cas//'),
    (s) => `/${s}`,
    (s) => s.toUpperCase(),
    (s) => s.replace(/[a-z](?=[a-z]*$)/, (c) => `%${c.charCodeAt(0).toString(16)}`),
    (s) => `${s};jsessionid=1`,
    (s) => `${s}%00`,
    (s) => `${s}/..`,
    (s) => s.replace('/cas/', '/cas/./'),
    (s) => `${s}/../login`,
    (s) => `${s}%2F`,
    (s) => `${s}.json`,
    (s) => `${s}/${'a'.repeat(400)}`,
  ])(path);
}

function headers(rng: Rng): Record<string, string> {
  const h: Record<string, string> = {};
  if (rng.chance(0.3))
    h['accept-language'] = rng.pick(['en', 'zh-CN,zh;q=0.9,en;q=0.8', '*', 'en;q=0', 'zh-TW', 'fr-FR', '', 'en,'.repeat(2000), latin1(rng, 40)]);
  if (rng.chance(0.1)) h['user-agent'] = rng.chance(0.5) ? latin1(rng, 60) : 'Mozilla/5.0 '.repeat(800);
  if (rng.chance(0.05)) h['x-forwarded-for'] = rng.pick(['1.2.3.4', 'unknown', '::1, 10.0.0.1', latin1(rng, 20)]);
  if (rng.chance(0.05)) h.accept = rng.pick(['application/json', 'text/xml', '*/*', latin1(rng, 20)]);
  if (rng.chance(0.03)) h.host = rng.pick(['evil.com', 'localhost:8080', '[::1]', latin1(rng, 30)]);
  if (rng.chance(0.03)) h.referer = latin1(rng, 40);
  return h;
}

const IPS = ['127.0.0.1', '10.0.0.7', '192.0.2.55', '::1', '2001:db8::1', '::ffff:198.51.100.1'];

function cookieJunk(rng: Rng): string {
  return rng.weighted<() => string>([
    [3, () => latin1(rng, rng.between(0, 40)).replace(/;/g, '')],
    [1, () => `TGT-${alnum(rng, 27)}`],
    [1, () => '%E0%A4%A'],
    [1, () => '"quoted"'],
    [1, () => 'x'.repeat(5000)],
    [1, () => `ST-${alnum(rng, 27)}`],
  ])();
}

/** A Cookie header: the jar's, or the jar's with junk, or junk alone. */
function cookieHeader(rng: Rng, jar: CookieJar | undefined): string | undefined {
  const base = jar?.header() ?? '';
  return rng.weighted<() => string | undefined>([
    [24, () => (base === '' ? undefined : base)],
    [1, () => `${base}; TGC=${cookieJunk(rng)}`],
    [1, () => `TGC=${cookieJunk(rng)}; ${base}`],
    [1, () => `TGC=${cookieJunk(rng)}`],
    [1, () => `wecas_browser=${cookieJunk(rng)}; wecas_wxp=${cookieJunk(rng)}`],
    [1, () => `${base}; wecas_lang=${cookieJunk(rng)}`],
    [0.5, () => ';;; ==; =x; TGC; TGC=; ='],
    [0.3, () => `${base}; junk=${'x'.repeat(9000)}`],
  ])();
}

interface Who {
  jar: CookieJar;
  cookie?: string | undefined;
  label: 'anonymous' | 'signed-in' | 'stale session' | 'junk cookies';
}

async function who(rng: Rng, t: Target, signedIn = 0.4): Promise<Who> {
  const roll = rng.next();
  if (roll < signedIn) {
    const jar = await t.sessions.jar(rng);
    return { jar, cookie: cookieHeader(rng, jar), label: 'signed-in' };
  }
  if (roll < signedIn + 0.05 && t.sessions.ended.length) {
    const jar = new CookieJar();
    jar.cookies.set('TGC', rng.pick(t.sessions.ended));
    return { jar, label: 'stale session' };
  }
  if (roll < signedIn + 0.12)
    return { jar: new CookieJar(), cookie: cookieHeader(rng, undefined) ?? `TGC=${cookieJunk(rng)}`, label: 'junk cookies' };
  return { jar: new CookieJar(), label: 'anonymous' };
}

function serviceValue(rng: Rng, t: Target): string {
  return rng.weighted<() => string>([
    [10, () => rng.pick(t.inside)],
    [3, () => rng.pick(INSIDE_NON_ASCII)],
    [1, () => rng.pick(DISABLED)],
    [6, () => rng.pick(OUTSIDE)],
    [6, () => mutate(rng, rng.pick(t.inside))],
    [1, () => anyString(rng, rng.between(0, 30))],
  ])();
}

/** For flows that should get somewhere: a registered service mostly, anything now and then. */
function likelyService(rng: Rng, t: Target): string {
  return rng.chance(0.65) ? rng.pick(t.inside) : serviceValue(rng, t);
}

function flag(rng: Rng): string {
  return rng.pick(['true', 'false', '0', '1', '', 'TRUE', 'yes', 'False', mutate(rng, 'true')]);
}

function methodParam(rng: Rng): string {
  return rng.pick(['GET', 'POST', 'HEADER', 'post', 'header', 'PUT', '', mutate(rng, 'POST')]);
}

function formText(rng: Rng, fields: Array<[string, string]>): string {
  return fields.map(([n, v]) => `${percentEncode(n)}=${encodeValue(rng, v)}`).join('&');
}

function jsonValue(rng: Rng, v: string): unknown {
  return rng.weighted<() => unknown>([
    [6, () => v],
    [1, () => [v, mutate(rng, v)]],
    [1, () => ({ value: v })],
    [1, () => rng.pick([42, -1, 1e308, null, true, false, [], {}])],
  ])();
}

/** A request body carrying the fields: a proper form mostly, else every other shape and type a client may send. */
function body(rng: Rng, fields: Array<[string, string]>): { payload?: string | Buffer; contentType?: string } {
  const json = () => Object.fromEntries(fields.map(([n, v]) => [n, jsonValue(rng, v)]));
  return rng.weighted<() => { payload?: string | Buffer; contentType?: string }>([
    [12, () => ({ payload: formText(rng, fields), contentType: FORM })],
    [1, () => ({ payload: formText(rng, [...fields, ...fields.map(([n, v]): [string, string] => [n, mutate(rng, v)])]), contentType: FORM })],
    [
      1,
      () => ({
        payload: formText(rng, fields),
        contentType: rng.pick([
          `${FORM}; charset=iso-8859-1`,
          FORM.toUpperCase(),
          `${FORM};;;`,
          `${FORM}; charset=utf-16`,
          `${FORM}, application/json`,
        ]),
      }),
    ],
    [2, () => ({ payload: JSON.stringify(json()), contentType: 'application/json' })],
    [1, () => ({ payload: JSON.stringify(rng.pick<unknown>([[1, 2], 'str', 42, null, true, [{}]])), contentType: 'application/json' })],
    [
      1,
      () => ({
        payload: rng.pick([
          '{',
          '{"a":',
          '[1,]',
          '{"__proto__": {"polluted": 1}}',
          '{"constructor": {"prototype": {"polluted": 1}}}',
          'nul',
          '\u0000',
        ]),
        contentType: 'application/json',
      }),
    ],
    [0.3, () => ({ payload: `${'['.repeat(5000)}${']'.repeat(5000)}`, contentType: 'application/json' })],
    [
      1,
      () => ({
        payload: randomBytes(rng, rng.between(1, 400)),
        contentType: rng.pick([FORM, 'application/json', 'text/plain', 'application/octet-stream']),
      }),
    ],
    [0.5, () => ({ payload: randomBytes(rng, rng.between(1, 100)) })],
    [1, () => ({ payload: '', contentType: rng.pick([FORM, 'application/json', 'text/xml']) })],
    [0.4, () => ({ payload: `a=${'x'.repeat(70_000)}`, contentType: FORM })],
    [
      0.5,
      () => ({
        payload: `--XyZ\r\n${fields.map(([n, v]) => `Content-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n--XyZ`).join('\r\n')}--\r\n`,
        contentType: 'multipart/form-data; boundary=XyZ',
      }),
    ],
    [0.5, () => ({ payload: formText(rng, fields), contentType: 'text/plain' })],
    [0.5, () => ({ payload: formText(rng, fields) })],
    [0.5, () => ({ payload: '<a>1</a>', contentType: 'application/xml' })],
    [0.3, () => ({ payload: formText(rng, fields), contentType: latin1(rng, 20) })],
  ])();
}

/** A proper form mostly (so a flow gets to its next step), any other body now and then. */
function mostlyForm(rng: Rng, fields: Array<[string, string]>): { payload?: string | Buffer; contentType?: string } {
  return rng.chance(0.85) ? { payload: formText(rng, fields), contentType: FORM } : body(rng, fields);
}

/** A Chinese mobile number: a fresh one mostly, else a user's, else something that is not one. */
function phoneValue(rng: Rng, t: Target): string {
  return rng.weighted<() => string>([
    [5, () => `1${rng.pick(['39', '38', '86', '50', '77'])}${String(rng.int(1e8)).padStart(8, '0')}`],
    [2, () => rng.pick(t.users)[2]],
    [1, () => '+8613900139000'],
    [
      1,
      () => rng.pick(['123', '', '+1 202 555 0100', '010-12345678', '１３９００１３９０００', '١٣٩٠٠١٣٩٠٠٠', '+86 139-0013-9000', '+44 7700 900123']),
    ],
    [2, () => mutate(rng, '13900139000')],
  ])();
}

/** A /login page's one-time form token for this browser (its answer is checked like any other). */
async function formToken(f: Fuzzer, t: Target, seq: number, jar: CookieJar, loginQuery: string): Promise<string | undefined> {
  const res = await f.send(t, seq, { method: 'GET', url: `${P}/login${loginQuery}`, jar });
  return res ? /name="execution" value="(LT-[A-Za-z0-9_-]+)"/.exec(res.body)?.[1] : undefined;
}

function ticketOf(res: Sent | undefined): string | undefined {
  if (!res) return undefined;
  const header = res.headers.ticket;
  if (typeof header === 'string') return header;
  const location = res.headers.location;
  if (typeof location === 'string') return /[?&](?:ticket|SAMLart)=((?:ST|PT)-[A-Za-z0-9-]+)/.exec(location)?.[1];
  return (
    /name="(?:ticket|SAMLart)" value="((?:ST|PT)-[A-Za-z0-9-]+)"/.exec(res.body)?.[1] ??
    /http-equiv="refresh" content="0; url=[^"]*(?:[?&]|&amp;)(?:ticket|SAMLart)=((?:ST|PT)-[A-Za-z0-9-]+)/.exec(res.body)?.[1]
  );
}

/** A service ticket minted through /login from a live session, for a registered service (or undefined). */
async function mintTicket(f: Fuzzer, t: Target, seq: number, rng: Rng, service: string, param = 'service'): Promise<string | undefined> {
  const jar = await t.sessions.jar(rng);
  const method = rng.pick(['', '', '', '&method=HEADER', '&method=POST']);
  return ticketOf(await f.send(t, seq, { method: 'GET', url: `${P}/login?${param}=${percentEncode(service)}${method}`, jar }));
}

/** A value for `ticket`: a fresh one, a proxy ticket, a spent one, or a mangled or foreign id. */
async function ticketValue(f: Fuzzer, t: Target, seq: number, rng: Rng, service: string): Promise<string | undefined> {
  const fresh = async () => (await mintTicket(f, t, seq, rng, rng.chance(0.8) ? service : rng.pick(t.inside))) ?? 'ST-none';
  return rng.weighted<() => Promise<string | undefined> | string | undefined>([
    [8, fresh],
    [2, () => (t.proxyTickets.length ? rng.pick(t.proxyTickets) : fresh())],
    [2, async () => mutate(rng, await fresh())],
    [1, () => `ST-${alnum(rng, 27)}`],
    [1, () => rng.pick(['PGT-x', 'TGT-abc', 'LT-abc', 'PGTIOU-1', 'st-abc', 'ST-', '-', 'ST--', `ST-${'a'.repeat(300)}`])],
    [1, () => t.sessions.ended[0] ?? 'TGT-gone'],
    [1, () => mutate(rng, 'ST-abc')],
    [1, () => undefined],
  ])();
}

function pgtUrlValue(rng: Rng, t: Target): string {
  return rng.weighted<() => string>([
    [4, () => `${t.pgtUrl}`],
    [1, () => `${t.pgtUrl}?a=1`],
    [1, () => t.pgtUrl.replace('https:', 'http:')],
    [1, () => 'https://evil.example.com/pgt'],
    [1, () => t.pgtUrl.replace('https://', 'https://user:pw@')],
    [2, () => mutate(rng, t.pgtUrl)],
    [1, () => anyString(rng, 10)],
  ])();
}

const VALIDATORS = ['validate', 'serviceValidate', 'proxyValidate', 'p3/serviceValidate', 'p3/proxyValidate'];

function soap(artifact: string, requestId = '_192.168.16.51.1024506224022'): string {
  return (
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body>' +
    `<samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" MinorVersion="1" RequestID="${requestId}" ` +
    `IssueInstant="2002-06-19T17:03:44.022Z"><samlp:AssertionArtifact>${artifact}</samlp:AssertionArtifact></samlp:Request>` +
    '</SOAP-ENV:Body></SOAP-ENV:Envelope>'
  );
}

function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** A SOAP request as phpCAS, mod_auth_cas and the Java client send it, or broken in one of the ways XML breaks. */
function samlBody(rng: Rng, ticket: string): string | Buffer {
  return rng.weighted<() => string | Buffer>([
    [6, () => soap(ticket)],
    [2, () => soap(ticket, xmlEscape(mutate(rng, '_abc')))],
    [1, () => soap(ticket, rng.pick(['&#1;', '&#x1F;', '&#xFFFE;', '&#0;', '\u0001', '&#x202E;x']))],
    [1, () => `<?xml version="1.0" encoding="UTF-8"?>\n${soap(ticket)}`],
    [1, () => `\ufeff${soap(ticket)}`],
    [1, () => soap(`<![CDATA[${ticket}]]>`)],
    [1, () => soap(`<!-- c -->${ticket}`)],
    [1, () => soap(percentEncode(ticket))],
    [1, () => soap([...ticket].map((c) => `&#${c.charCodeAt(0)};`).join(''))],
    [1, () => soap(mutate(rng, ticket))],
    [1, () => soap(`${ticket}</samlp:AssertionArtifact><samlp:AssertionArtifact>ST-other`)],
    [1, () => `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${soap('&e;')}`],
    [1, () => `<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>${soap('&b;')}`],
    [1, () => soap('&e;')],
    [1, () => soap(ticket).slice(0, rng.int(300))],
    [1, () => mutate(rng, soap(ticket))],
    [1, () => soap(ticket).replace(/xmlns:samlp="[^"]*"/, '')],
    [1, () => soap(ticket).replace('SOAP-ENV:Envelope', 'Envelope')],
    [0.5, () => soap(ticket + ' '.repeat(20_000))],
    [0.5, () => ''],
    [0.5, () => JSON.stringify({ ticket })],
    [0.5, () => randomBytes(rng, 200)],
    [0.3, () => `<a>${'<b>'.repeat(3000)}${'</b>'.repeat(3000)}</a>`],
    [
      0.3,
      () => Buffer.concat([Buffer.from(soap(ticket).slice(0, 200)), Buffer.from([0xff, 0xfe, 0xc3, 0x28]), Buffer.from(soap(ticket).slice(200))]),
    ],
  ])();
}

const STATIC_PATHS = [
  '/cas/static/wecas.css',
  '/cas/static/autosubmit.js',
  '/cas/static/favicon.svg',
  '/favicon.ico',
  '/cas/static/',
  '/cas/static',
  '/cas/static/../../../package.json',
  '/cas/static/..%2f..%2f..%2fpackage.json',
  '/cas/static/%2e%2e/%2e%2e/%2e%2e/package.json',
  '/cas/static/....//....//package.json',
  '/cas/static/..%5c..%5c..%5cpackage.json',
  '/cas/static/%c0%ae%c0%ae/%c0%ae%c0%ae/package.json',
  '/cas/static/../views/login.eta',
  '/cas/static/..%2fviews%2flogin.eta',
  '/cas/static/wecas.css%00.js',
  '/cas/static/wecas.css/',
  '/cas/static/WECAS.CSS',
  '/cas/static/%77ecas.css',
  '/cas/static//etc/passwd',
  '/cas/static/../../../../../../etc/passwd',
  '/cas/static/.%2e/.%2e/.%2e/.%2e/.%2e/.%2e/etc/passwd',
];

const UNKNOWN_PATHS = [
  '/',
  '/cas',
  '/cas/',
  '//cas/login',
  '/cas//login',
  '/cas/login/',
  '/CAS/LOGIN',
  '/cas/Login',
  '/cas/%6cogin',
  '/cas/login%00',
  '/cas/login;jsessionid=ABC',
  '/cas/login/../logout',
  '/cas/./login',
  '/cas/serviceValidate/',
  '/cas/p3',
  '/cas/p3/',
  '/cas/p3/validate',
  '/cas/oauth2.0/authorize',
  '/cas/v1/tickets',
  '/cas/status',
  '/cas/actuator/env',
  '/__outbox',
  '/__wechat/__control/faults',
  '/.env',
  '/.git/config',
  '/wp-login.php',
  '/cas/login.php',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/cas/%ff%fe',
  '/cas/%',
  '/cas/%zz',
  '/\\cas\\login',
  '*',
];

const METHODS = ['GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'];

// ---------------------------------------------------------------------------------------------------------------
// The generators: one per endpoint family, each sending one or more requests (setup requests are checked too)

type Generator = (f: Fuzzer, t: Target, seq: number, rng: Rng) => Promise<void>;

const loginGet: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t);
  const saml = rng.chance(0.1);
  const q = query(rng, [
    [saml ? 'TARGET' : 'service', rng.chance(0.85) ? serviceValue(rng, t) : undefined],
    ['renew', rng.chance(0.15) ? flag(rng) : undefined],
    ['gateway', rng.chance(0.2) ? flag(rng) : undefined],
    ['method', rng.chance(0.25) ? methodParam(rng) : undefined],
    ['tab', rng.chance(0.1) ? rng.pick(['sms', 'password', mutate(rng, 'sms')]) : undefined],
    ['lang', rng.chance(0.1) ? rng.pick(['en', 'zh-CN', mutate(rng, 'en')]) : undefined],
  ]);
  await f.send(t, seq, {
    method: rng.chance(0.95) ? 'GET' : 'HEAD',
    url: bend(rng, `${P}/login`) + q,
    ...w,
    headers: headers(rng),
    ip: rng.pick(IPS),
  });
};

/** POST /login: mostly with a real form token of the same browser, so the password check itself is reached. */
const loginPost: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.3);
  const service = rng.chance(0.85) ? likelyService(rng, t) : undefined;
  const loginQuery = query(rng, [
    ['service', service],
    ['renew', w.label === 'signed-in' ? 'true' : rng.chance(0.1) ? flag(rng) : undefined],
    ['method', rng.chance(0.2) ? methodParam(rng) : undefined],
  ]);
  const real = rng.chance(0.6) ? await formToken(f, t, seq, w.jar, loginQuery) : undefined;
  const [user, password] = rng.pick([...t.users.map(([u, p]) => [u, p] as const), [ALICE.username, ALICE.password] as const]);
  const fields: Array<[string, string]> = [
    [
      'username',
      rng.weighted<() => string>([
        [5, () => user],
        [1, () => ` ${user.toUpperCase()} `],
        [2, () => mutate(rng, user)],
        [1, () => ''],
      ])(),
    ],
    [
      'password',
      rng.weighted<() => string>([
        [4, () => password],
        [2, () => 'wrong'],
        [2, () => mutate(rng, password)],
        [1, () => ''],
      ])(),
    ],
    ['execution', real && rng.chance(0.85) ? real : rng.pick(['', 'LT-bogus', mutate(rng, real ?? 'LT-abc')])],
  ];
  if (rng.chance(0.1)) fields.push([rng.pick(['rememberMe', 'warn', '_eventId', 'lt']), mutate(rng, 'true')]);
  await f.send(t, seq, {
    method: 'POST',
    url: bend(rng, `${P}/login`) + loginQuery,
    jar: w.jar,
    cookie: w.cookie,
    ...body(rng, fields),
    headers: headers(rng),
    ip: rng.pick(IPS),
  });
};

const smsSend: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.2);
  const loginQuery = query(rng, [['service', rng.chance(0.8) ? likelyService(rng, t) : undefined]]);
  const real = rng.chance(0.7) ? await formToken(f, t, seq, w.jar, `${loginQuery}${loginQuery ? '&' : '?'}tab=sms`) : undefined;
  const fields: Array<[string, string]> = [
    ['phone', phoneValue(rng, t)],
    ['execution', real && rng.chance(0.9) ? real : mutate(rng, 'LT-abc')],
  ];
  await f.send(t, seq, {
    method: 'POST',
    url: bend(rng, `${P}/login/sms/send`) + loginQuery,
    jar: w.jar,
    cookie: w.cookie,
    ...body(rng, fields),
    ip: rng.pick(IPS),
  });
};

/** POST /login/sms: a code really sent to the number first (mostly), then the right, a wrong or a mangled code. */
const smsVerify: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.2);
  const loginQuery = query(rng, [['service', rng.chance(0.8) ? likelyService(rng, t) : undefined]]);
  const phone = phoneValue(rng, t);
  let code: string | undefined;
  let execution = rng.chance(0.8) ? await formToken(f, t, seq, w.jar, loginQuery) : undefined;
  if (execution && rng.chance(0.8)) {
    await f.send(t, seq, {
      method: 'POST',
      url: `${P}/login/sms/send${loginQuery}`,
      jar: w.jar,
      payload: formText(rng, [
        ['phone', phone],
        ['execution', execution],
      ]),
      contentType: FORM,
    });
    const e164 = normalisePhone(phone);
    code = e164.ok ? t.sms.lastCodeFor(e164.phone) : undefined;
    execution = await formToken(f, t, seq, w.jar, loginQuery);
  }
  const fields: Array<[string, string]> = [
    ['phone', rng.chance(0.9) ? phone : phoneValue(rng, t)],
    [
      'code',
      rng.weighted<() => string>([
        [5, () => code ?? '123456'],
        [2, () => '000000'],
        [2, () => mutate(rng, code ?? '123456')],
        [1, () => ''],
      ])(),
    ],
    ['execution', execution && rng.chance(0.9) ? execution : mutate(rng, 'LT-abc')],
  ];
  await f.send(t, seq, {
    method: 'POST',
    url: bend(rng, `${P}/login/sms`) + loginQuery,
    jar: w.jar,
    cookie: w.cookie,
    ...body(rng, fields),
    ip: rng.pick(IPS),
  });
};

/** A ticket minted from a session, then validated at a random validator with the parameters bent. */
const ssoValidate: Generator = async (f, t, seq, rng) => {
  const service = rng.chance(0.9) ? rng.pick(t.inside) : rng.pick(INSIDE_NON_ASCII);
  const ticket = await ticketValue(f, t, seq, rng, service);
  const endpoint = rng.pick(VALIDATORS);
  const params: Pairs = [
    [
      'service',
      rng.weighted<() => string | undefined>([
        [7, () => service],
        [2, () => serviceValue(rng, t)],
        [1, () => mutate(rng, service)],
        [0.5, () => undefined],
      ])(),
    ],
    ['ticket', ticket],
    ['renew', rng.chance(0.15) ? flag(rng) : undefined],
    ['format', rng.chance(0.3) ? rng.pick(['JSON', 'XML', 'json', 'Json', 'TEXT', '', mutate(rng, 'JSON')]) : undefined],
    ['pgtUrl', rng.chance(0.3) ? pgtUrlValue(rng, t) : undefined],
  ];
  const url = bend(rng, `${P}/${endpoint}`);
  if (rng.chance(0.75)) await f.send(t, seq, { method: rng.chance(0.97) ? 'GET' : 'HEAD', url: url + query(rng, params), headers: headers(rng) });
  else {
    const split = rng.int(params.length + 1);
    const inBody = params.slice(0, split).filter((p): p is [string, string] => p[1] !== undefined);
    await f.send(t, seq, { method: 'POST', url: url + query(rng, params.slice(split)), ...body(rng, inBody) });
  }
  // Replay: a ticket validates once.
  if (ticket && rng.chance(0.1)) await f.send(t, seq, { method: 'GET', url: `${P}/${endpoint}${query(rng, params)}` });
};

const validateJunk: Generator = async (f, t, seq, rng) => {
  const endpoint = rng.pick(VALIDATORS);
  const params: Pairs = [
    ['service', rng.chance(0.8) ? serviceValue(rng, t) : undefined],
    ['ticket', rng.chance(0.8) ? rng.pick([mutate(rng, 'ST-abc'), anyString(rng, 12), `ST-${alnum(rng, 27)}`, hostileFragment(rng)]) : undefined],
    ['renew', rng.chance(0.2) ? flag(rng) : undefined],
    ['format', rng.chance(0.5) ? rng.pick(['JSON', 'XML', hostileFragment(rng), mutate(rng, 'JSON'), anyString(rng, 6)]) : undefined],
    ['pgtUrl', rng.chance(0.3) ? pgtUrlValue(rng, t) : undefined],
  ];
  const method = rng.pick(['GET', 'GET', 'POST', 'PUT', 'DELETE']);
  const w = await who(rng, t, 0.1);
  if (method === 'POST')
    await f.send(t, seq, {
      method,
      url: bend(rng, `${P}/${endpoint}`),
      ...w,
      ...body(
        rng,
        params.filter((p): p is [string, string] => p[1] !== undefined),
      ),
    });
  else await f.send(t, seq, { method, url: bend(rng, `${P}/${endpoint}`) + query(rng, params), ...w, headers: headers(rng) });
};

/** /proxy with PGTs really delivered to the callback (harvested from the receiver), and the PTs it gives validated later. */
const proxy: Generator = async (f, t, seq, rng) => {
  const delivered = t.pgtReceiver.requests.map((r) => new URL(r.url, 'https://x').searchParams.get('pgtId')).filter((v): v is string => !!v);
  const deliverAnother = rng.chance(0.2); // drawn whatever the state, so FUZZ_ONLY replays the same choices
  if (delivered.length === 0 || deliverAnother) {
    // Get one delivered: validate a fresh ticket of the proxying service with the receiver as pgtUrl.
    const service = 'https://proxy.example.org/app/';
    const st = await mintTicket(f, t, seq, rng, service);
    if (st)
      await f.send(t, seq, {
        method: 'GET',
        url: `${P}/serviceValidate?service=${percentEncode(service)}&ticket=${st}&pgtUrl=${percentEncode(t.pgtUrl)}`,
      });
  }
  const pgt = rng.weighted<() => string | undefined>([
    [6, () => (delivered.length ? rng.pick(delivered) : 'PGT-none')],
    [2, () => mutate(rng, delivered[0] ?? 'PGT-abc')],
    [1, () => `PGT-${alnum(rng, 27)}`],
    [1, () => rng.pick(['ST-abc', 'TGT-abc', '', anyString(rng, 8)])],
    [0.5, () => undefined],
  ])();
  const params: Pairs = [
    ['pgt', pgt],
    ['targetService', rng.chance(0.9) ? serviceValue(rng, t) : undefined],
    ['format', rng.chance(0.3) ? rng.pick(['JSON', 'XML', mutate(rng, 'JSON')]) : undefined],
  ];
  const res = rng.chance(0.8)
    ? await f.send(t, seq, { method: 'GET', url: bend(rng, `${P}/proxy`) + query(rng, params), headers: headers(rng) })
    : await f.send(t, seq, {
        method: 'POST',
        url: bend(rng, `${P}/proxy`),
        ...body(
          rng,
          params.filter((p): p is [string, string] => p[1] !== undefined),
        ),
      });
  const pt = res && /(PT-[A-Za-z0-9]+)/.exec(res.body)?.[1];
  if (pt && t.proxyTickets.length < 200) t.proxyTickets.push(pt);
};

const samlValidate: Generator = async (f, t, seq, rng) => {
  const service = rng.pick(t.inside);
  const ticket = rng.chance(0.7)
    ? ((await mintTicket(f, t, seq, rng, service, rng.chance(0.5) ? 'TARGET' : 'service')) ?? 'ST-none')
    : mutate(rng, 'ST-abc');
  const q = query(rng, [
    [
      'TARGET',
      rng.weighted<() => string | undefined>([
        [6, () => service],
        [3, () => serviceValue(rng, t)],
        [1, () => undefined],
      ])(),
    ],
    ['renew', rng.chance(0.15) ? flag(rng) : undefined],
  ]);
  const contentType = rng.pick([
    'text/xml',
    'text/xml; charset=utf-8',
    'application/soap+xml',
    undefined,
    FORM,
    'application/json',
    'multipart/form-data; boundary=x',
    'text/xml; charset=iso-8859-1',
  ]);
  const h: Record<string, string> = rng.chance(0.5) ? { soapaction: 'http://www.oasis-open.org/committees/security' } : {};
  const method = rng.chance(0.95) ? 'POST' : rng.pick(['GET', 'PUT']);
  await f.send(t, seq, { method, url: bend(rng, `${P}/samlValidate`) + q, payload: samlBody(rng, ticket), contentType, headers: h });
};

const logout: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.6);
  const q = query(rng, [
    ['service', rng.chance(0.6) ? serviceValue(rng, t) : undefined],
    ['url', rng.chance(0.1) ? serviceValue(rng, t) : undefined],
  ]);
  await f.send(t, seq, {
    method: rng.chance(0.9) ? 'GET' : rng.pick(['POST', 'HEAD']),
    url: bend(rng, `${P}/logout`) + q,
    ...w,
    headers: headers(rng),
  });
};

/** The account page and its forms, with the form token read from the page (or forged). */
const account: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.8);
  const page = await f.send(t, seq, {
    method: 'GET',
    url:
      bend(rng, `${P}/account`) +
      query(rng, [
        ['done', rng.chance(0.3) ? rng.pick(['linked', 'unlinked', mutate(rng, 'linked')]) : undefined],
        ['error', rng.chance(0.3) ? rng.pick(['bad_form', 'cannot_unbind', 'not_linked', '__proto__', 'toString', mutate(rng, 'x')]) : undefined],
      ]),
    ...w,
  });
  const csrf = page ? /name="csrf" value="([^"]+)"/.exec(page.body)?.[1] : undefined;
  const token = csrf && rng.chance(0.7) ? csrf : rng.pick(['', mutate(rng, csrf ?? 'abc'), 'x'.repeat(43)]);
  const action = rng.weighted<() => Promise<unknown>>([
    [
      3,
      () =>
        f.send(t, seq, {
          method: 'POST',
          url: `${P}/account/wechat/unbind`,
          ...w,
          ...body(rng, [
            ['csrf', token],
            ['identity', rng.pick(['1', '0', '-1', '1e3', mutate(rng, '1'), ''])],
          ]),
        }),
    ],
    [1, () => f.send(t, seq, { method: 'POST', url: `${P}/account/logout-all`, ...w, ...body(rng, [['csrf', token]]) })],
    [2, () => f.send(t, seq, { method: 'GET', url: `${P}/account/wechat/bind${query(rng, [['lang', rng.chance(0.2) ? 'en' : undefined]])}`, ...w })],
    [
      2,
      () =>
        f.send(t, seq, {
          method: 'GET',
          url: `${P}/account/wechat/callback${query(rng, [
            ['code', rng.chance(0.8) ? mutate(rng, 'CODE') : undefined],
            ['state', rng.chance(0.8) ? mutate(rng, 'state') : undefined],
          ])}`,
          ...w,
        }),
    ],
    [1, () => f.send(t, seq, { method: rng.pick(['PUT', 'DELETE', 'POST']), url: `${P}/account`, ...w, ...body(rng, [['csrf', token]]) })],
  ]);
  await action();
};

/** The WeChat routes on an app without WeChat (they must not exist) and, on the WeChat app, without state. */
const wechatJunk: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.3);
  const route = rng.pick(['/login/wechat', '/login/wechat/callback', '/login/wechat/bind', '/login/wechat/bind/send']);
  const method = route.endsWith('send') || rng.chance(0.3) ? 'POST' : 'GET';
  const params: Pairs = [
    ['service', rng.chance(0.5) ? serviceValue(rng, t) : undefined],
    ['code', rng.chance(0.5) ? mutate(rng, 'CODE') : undefined],
    ['state', rng.chance(0.5) ? mutate(rng, 'state') : undefined],
  ];
  const cookie = rng.chance(0.3) ? `${w.cookie ?? w.jar.header()}; wecas_wxp=${cookieJunk(rng)}` : w.cookie;
  if (method === 'POST')
    await f.send(t, seq, {
      method,
      url: `${P}${route}`,
      jar: w.jar,
      cookie,
      ...body(rng, [
        ['phone', phoneValue(rng, t)],
        ['code', mutate(rng, '123456')],
      ]),
    });
  else await f.send(t, seq, { method, url: bend(rng, `${P}${route}`) + query(rng, params), jar: w.jar, cookie, headers: headers(rng) });
};

/** wecas's continuation with ids it never made, malformed or from another browser: a page, never a redirect or a ticket. */
const continuation: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.3);
  const id = rng.pick([undefined, '', 'A'.repeat(32), mutate(rng, 'abcdefghijklmnopqrstuvwxyzABCDEF'), anyString(rng, 40)]);
  const h = headers(rng);
  if (rng.chance(0.5)) h['sec-fetch-mode'] = rng.pick(['navigate', 'cors', mutate(rng, 'navigate')]);
  await f.send(t, seq, {
    method: rng.pick(['GET', 'GET', 'GET', 'HEAD', 'POST']),
    url: bend(rng, `${P}/login/continue`) + query(rng, [['id', id]]),
    jar: w.jar,
    cookie: w.cookie,
    headers: h,
  });
};

const health: Generator = async (f, t, seq, rng) => {
  const path = rng.pick(['/health/live', '/health/ready', '/metrics', '/health', '/health/']);
  await f.send(t, seq, {
    method: rng.pick(['GET', 'GET', 'GET', 'HEAD', 'POST', 'OPTIONS']),
    url: path + query(rng, [['x', rng.chance(0.2) ? mutate(rng, 'x') : undefined]]),
    headers: headers(rng),
  });
};

const staticFiles: Generator = async (f, t, seq, rng) => {
  const path = rng.chance(0.8) ? rng.pick(STATIC_PATHS) : `${P}/static/${sloppyEncode(mutate(rng, 'wecas.css'))}`;
  const h = headers(rng);
  if (rng.chance(0.2)) h.range = rng.pick(['bytes=0-10', 'bytes=-1', 'bytes=999999-', 'bytes=5-1', 'bytes=0-0,1-1,2-2', latin1(rng, 10)]);
  if (rng.chance(0.1)) h['if-none-match'] = rng.pick(['*', '"x"', latin1(rng, 10)]);
  if (rng.chance(0.1)) h['if-modified-since'] = rng.pick(['Thu, 01 Jan 1970 00:00:00 GMT', 'garbage', 'Tue, 31 Dec 2999 23:59:59 GMT']);
  await f.send(t, seq, { method: rng.pick(['GET', 'GET', 'HEAD', 'POST']), url: path, headers: h });
};

const unknownPaths: Generator = async (f, t, seq, rng) => {
  const path = rng.weighted<() => string>([
    [5, () => rng.pick(UNKNOWN_PATHS)],
    [2, () => `${P}/${sloppyEncode(mutate(rng, 'login'))}`],
    [1, () => `/${sloppyEncode(anyString(rng, rng.between(1, 30)))}`],
    [1, () => `${P}/${'x/'.repeat(rng.between(50, 400))}`],
  ])();
  const w = await who(rng, t, 0.3);
  await f.send(t, seq, {
    method: rng.pick(METHODS),
    url: path + query(rng, [['service', rng.chance(0.3) ? serviceValue(rng, t) : undefined]]),
    ...w,
    headers: headers(rng),
    ...(rng.chance(0.2) ? body(rng, [['a', 'b']]) : {}),
  });
};

/** Time passes: tickets, forms, codes, throttles and sessions expire under the fuzzer's feet. */
const timePasses: Generator = async (_f, t, _seq, rng) => {
  t.clock.advance(rng.pick([1_000, 11_000, 61_000, 10 * 60_000, 30 * 60_000]));
};

// --- WeChat (the harness app only) ---

const NICKNAMES = ['张伟', 'Alice 王🌸', 'Bob', '小明'];

/** A WeChat nickname: WeChat's API hands wecas whatever people typed, control characters included. */
function nickname(rng: Rng): string {
  const n = rng.weighted<() => string>([
    [4, () => rng.pick(NICKNAMES)],
    [4, () => mutate(rng, rng.pick(NICKNAMES))],
    [2, () => `${rng.pick(NICKNAMES)}${hostileFragment(rng, 'controls')}`],
  ])();
  return n.trim() === '' ? 'Fuzz' : n;
}

/** GET /login/wechat: a state for this browser and a redirect to WeChat's QR page (checked by the oracle). */
async function wechatStart(f: Fuzzer, t: Target, seq: number, rng: Rng, jar: CookieJar, service: string | undefined): Promise<string | undefined> {
  const q = query(rng, [
    ['service', service],
    ['renew', rng.chance(0.1) ? flag(rng) : undefined],
    ['method', rng.chance(0.1) ? methodParam(rng) : undefined],
    ['lang', rng.chance(0.2) ? rng.pick(['en', 'zh-CN', mutate(rng, 'en')]) : undefined],
  ]);
  const res = await f.send(t, seq, { method: 'GET', url: `${P}/login/wechat${q}`, jar, headers: headers(rng) });
  const location = res?.headers.location;
  if (typeof location !== 'string' || !location.includes('state=')) return undefined;
  return new URL(location, 'http://x').searchParams.get('state') ?? undefined;
}

const wechatStartGen: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.2);
  await wechatStart(f, t, seq, rng, w.jar, rng.chance(0.85) ? serviceValue(rng, t) : undefined);
};

/** The callback with a real state and a code WeChat (the emulator) really issued, then bent. */
async function wechatCallback(
  f: Fuzzer,
  t: Target,
  seq: number,
  rng: Rng,
  jar: CookieJar,
  persona: string,
  service: string | undefined,
): Promise<Sent | undefined> {
  const state = await wechatStart(f, t, seq, rng, jar, service);
  const code = t.emulator!.oauth.issueCode(EMULATED_WECHAT_APP.appId, persona);
  const params: Pairs = [
    [
      'code',
      rng.weighted<() => string | undefined>([
        [8, () => code],
        [1, () => mutate(rng, code)],
        [0.5, () => undefined],
      ])(),
    ],
    [
      'state',
      rng.weighted<() => string | undefined>([
        [8, () => state],
        [1, () => mutate(rng, state ?? 'state')],
        [0.5, () => undefined],
      ])(),
    ],
  ];
  return f.send(t, seq, { method: 'GET', url: `${P}/login/wechat/callback${query(rng, params)}`, jar, headers: headers(rng) });
}

const wechatCallbackGen: Generator = async (f, t, seq, rng) => {
  const jar = rng.chance(0.9) ? new CookieJar() : await t.sessions.jar(rng);
  const reuse = rng.chance(0.5); // drawn whatever the state, so FUZZ_ONLY replays the same choices
  const persona =
    reuse && t.boundPersonas.length
      ? rng.pick(t.boundPersonas)
      : t.emulator!.createPersona({ nickname: nickname(rng), hasAvatar: rng.chance(0.5) }).id;
  await wechatCallback(f, t, seq, rng, jar, persona, rng.chance(0.85) ? likelyService(rng, t) : undefined);
};

/** A new WeChat person all the way: callback, bind page, code sent, code checked, ticket validated with attributes. */
const wechatBindFlow: Generator = async (f, t, seq, rng) => {
  const jar = new CookieJar();
  const persona = t.emulator!.createPersona({ nickname: nickname(rng), hasAvatar: rng.chance(0.5) }).id;
  const service = rng.chance(0.8) ? rng.pick(t.inside) : serviceValue(rng, t);
  const callback = await wechatCallback(f, t, seq, rng, jar, persona, service);
  if (!String(callback?.headers.location ?? '').endsWith('/login/wechat/bind')) return;
  await f.send(t, seq, { method: 'GET', url: `${P}/login/wechat/bind${query(rng, [['lang', rng.chance(0.2) ? 'en' : undefined]])}`, jar });
  const phone = rng.chance(0.8) ? `1${rng.pick(['39', '58', '86'])}${String(rng.int(1e8)).padStart(8, '0')}` : phoneValue(rng, t);
  await f.send(t, seq, { method: 'POST', url: `${P}/login/wechat/bind/send`, jar, ...mostlyForm(rng, [['phone', phone]]) });
  const e164 = normalisePhone(phone);
  const sent = e164.ok ? t.sms.lastCodeFor(e164.phone) : undefined;
  const code = rng.weighted<() => string>([
    [7, () => sent ?? '123456'],
    [1, () => '000000'],
    [1, () => mutate(rng, sent ?? '123456')],
  ])();
  const done = await f.send(t, seq, {
    method: 'POST',
    url: `${P}/login/wechat/bind`,
    jar,
    ...mostlyForm(rng, [
      ['phone', rng.chance(0.9) ? phone : phoneValue(rng, t)],
      ['code', code],
    ]),
  });
  const ticket = ticketOf(done);
  if (!ticket) return;
  t.boundPersonas.push(persona);
  // The new user's profile (the WeChat nickname as displayName) in every format a validator answers.
  const validator = rng.pick(['p3/serviceValidate', 'serviceValidate', 'validate', 'samlValidate']);
  if (validator === 'samlValidate')
    await f.send(t, seq, {
      method: 'POST',
      url: `${P}/samlValidate?TARGET=${percentEncode(service)}`,
      payload: soap(ticket),
      contentType: 'text/xml',
    });
  else
    await f.send(t, seq, {
      method: 'GET',
      url: `${P}/${validator}?service=${percentEncode(service)}&ticket=${ticket}${rng.chance(0.3) ? '&format=JSON' : ''}`,
    });
};

/** Linking WeChat from the account page: a real state from /account/wechat/bind, a real code, then bent. */
const accountWeChatLink: Generator = async (f, t, seq, rng) => {
  const jar = await t.sessions.jar(rng);
  const start = await f.send(t, seq, {
    method: 'GET',
    url: `${P}/account/wechat/bind${query(rng, [['lang', rng.chance(0.2) ? 'en' : undefined]])}`,
    jar,
  });
  const location = start?.headers.location;
  const state = typeof location === 'string' ? (new URL(location, 'http://x').searchParams.get('state') ?? undefined) : undefined;
  const persona = rng.chance(0.3) && t.boundPersonas.length ? rng.pick(t.boundPersonas) : t.emulator!.createPersona({ nickname: nickname(rng) }).id;
  const code = t.emulator!.oauth.issueCode(EMULATED_WECHAT_APP.appId, persona);
  const params: Pairs = [
    ['code', rng.chance(0.85) ? code : mutate(rng, code)],
    ['state', rng.chance(0.85) ? state : mutate(rng, state ?? 'x')],
  ];
  await f.send(t, seq, { method: 'GET', url: `${P}/account/wechat/callback${query(rng, params)}`, jar });
  if (rng.chance(0.5)) await account(f, t, seq, rng);
};

// ---------------------------------------------------------------------------------------------------------------
// The account's life (issue 15): recovery and activation from the login page, and the account page's phone change,
// appeal, second factor and deletion. Flows that change an account use one made for the request (its number derived
// from the request's number), so the shared users keep their passwords and numbers for the other generators.

/** A page's one-time form token (`execution`), or undefined when the page has none. */
function executionIn(res: Sent | undefined): string | undefined {
  return res ? /name="execution" value="(LT-[A-Za-z0-9_-]+)"/.exec(res.body)?.[1] : undefined;
}

/** A password-less account of this request alone, with a number of its own; a password now and then. */
async function ephemeralUser(t: Target, seq: number, rng: Rng): Promise<{ user: User; login: string; phone: string; password?: string }> {
  const login = `life${seq}`;
  const phone = `+86137${String(seq % 1e8).padStart(8, '0')}`;
  const password = rng.chance(0.25) ? `Pw-${alnum(rng, 10)}-9` : undefined;
  const user = await t.ctx.users.create({ username: login, phone, displayName: `生命 ${seq}`, ...(password ? { password } : {}) });
  return { user, login, phone, ...(password ? { password } : {}) };
}

/** A session for this user, as a sign-in would leave it. */
async function sessionFor(t: Target, user: User): Promise<CookieJar> {
  const tgt = await t.ctx.sessions.start({ userId: user.id, principal: user.username ?? user.id, method: 'password', authTime: t.ctx.clock.now() });
  const jar = new CookieJar();
  jar.cookies.set('TGC', tgt.id);
  return jar;
}

/** "Forgot password" and "activate your account": the page, a code, then the new password, each step bent. */
const recovery: Generator = async (f, t, seq, rng) => {
  const mode = rng.pick(['forgot', 'activate']);
  const w = await who(rng, t, 0.15);
  const own = rng.chance(0.5) ? await ephemeralUser(t, seq, rng) : undefined;
  const [login, , phone] = own ? [own.login, '', own.phone] : rng.pick(t.users);
  const loginQuery = query(rng, [['service', rng.chance(0.7) ? likelyService(rng, t) : undefined]]);
  const page = await f.send(t, seq, {
    method: 'GET',
    url: bend(rng, `${P}/login/${mode}`) + loginQuery,
    jar: w.jar,
    cookie: w.cookie,
    headers: headers(rng),
  });
  const token = () => (rng.chance(0.85) ? (executionIn(page) ?? 'LT-none') : mutate(rng, 'LT-abc'));
  const typed = rng.chance(0.8) ? phone : phoneValue(rng, t);
  const loginTyped = rng.chance(0.8) ? login : rng.pick([mutate(rng, login), '', ' ', anyString(rng, 20), 'a'.repeat(300)]);
  const idSuffix = rng.pick(['', '12345X', mutate(rng, '123456'), anyString(rng, 8)]);
  const send = [
    ['login', loginTyped],
    ['phone', typed],
    ['id_suffix', idSuffix],
    ['execution', token()],
  ] as Array<[string, string]>;
  if (rng.chance(0.1)) send.push(['altcha', rng.pick(['', mutate(rng, 'eyJjaGFsbGVuZ2UiOnt9fQ=='), anyString(rng, 30)])]);
  const sent = await f.send(t, seq, {
    method: 'POST',
    url: bend(rng, `${P}/login/${mode}/send`) + loginQuery,
    jar: w.jar,
    cookie: w.cookie,
    ...mostlyForm(rng, send),
    ip: rng.pick(IPS),
  });
  const e164 = normalisePhone(typed);
  const real = e164.ok ? t.sms.lastCodeFor(e164.phone) : undefined;
  const password = rng.pick([`Nw-${alnum(rng, 12)}-7`, 'short', '', 'qwerty123', `${login}-2025!`, anyString(rng, 20), 'x'.repeat(2000)]);
  await f.send(t, seq, {
    method: rng.chance(0.95) ? 'POST' : rng.pick(['PUT', 'DELETE']),
    url: bend(rng, `${P}/login/${mode}`) + loginQuery,
    jar: w.jar,
    cookie: w.cookie,
    ...mostlyForm(rng, [
      ['login', loginTyped],
      ['phone', typed],
      ['id_suffix', idSuffix],
      ['code', real && rng.chance(0.6) ? real : rng.pick(['', '000000', mutate(rng, '123456'), '１２３４５６'])],
      ['password', password],
      ['again', rng.chance(0.8) ? password : mutate(rng, password)],
      ['execution', executionIn(sent) && rng.chance(0.85) ? executionIn(sent)! : token()],
    ]),
    ip: rng.pick(IPS),
  });
};

/** The account page's phone change and appeal: codes to the new and the old number, then the change or the appeal. */
const phoneChange: Generator = async (f, t, seq, rng) => {
  const own = rng.chance(0.5) ? await ephemeralUser(t, seq, rng) : undefined;
  const w = own ? { jar: await sessionFor(t, own.user), cookie: undefined } : await who(rng, t, 0.8);
  const page = await f.send(t, seq, { method: 'GET', url: bend(rng, `${P}/account/phone`), ...w, headers: headers(rng) });
  const token = () => (rng.chance(0.85) ? (executionIn(page) ?? 'LT-none') : mutate(rng, 'LT-abc'));
  const newPhone = rng.chance(0.7) ? `+86136${String(seq % 1e8).padStart(8, '0')}` : phoneValue(rng, t);
  const which = rng.pick(['new', 'new', 'old', '', mutate(rng, 'new')]);
  const sent = await f.send(t, seq, {
    method: 'POST',
    url: bend(rng, `${P}/account/phone/send`),
    ...w,
    ...mostlyForm(rng, [
      ['which', which],
      ['phone', newPhone],
      ['execution', token()],
    ]),
    ip: rng.pick(IPS),
  });
  const e164 = normalisePhone(newPhone);
  const newCode = e164.ok ? t.sms.lastCodeFor(e164.phone) : undefined;
  const oldCode = own ? t.sms.lastCodeFor(own.phone) : undefined;
  const appeal = rng.chance(0.3);
  await f.send(t, seq, {
    method: 'POST',
    url: bend(rng, appeal ? `${P}/account/phone/appeal` : `${P}/account/phone`),
    ...w,
    ...mostlyForm(rng, [
      ['phone', newPhone],
      ['code', newCode && rng.chance(0.7) ? newCode : mutate(rng, '123456')],
      ['old_code', oldCode && rng.chance(0.5) ? oldCode : rng.pick(['', mutate(rng, '123456')])],
      ['password', own?.password && rng.chance(0.5) ? own.password : rng.pick(['', 'wrong', anyString(rng, 30)])],
      ['reason', rng.pick(['lost it', '', anyString(rng, 80), '<script>x</script>', '号码丢了'.repeat(200)])],
      ['execution', executionIn(sent) && rng.chance(0.85) ? executionIn(sent)! : token()],
    ]),
    ip: rng.pick(IPS),
  });
};

/** The account page's second factor: set-up, its page, a first code, turning it off; the login step with foreign ids. */
const secondFactor: Generator = async (f, t, seq, rng) => {
  const w = await who(rng, t, 0.8);
  const account = await f.send(t, seq, { method: 'GET', url: `${P}/account`, ...w });
  const csrf = account ? /name="csrf" value="([^"]+)"/.exec(account.body)?.[1] : undefined;
  const token = csrf && rng.chance(0.8) ? csrf : rng.pick(['', mutate(rng, csrf ?? 'abc'), 'x'.repeat(43)]);
  const step = rng.weighted<() => Promise<unknown>>([
    [3, () => f.send(t, seq, { method: 'POST', url: bend(rng, `${P}/account/second-factor/totp/begin`), ...w, ...body(rng, [['csrf', token]]) })],
    [2, () => f.send(t, seq, { method: rng.pick(['GET', 'GET', 'HEAD']), url: bend(rng, `${P}/account/second-factor/totp`), ...w })],
    [
      3,
      () =>
        f.send(t, seq, {
          method: 'POST',
          url: bend(rng, `${P}/account/second-factor/totp/confirm`),
          ...w,
          ...body(rng, [
            ['csrf', token],
            ['code', rng.pick(['000000', '123456', '', mutate(rng, '123456'), anyString(rng, 12)])],
          ]),
        }),
    ],
    [
      2,
      () =>
        f.send(t, seq, {
          method: 'POST',
          url: bend(rng, `${P}/account/second-factor/totp/disable`),
          ...w,
          ...body(rng, [
            ['csrf', token],
            ['code', rng.pick(['', '000000', 'abcd-efgh', mutate(rng, 'abcd-efgh')])],
            ['password', rng.pick(['', 'wrong', anyString(rng, 30)])],
          ]),
        }),
    ],
    [
      2,
      () => {
        const id = rng.pick([undefined, '', mutate(rng, 'abcdefghijklmnopqrstuvwxyz012345'), anyString(rng, 40)]);
        const path = rng.pick(['', '/sms/send']);
        const method = path ? 'POST' : rng.pick(['GET', 'POST']);
        return f.send(t, seq, {
          method,
          url: bend(rng, `${P}/login/second-factor${path}`) + query(rng, [['id', id]]),
          ...w,
          ...(method === 'POST'
            ? body(rng, [
                ['factor', rng.pick(['totp', 'sms', 'recovery', '', mutate(rng, 'totp')])],
                ['code', mutate(rng, '123456')],
                ['altcha', rng.pick(['', anyString(rng, 20)])],
              ])
            : {}),
        });
      },
    ],
  ]);
  await step();
};

/** "Delete my account": a shared user with wrong confirmations, or an account of its own, deleted for real (password or code). */
const accountDelete: Generator = async (f, t, seq, rng) => {
  const own = rng.chance(0.4) ? await ephemeralUser(t, seq, rng) : undefined;
  const w = own ? { jar: await sessionFor(t, own.user), cookie: undefined } : await who(rng, t, 0.8);
  const page = await f.send(t, seq, {
    method: rng.chance(0.95) ? 'GET' : 'HEAD',
    url: bend(rng, `${P}/account/delete`),
    ...w,
    headers: headers(rng),
  });
  let execution = executionIn(page) ?? executionIn(await f.send(t, seq, { method: 'GET', url: `${P}/account/phone`, ...w }));
  const token = () => (execution && rng.chance(0.85) ? execution : mutate(rng, 'LT-abc'));
  if (!own?.password && rng.chance(0.7)) {
    const sent = await f.send(t, seq, {
      method: 'POST',
      url: bend(rng, `${P}/account/delete/send`),
      ...w,
      ...mostlyForm(rng, [
        ['execution', token()],
        ['altcha', rng.pick(['', '', mutate(rng, 'eyJjaGFsbGVuZ2UiOnt9fQ=='), anyString(rng, 30)])],
      ]),
      ip: rng.pick(IPS),
    });
    execution = executionIn(sent) ?? execution;
  }
  const code = own ? t.sms.lastCodeFor(own.phone) : undefined;
  await f.send(t, seq, {
    method: rng.chance(0.95) ? 'POST' : rng.pick(['PUT', 'DELETE']),
    url: bend(rng, `${P}/account/delete`),
    ...w,
    ...mostlyForm(rng, [
      ['execution', token()],
      ['password', own?.password && rng.chance(0.7) ? own.password : rng.pick(['', 'wrong', anyString(rng, 40), 'x'.repeat(3000)])],
      ['code', code && rng.chance(0.7) ? code : rng.pick(['', '000000', mutate(rng, '123456')])],
    ]),
    ip: rng.pick(IPS),
  });
  // After a deletion the session is gone: the account page and the delete page must say so, not fail.
  if (own && rng.chance(0.5)) await f.send(t, seq, { method: 'GET', url: `${P}/account${rng.pick(['', '/delete', '/phone'])}`, ...w });
};

// --- The console and the admin API (the CAS app only) ---

/** An account as a console path names it (its id) or anything else. */
async function consoleAccountId(t: Target, seq: number, rng: Rng): Promise<string> {
  return rng.weighted<() => Promise<string> | string>([
    [5, async () => (await ephemeralUser(t, seq, rng)).user.id],
    [2, async () => (await t.ctx.users.findByUsername(rng.pick(t.users)[0]))!.id],
    [1, () => '00000000-0000-4000-8000-000000000000'],
    [1, () => mutate(rng, 'abc')],
    [0.3, () => 'x'.repeat(300)],
  ])();
}

/** A service id: a real one, one that is none, or no number. */
function serviceId(rng: Rng): string {
  return rng.pick([
    '1',
    '2',
    '3',
    '0',
    '999999',
    '2147483648',
    '99999999999999999999',
    '1e30',
    '-1',
    '1.5',
    'abc',
    'NaN',
    '0x10',
    '',
    mutate(rng, '1'),
  ]);
}

/** A paging cursor or `after`: none, junk, or a plausible shape. */
function cursorValue(rng: Rng): string | undefined {
  return rng.weighted<() => string | undefined>([
    [3, () => undefined],
    [1, () => mutate(rng, 'WzE3NjQ1MDAwMDAwMDAsImFiYyJd')],
    [1, () => Buffer.from(rng.pick(['[1e308,"x"]', '[-1,5]', '"str"', 'null', '[9007199254740993,"a"]', '{}', '[1,"x",3]'])).toString('base64url')],
    [1, () => anyString(rng, rng.between(0, 40))],
    [0.3, () => 'A'.repeat(5000)],
  ])();
}

function limitValue(rng: Rng): string | undefined {
  return rng.pick([undefined, undefined, '1', '50', '200', '201', '0', '-5', '1e9', '99999999999999999999', 'abc', '1.5', '']);
}

function dateValue(rng: Rng): string | undefined {
  return rng.pick([
    undefined,
    undefined,
    '2026-11-30',
    '2026-13-45',
    '0000-00-00',
    '+275760-09-13',
    '2026-11-30T00:00:00Z',
    'yesterday',
    mutate(rng, '2026-01-01'),
  ]);
}

/** Who the console request comes as: an administrator's session mostly, else none, a forged cookie or a stale one. */
async function consoleWho(f: Fuzzer, t: Target, seq: number, rng: Rng): Promise<{ admin: FuzzAdmin | undefined; cookie: string }> {
  const admins = t.admins!;
  const admin = rng.chance(0.6) ? admins.admin : admins.helpdesk;
  const roll = rng.next();
  if (roll < 0.85) {
    // Renewed when it ended (time passed, a fuzzed sign-out): the pages behind it are what is fuzzed here.
    const probe = await f.send(t, seq, { method: 'GET', url: '/admin/', cookie: admin.cookie });
    if (probe?.statusCode === 303) await admins.renew(admin);
    return { admin, cookie: admin.cookie };
  }
  if (roll < 0.93) return { admin: undefined, cookie: `wecas_admin=${cookieJunk(rng)}` };
  return { admin: undefined, cookie: rng.chance(0.5) ? '' : (cookieHeader(rng, undefined) ?? '') };
}

const adminConsole: Generator = async (f, t, seq, rng) => {
  const { admin, cookie } = await consoleWho(f, t, seq, rng);
  const csrf = admin && rng.chance(0.85) ? admin.csrf : rng.pick(['', 'x'.repeat(43), mutate(rng, admin?.csrf ?? 'abc')]);
  const h = headers(rng);
  if (rng.chance(0.08)) h.origin = rng.pick(['https://evil.example', 'null', 'http://localhost:8080']);
  if (rng.chance(0.05)) h['sec-fetch-site'] = rng.pick(['cross-site', 'same-site', 'same-origin', 'none']);
  const get = (path: string, pairs: Pairs = []) =>
    f.send(t, seq, { method: rng.chance(0.95) ? 'GET' : rng.pick(METHODS), url: bend(rng, path) + query(rng, pairs), cookie, headers: h });
  const post = (path: string, fields: Array<[string, string]>) =>
    f.send(t, seq, { method: 'POST', url: bend(rng, path), cookie, headers: h, ...mostlyForm(rng, [['csrf', csrf], ...fields]) });
  const action = rng.weighted<() => Promise<unknown>>([
    [1, () => get('/admin/', [['lang', rng.pick(['en', 'zh-CN', 'xx'])]])],
    [
      3,
      () =>
        get('/admin/accounts', [
          ['q', rng.chance(0.8) ? rng.pick(['bob', '138', '%', '_', '\\\\', 'o-', anyString(rng, rng.between(0, 30)), 'x'.repeat(500)]) : undefined],
          ['after', cursorValue(rng)],
        ]),
    ],
    [
      3,
      async () =>
        get(`/admin/accounts/${await consoleAccountId(t, seq, rng)}`, [
          ['done', rng.chance(0.3) ? rng.pick(['disabled', 'toString', '__proto__', mutate(rng, 'wechat')]) : undefined],
        ]),
    ],
    [
      2,
      async () =>
        post(`/admin/accounts/${await consoleAccountId(t, seq, rng)}/status`, [
          ['status', rng.pick(['disabled', 'active', 'deleted', mutate(rng, 'active')])],
        ]),
    ],
    [1, async () => post(`/admin/accounts/${await consoleAccountId(t, seq, rng)}/password/reset`, [])],
    [
      2,
      async () =>
        post(`/admin/accounts/${await consoleAccountId(t, seq, rng)}/${rng.pick(['wechat', 'wecom'])}/unlink`, [
          ['identity', rng.pick(['1', '', 'nope', mutate(rng, 'abc'), 'x'.repeat(3000)])],
        ]),
    ],
    [
      2,
      async () =>
        post(`/admin/accounts/${await consoleAccountId(t, seq, rng)}/sessions/end`, [
          ['session', rng.pick(['all', '', 'nope', mutate(rng, 'abcdefghijklmnopqrstuv')])],
        ]),
    ],
    [2, () => get('/admin/services', [['done', rng.chance(0.3) ? rng.pick(['saved', 'deleted', 'x']) : undefined]])],
    [3, () => get('/admin/services/test', [['url', rng.chance(0.9) ? serviceValue(rng, t) : `https://x.example/${'a'.repeat(5000)}`]])],
    [2, () => get(`/admin/services/${rng.pick(['new', serviceId(rng)])}`)],
    [
      2,
      () =>
        post(`/admin/services/${rng.pick(['new', 'new', serviceId(rng)])}`, [
          ['name', rng.pick(['Fuzz app', '', anyString(rng, 20), 'x'.repeat(500)])],
          ['pattern', rng.pick(['https://fuzz.example.org/', '(a+)+$', '[', '', mutate(rng, 'https://fuzz.example.org/'), rng.pick(OUTSIDE)])],
          ['matchType', rng.pick(['prefix', 'exact', 'regex', 'glob', ''])],
          ['evaluationOrder', rng.pick(['100', '-1', '1e400', 'abc', '', '99999999999999999999'])],
          ['attributes', rng.pick(['mail, phone', '', anyString(rng, 10)])],
          ['attributeRenames', rng.pick(['', 'mail: email', ':', 'a:b:c', anyString(rng, 20)])],
          ['requiredAttributes', rng.pick(['', 'memberOf: staff', '__proto__: x', anyString(rng, 20)])],
          ['signInMethods', rng.pick(['password', 'sms', 'wechat', 'nope'])],
          ['mfaPolicy', rng.pick(['required', 'optional', 'x'])],
          ['logoutType', rng.pick(['back-channel', 'front-channel', 'none', 'x', ''])],
          ['logoutUrl', rng.pick(['', 'https://fuzz.example.org/slo', 'javascript:alert(1)', anyString(rng, 10)])],
          ['proxyPattern', rng.pick(['', '^https://.*$', '(', anyString(rng, 10)])],
          ['usernameCase', rng.pick(['none', 'upper', 'lower', 'x', ''])],
          ['enabled', rng.pick(['on', '', 'off'])],
        ]),
    ],
    [0.5, () => post(`/admin/services/${rng.pick(['999999', '2147483648', '1e30', 'abc', '-1'])}/delete`, [])],
    [
      2,
      () =>
        get('/admin/appeals', [
          ['all', rng.chance(0.5) ? rng.pick(['1', '0', 'x']) : undefined],
          ['result', rng.chance(0.3) ? rng.pick(['approved', 'toString', 'x']) : undefined],
        ]),
    ],
    [
      1,
      () =>
        post(`/admin/appeals/${rng.pick(['1', 'nope', anyString(rng, 10), 'x'.repeat(100)])}`, [
          ['decision', rng.pick(['approved', 'rejected', 'maybe', ''])],
        ]),
    ],
    [
      3,
      () =>
        get(rng.pick(['/admin/audit', '/admin/audit', '/admin/audit.csv']), [
          [
            'account',
            rng.chance(0.4)
              ? rng.pick(['bob', 'nobody', '00000000-0000-4000-8000-000000000000', '------------------------------------', anyString(rng, 36)])
              : undefined,
          ],
          ['type', rng.chance(0.3) ? rng.pick(['login.success', 'x', anyString(rng, 10)]) : undefined],
          ['ip', rng.chance(0.2) ? rng.pick(['127.0.0.1', '::1', 'not an ip']) : undefined],
          ['since', dateValue(rng)],
          ['until', dateValue(rng)],
          ['cursor', cursorValue(rng)],
        ]),
    ],
    [1, () => get('/admin/tokens', [['done', rng.chance(0.3) ? 'revoked' : undefined]])],
    [
      1,
      () =>
        post('/admin/tokens', [
          ['name', rng.pick(['fuzz', '', ' ', 'x'.repeat(500)])],
          ['role', rng.pick(['admin', 'helpdesk', 'root'])],
          ['days', rng.pick(['1', '0', '366', '1e9', 'abc', '', '-1', '1.5'])],
        ]),
    ],
    [0.5, () => post(`/admin/tokens/${rng.pick(['nope', anyString(rng, 10), 'x'.repeat(100)])}/revoke`, [])],
    [
      0.5,
      () =>
        get('/admin/callback', [
          ['n', rng.chance(0.5) ? mutate(rng, 'abc') : undefined],
          ['ticket', rng.chance(0.5) ? mutate(rng, 'ST-1-abc') : undefined],
        ]),
    ],
    [0.3, () => get('/admin/login')],
  ]);
  await action();
};

/** A JSON body of the admin API: the right shape now and then, else wrong types, unknown fields or no JSON at all. */
function apiBody(rng: Rng, fields: Record<string, unknown>): { payload?: string | Buffer; contentType?: string } {
  return rng.weighted<() => { payload?: string | Buffer; contentType?: string }>([
    [4, () => ({ payload: JSON.stringify(fields), contentType: 'application/json' })],
    [
      2,
      () => ({
        payload: JSON.stringify(Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, jsonValue(rng, String(v))]))),
        contentType: 'application/json',
      }),
    ],
    [1, () => ({ payload: JSON.stringify({ ...fields, [anyString(rng, 6)]: 1 }), contentType: 'application/json' })],
    [
      3,
      () =>
        body(
          rng,
          Object.entries(fields).map(([k, v]): [string, string] => [k, String(v)]),
        ),
    ],
  ])();
}

/** An account as an API path names it: a login, an id, a phone, or nothing that is one. */
function apiAccountRef(t: Target, rng: Rng): string {
  return rng.pick([
    rng.pick(t.users)[0],
    rng.pick(t.users)[2],
    'nobody',
    '00000000-0000-4000-8000-000000000000',
    percentEncode(anyString(rng, 12)) || 'x',
    '%',
    '..',
    'x'.repeat(600),
  ]);
}

const adminApi: Generator = async (f, t, seq, rng) => {
  const admins = t.admins!;
  const token = rng.weighted<() => string | undefined>([
    [6, () => admins.admin.token],
    [3, () => admins.helpdesk.token],
    [1, () => undefined],
    [1, () => mutate(rng, admins.admin.token)],
    [0.5, () => 'x'.repeat(5000)],
  ])();
  const h = headers(rng);
  if (token !== undefined)
    h.authorization = rng.chance(0.95) ? `Bearer ${token}` : rng.pick([`bearer  ${token}`, `Basic ${token}`, token, `Bearer ${token} extra`]);
  const V = '/admin/api/v1';
  const send = (method: string, path: string, pairs: Pairs = [], payload: { payload?: string | Buffer; contentType?: string } = {}) =>
    f.send(t, seq, { method, url: bend(rng, `${V}${path}`) + query(rng, pairs), headers: h, ...payload });
  const life = async () => encodeURIComponent((await ephemeralUser(t, seq, rng)).login);
  const serviceFields = () => ({
    name: rng.pick(['Fuzz API app', '', 'x'.repeat(300)]),
    pattern: rng.pick(['https://fuzz-api.example.org/', '(a+)+$', mutate(rng, 'https://fuzz-api.example.org/')]),
    matchType: rng.pick(['prefix', 'exact', 'regex', 'glob']),
    ...(rng.chance(0.5) ? { evaluationOrder: rng.pick<unknown>([1, -1, 1e308, '5', 2 ** 53]) } : {}),
    ...(rng.chance(0.3) ? { attributes: rng.pick<unknown>([['mail'], 'mail', [1], null]) } : {}),
    ...(rng.chance(0.3) ? { attributeRenames: rng.pick<unknown>([{ mail: ['email'] }, { __proto__: ['x'] }, [], 'x']) } : {}),
  });
  const action = rng.weighted<() => Promise<unknown>>([
    [
      3,
      () =>
        send('GET', '/accounts', [
          [
            rng.pick(['login', 'phone', 'name', 'openid', 'unionid', 'wecomUserid', 'status', 'nope']),
            rng.pick(['b', '138', '%', '_', 'active', 'x', '', anyString(rng, 10)]),
          ],
          ['after', cursorValue(rng)],
          ['limit', limitValue(rng)],
        ]),
    ],
    [3, () => send('GET', `/accounts/${apiAccountRef(t, rng)}`)],
    [
      2,
      async () =>
        send(
          'POST',
          `/accounts/${rng.chance(0.7) ? await life() : apiAccountRef(t, rng)}/${rng.pick(['disable', 'enable', 'password-reset'])}`,
          [],
          rng.chance(0.2) ? apiBody(rng, { x: 1 }) : {},
        ),
    ],
    [
      2,
      async () =>
        send(
          'DELETE',
          `/accounts/${rng.chance(0.5) ? await life() : apiAccountRef(t, rng)}/${rng.pick(['wechat', 'wecom', 'sessions'])}/${encodeURIComponent(mutate(rng, 'link')) || 'x'}`,
        ),
    ],
    [2, () => send(rng.pick(['GET', 'DELETE']), `/accounts/${apiAccountRef(t, rng)}/sessions`)],
    [2, () => send('GET', '/services')],
    [2, () => send('GET', `/services/${serviceId(rng) || '0'}`)],
    [2, () => send('POST', '/services', [], apiBody(rng, serviceFields()))],
    [
      2,
      () =>
        send(
          'PATCH',
          `/services/${rng.pick(['999999', '2147483648', '1e30', 'abc', '-1', '1'])}`,
          [],
          apiBody(rng, rng.chance(0.5) ? { enabled: rng.pick<unknown>([true, 'yes', 1, null]) } : { id: 5, name: 'renamed' }),
        ),
    ],
    [1, () => send('DELETE', `/services/${rng.pick(['999999', '2147483648', '1e30', 'abc', '-1'])}`)],
    [3, () => send('POST', '/services/match', [], apiBody(rng, { url: serviceValue(rng, t) }))],
    [2, () => send('GET', '/appeals', [['status', rng.chance(0.5) ? rng.pick(['pending', 'approved', 'x']) : undefined]])],
    [
      1,
      () =>
        send(
          'POST',
          `/appeals/${percentEncode(anyString(rng, 10)) || 'x'}/${rng.pick(['approve', 'reject', 'maybe'])}`,
          [],
          rng.chance(0.3) ? apiBody(rng, { note: 'x' }) : {},
        ),
    ],
    [
      3,
      () =>
        send('GET', rng.pick(['/audit', '/audit', '/audit.csv']), [
          ['account', rng.chance(0.4) ? rng.pick(['bob', 'nobody', '00000000-0000-4000-8000-000000000000', anyString(rng, 36)]) : undefined],
          ['type', rng.chance(0.3) ? rng.pick(['login.success', anyString(rng, 10)]) : undefined],
          ['ip', rng.chance(0.2) ? rng.pick(['127.0.0.1', 'not an ip']) : undefined],
          ['since', dateValue(rng)],
          ['until', dateValue(rng)],
          ['cursor', cursorValue(rng)],
          ['limit', limitValue(rng)],
        ]),
    ],
    [1, () => send('GET', '/health')],
    [1, () => send('GET', '/roles')],
    [
      1,
      () =>
        send(
          rng.pick(['PUT', 'DELETE']),
          `/roles/${rng.chance(0.5) ? 'nobody' : apiAccountRef(t, rng)}`,
          [],
          apiBody(rng, { role: rng.pick(['admin', 'helpdesk', 'root']) }),
        ),
    ],
    [1, () => send('GET', '/tokens', [['account', rng.chance(0.3) ? apiAccountRef(t, rng) : undefined]])],
    [
      1,
      () =>
        send(
          'POST',
          '/tokens',
          [],
          apiBody(rng, {
            account: rng.pick(['fuzz-helpdesk', 'nobody']),
            role: rng.pick(['admin', 'helpdesk', 'x']),
            name: rng.pick(['fuzz', '', 'x'.repeat(500)]),
            days: rng.pick<unknown>([1, 0, 366, 1e9, '5', 1.5]),
          }),
        ),
    ],
    [0.5, () => send('DELETE', `/tokens/${percentEncode(anyString(rng, 10)) || 'x'}`)],
    [0.5, () => send('GET', rng.pick(['/openapi.json', '/nope', '/services/', '/accounts//sessions']))],
    [
      0.5,
      () => send(rng.pick(METHODS), rng.pick(['/services', '/accounts', '/audit', '/health']), [], rng.chance(0.5) ? apiBody(rng, { a: 1 }) : {}),
    ],
  ]);
  await action();
};

const CAS_MIX: ReadonlyArray<readonly [number, Generator]> = [
  [6, adminConsole],
  [6, adminApi],
  [14, loginGet],
  [6, loginPost],
  [4, smsSend],
  [4, smsVerify],
  [14, ssoValidate],
  [10, validateJunk],
  [5, proxy],
  [8, samlValidate],
  [5, logout],
  [6, account],
  [3, recovery],
  [3, phoneChange],
  [2, secondFactor],
  [3, accountDelete],
  [1, wechatJunk],
  [2, health],
  [2, continuation],
  [3, staticFiles],
  [5, unknownPaths],
  [0.3, timePasses],
];

const WECHAT_MIX: ReadonlyArray<readonly [number, Generator]> = [
  [8, wechatStartGen],
  [10, wechatCallbackGen],
  [6, wechatBindFlow],
  [4, wechatJunk],
  [4, accountWeChatLink],
  [5, loginGet],
  [2, loginPost],
  [3, ssoValidate],
  [2, logout],
  [2, account],
  [1, accountDelete],
  [1, unknownPaths],
  [0.2, timePasses],
];

async function run(
  f: Fuzzer,
  t: Target,
  mix: ReadonlyArray<readonly [number, Generator]>,
  count: number,
  firstSeq: number,
  deadline: number,
): Promise<number> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count && performance.now() < deadline; i = next++) {
      const seq = firstSeq + i;
      if (ONLY !== undefined && seq !== ONLY) continue;
      const rng = new Rng(SEED, seq);
      const generator = rng.weighted(mix);
      const started = performance.now();
      try {
        await generator(f, t, seq, rng);
        const key = `${t.name} ${generator.name}`;
        const [n, ms] = f.timeByGenerator.get(key) ?? [0, 0];
        f.timeByGenerator.set(key, [n + 1, ms + performance.now() - started]);
      } catch (err) {
        f.processErrors.push(`generator of request #${seq} threw: ${(err as Error).stack ?? err}`);
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return Math.min(next, count);
}

// ---------------------------------------------------------------------------------------------------------------
// The run

function report(violations: Violation[]): string {
  const lines = violations.slice(0, 60).map((v) => {
    const findings = v.findings.map((x) => `${x.kind}: ${x.detail}`).join(' | ');
    const url = v.url.length > 200 ? `${v.url.slice(0, 200)}…(${v.url.length} chars)` : v.url;
    const payload = v.payload ? ` body=${JSON.stringify(v.payload.slice(0, 120))}` : '';
    return `#${v.seq} [${v.app}] ${v.method} ${url}${payload} → ${v.status ?? 'no answer'} ${v.contentType}\n    ${findings}\n    answer: ${JSON.stringify(v.excerpt.slice(0, 160))}`;
  });
  const more = violations.length > 60 ? `\n… and ${violations.length - 60} more` : '';
  return `${violations.length} violation(s); reproduce with ${REPRODUCE}\n${lines.join('\n')}${more}`;
}

describe(`request fuzzing (seed ${SEED})`, () => {
  const f = new Fuzzer();
  let cas: CasTestApp;
  let wechat: WeChatTestServer;
  let pgtReceiver: Receiver;
  let sloReceiver: Receiver;
  const targets: Target[] = [];
  const onRejection = (reason: unknown) => f.processErrors.push(`unhandledRejection: ${(reason as Error)?.stack ?? String(reason)}`);
  const onException = (err: Error) => f.processErrors.push(`uncaughtException: ${err.stack ?? String(err)}`);

  beforeAll(async () => {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    const tls = await selfSignedCertificate();
    [pgtReceiver, sloReceiver] = await Promise.all([startReceiver({ tls }), startReceiver()]);
    const pgtUrl = `${pgtReceiver.origin}/pgt`;
    const pgtPattern = `^${pgtReceiver.origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/pgt.*$`;
    const sloUrl = `${sloReceiver.origin}/slo`;
    // Every request comes from one address: the per-address limits would answer most of them 429 and hide the rest.
    const limits = {
      SMS_MAX_PER_IP_PER_HOUR: '100000',
      LOGIN_FAILURES_PER_IP: '100000',
      RATE_LIMIT_LOGIN_PER_MINUTE: '1000000',
      RATE_LIMIT_SMS_PER_MINUTE: '1000000',
      RATE_LIMIT_VALIDATION_PER_MINUTE: '1000000',
      RATE_LIMIT_CALLBACK_PER_MINUTE: '1000000',
    };

    const casSms = new CapturingSmsSender();
    // The console's sign-in asks for no second factor of accounts without one (the fuzz administrators).
    cas = await createCasTestApp(
      { ...limits, METRICS_ENABLED: 'true', ADMIN_CONSOLE_SECOND_FACTOR: 'optional' },
      { smsSender: casSms, proxyCallbackCa: [tls.cert] },
    );
    // S and S2 as the conformance suite has them, but nothing leaves this machine: logout and proxy callbacks go to loopback receivers.
    await cas.ctx.services.update({ ...cas.s, proxyPattern: pgtPattern, logoutUrl: sloUrl });
    await cas.ctx.services.update({ ...cas.s2, logoutUrl: sloUrl });
    await registerExtraServices(cas.ctx, sloUrl, pgtPattern);
    const casUsers = await addFuzzUsers(cas.ctx);
    const admins = await fuzzAdmins(cas.app, cas.ctx);
    targets.push({
      name: 'cas',
      app: cas.app,
      ctx: cas.ctx,
      clock: cas.clock,
      sms: casSms,
      policy: policyFor(cas.ctx),
      inside: INSIDE,
      sessions: new SessionPool(cas.ctx, casUsers.users, 6),
      pgtUrl,
      pgtReceiver,
      proxyTickets: [],
      emulator: undefined,
      boundPersonas: [],
      users: casUsers.credentials,
      admins,
    });

    // WeChat's calls get time on a loaded machine: a timeout here would be a 502 of the machine's making.
    wechat = await startWeChatTestServer({ ...limits, WECHAT_TIMEOUT_MS: '10000' });
    // S and S2 here too, so the service URLs above mean the same on both apps.
    await wechat.ctx.services.add({ ...cas.s, id: undefined, name: 'App S', proxyPattern: pgtPattern, logoutUrl: sloUrl });
    await wechat.ctx.services.add({ ...cas.s2, id: undefined, name: 'Other S2', logoutUrl: sloUrl });
    await registerExtraServices(wechat.ctx, sloUrl, pgtPattern);
    for (const s of await wechat.ctx.services.list()) if (s.name === 'Demo App') await wechat.ctx.services.update({ ...s, logoutUrl: sloUrl });
    const wechatUsers = await addFuzzUsers(wechat.ctx);
    const phoneUser = (await wechat.ctx.users.findByPhone(PHONE_USER.phone))!;
    targets.push({
      name: 'wechat',
      app: wechat.app,
      ctx: wechat.ctx,
      clock: wechat.clock,
      sms: wechat.sms,
      policy: policyFor(wechat.ctx),
      inside: [wechat.service, `${wechat.service}page?x=1`, ...INSIDE],
      sessions: new SessionPool(wechat.ctx, [phoneUser, ...wechatUsers.users], 4),
      pgtUrl,
      pgtReceiver,
      proxyTickets: [],
      emulator: wechat.emulator,
      boundPersonas: [],
      users: [[PHONE_USER.username, PHONE_USER.password, PHONE_USER.phone], ...wechatUsers.credentials],
    });
  });

  afterAll(async () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
    await cas?.ctx.singleLogout.settled();
    await cas?.close();
    await wechat?.close();
    await Promise.all([pgtReceiver?.close(), sloReceiver?.close()]);
  });

  it(`answers ${REQUESTS} + ${WECHAT_REQUESTS} hostile requests without a 5xx, a crash, bad XML or JSON, or a redirect anywhere unregistered`, async () => {
    const started = performance.now();
    // Four fifths of the budget for the CAS app, the rest (at least) for the WeChat app.
    const casRan = await run(f, targets[0]!, CAS_MIX, REQUESTS, 0, started + BUDGET_MS * 0.8);
    const wechatRan = await run(f, targets[1]!, WECHAT_MIX, WECHAT_REQUESTS, 1_000_000, started + BUDGET_MS);
    // Let anything the requests left running (single logout, callbacks) finish, so its failures show up here.
    await Promise.all(targets.map((t) => t.ctx.singleLogout.settled()));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);

    const known = new Map<string, Violation[]>();
    const unknown: Violation[] = [];
    for (const v of f.violations) {
      if (v.known) known.set(v.known, [...(known.get(v.known) ?? []), v]);
      else unknown.push(v);
    }
    const coverage = [...f.byRoute]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([route, statuses]) => `  ${route.padEnd(48)} ${[...statuses].map(([s, n]) => `${s}×${n}`).join(' ')}`)
      .join('\n');
    console.log(
      `fuzz seed ${SEED}: ${casRan} + ${wechatRan} generated (of ${REQUESTS} + ${WECHAT_REQUESTS}${casRan < REQUESTS || wechatRan < WECHAT_REQUESTS ? ', time budget reached' : ''}), ` +
        `${f.injects} requests in ${seconds} s (slowest ${Math.round(f.slowest)} ms); ` +
        `${f.violations.length} violation(s), ${unknown.length} not known\n` +
        [...known].map(([id, vs]) => `  ${id}: ${vs.length} (e.g. #${vs[0]!.seq} ${vs[0]!.method} ${vs[0]!.url.slice(0, 120)})`).join('\n') +
        `\ncoverage (route: status×count):\n${coverage}\ngenerators (count, total ms across ${WORKERS} workers):\n` +
        [...f.timeByGenerator].map(([g, [n, ms]]) => `  ${g.padEnd(28)} ${n}× ${Math.round(ms)} ms`).join('\n'),
    );

    expect(f.processErrors, `unhandled rejections, uncaught exceptions or generator failures; reproduce with ${REPRODUCE}`).toEqual([]);
    if (process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, JSON.stringify({ seed: SEED, violations: f.violations }, null, 1));
    expect(unknown.length, report(unknown)).toBe(0);
  }, 180_000);
});

// ---------------------------------------------------------------------------------------------------------------
// The KNOWN bugs, each as its smallest reproduction. `it.fails` passes while the bug is there; when a fix lands the
// test fails: then remove the bug from KNOWN above and make this an `it`.

describe('KNOWN bugs the fuzzer found (it.fails until fixed)', () => {
  let t: CasTestApp;
  let server: WeChatTestServer;
  let session: string;

  beforeAll(async () => {
    [t, server] = await Promise.all([createCasTestApp(), startWeChatTestServer()]);
    await t.ctx.services.add({ name: 'Intl 路径', pattern: EXTRA_SERVICES.intl, matchType: 'prefix' });
    await t.ctx.services.add({ name: 'Bücher', pattern: EXTRA_SERVICES.idn, matchType: 'prefix' });
    const eve = await t.ctx.users.create({ username: 'eve', password: 'pw-eve-123', displayName: 'Eve\u0001' });
    await t.ctx.services.update({ ...t.s, attributes: [...t.s.attributes, 'displayName'] });
    session = (await t.ctx.sessions.start({ userId: eve.id, principal: 'eve', method: 'password', authTime: t.clock.now() })).id;
  });
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const signedIn = (url: string) => t.app.inject({ method: 'GET', url, headers: { cookie: `TGC=${session}` } });

  it('fixed (a path starting with //, seed 777 #1000446): the page for it is a 404 whose language link stays on wecas, not a 500', async () => {
    for (const app of [t.app, server.app])
      for (const method of ['GET', 'OPTIONS'] as const) {
        const res = await app.inject({ method, url: '//%EA%A6%B0%23%16%04?service=x', headers: { accept: 'text/html' } });
        expect(res.statusCode, `${method}`).toBeLessThan(500);
        // A `//…` link is another site's address: the language switch keeps one slash.
        expect(res.body).not.toMatch(/href="\/\//);
      }
  });

  it('fixed (non-ASCII Location): a registered service spelled with 中文 gets its ticket, not a 503', async () => {
    const res = await signedIn(`/cas/login?service=${encodeURIComponent('https://intl.example.org/路径/page')}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/^[\x21-\x7e]+$/);
  });

  it('fixed (non-ASCII Location): a Latin-1 character (ü) does not go out raw in Location', async () => {
    const res = await signedIn(`/cas/login?service=${encodeURIComponent('https://bücher.example/shelf')}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(/^[\x21-\x7e]+$/);
  });

  it('fixed (XML-forbidden characters): a ticket parameter with U+0001 gets a failure document XML parsers can read', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/cas/serviceValidate?service=${encodeURIComponent(S)}&ticket=%01` });
    expect(strictXmlProblems(res.body).problems).toEqual([]);
  });

  it('fixed (XML-forbidden characters): a profile value with U+0001 (a WeChat nickname, a CLI --name) keeps the success document readable', async () => {
    const st = ticketOf(await signedIn(`/cas/login?service=${encodeURIComponent(S)}`));
    const res = await t.app.inject({ method: 'GET', url: `/cas/p3/serviceValidate?service=${encodeURIComponent(S)}&ticket=${st}` });
    expect(res.body).toContain('authenticationSuccess');
    expect(strictXmlProblems(res.body).problems).toEqual([]);
  });

  it('fixed (KNOWN-ACCOUNT-PROTOTYPE-KEYS): /account?error=toString and the like show the account page, saying nothing', async () => {
    for (const query of ['error=toString', 'done=constructor', 'error=__proto__', 'done=hasOwnProperty&error=valueOf']) {
      const res = await signedIn(`/cas/account?${query}`);
      expect(res.statusCode, query).toBe(200);
      expect(res.body, query).not.toContain('id="account-error"');
      expect(res.body, query).not.toContain('id="account-notice"');
    }
  });

  it('fixed (KNOWN-WECHAT-CODE-502): a code WeChat refuses (reloaded, forged) is a 4xx, not a 502', async () => {
    const jar = new CookieJar();
    const start = await server.app.inject({ method: 'GET', url: `/cas/login/wechat?service=${encodeURIComponent(server.service)}` });
    jar.store(start.headers['set-cookie']);
    const state = new URL(String(start.headers.location)).searchParams.get('state');
    const res = await server.app.inject({
      method: 'GET',
      url: `/cas/login/wechat/callback?code=${'A'.repeat(32)}&state=${state}`,
      headers: { cookie: jar.header() },
    });
    expect(res.statusCode).toBeLessThan(500);
  });
});
