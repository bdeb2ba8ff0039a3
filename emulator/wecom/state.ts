// The WeCom (企业微信) emulator's whole state: corps, their self-built apps (agents) and members, access tokens,
// one-time codes, web-login sessions (the QR a member confirms on the phone), switches and call counts. The HTTP
// routes and in-process tests both drive this one object.
import { randomBytes, randomInt } from 'node:crypto';
import { EmulatorClock } from '../clock.js';

export interface WeComMemberConfig {
  userid: string;
  name: string;
  mobile?: string;
  email?: string;
  department?: number[];
  position?: string;
}

export interface WeComAgentConfig {
  agentid: string;
  secret: string;
  name: string;
  /** 可信域名: host[:port] (without a port any port of that host) the app's redirects may go to. */
  trustedDomain: string;
  /** Userids outside the app's visible range (可见范围); everyone else is in it. */
  invisible?: string[];
  /** 企业可信IP: addresses allowed to call the APIs with this app's token; absent: any (apps made before 2022). */
  trustedIps?: string[] | null;
  /** Whether user/get tells mobile and mail (apps made before 2022-06-20, or granted): default false, as for new apps. */
  contactFields?: boolean;
}

export interface WeComCorpConfig {
  corpid: string;
  name: string;
  agents: WeComAgentConfig[];
  members: WeComMemberConfig[];
}

export interface WeComEmulatorOptions {
  corps: WeComCorpConfig[];
  /** Absolute URL where the emulator's routes are reachable, e.g. "http://localhost:8080/__wecom". */
  publicBaseUrl: string;
  /** Mount `/__control/wecom` (dev and tests only). */
  testControl: boolean;
  clock?: { now(): number };
}

export interface Agent {
  corpid: string;
  agentid: string;
  secret: string;
  name: string;
  trustedDomain: string;
  invisible: Set<string>;
  trustedIps: string[] | null;
  contactFields: boolean;
}

export interface Corp {
  corpid: string;
  name: string;
  agents: Map<string, Agent>;
  members: Map<string, WeComMemberConfig>;
}

interface Token {
  corpid: string;
  agentid: string;
  expiresAt: number;
  revoked: boolean;
}

/** Who a code stands for: a member (by userid), or an outsider (a WeChat/WeCom user who is not a member: an openid). */
export type Subject = { userid: string } | { openid: string };

interface Code {
  corpid: string;
  agentid: string;
  subject: Subject;
  /** The host the code was sent to (redirect_uri's): getuserinfo answers 50001 when it is not the app's 可信域名. */
  redirectHost: string;
  expiresAt: number;
  used: boolean;
}

export type LoginStatus = 'waiting' | 'confirmed' | 'cancelled' | 'expired';

export type PanelRedirectType = 'top' | 'self';

/** A web login (`wwlogin/sso/login`): the QR on the computer, confirmed or cancelled on the phone. */
export interface WebLogin {
  key: string;
  corpid: string;
  agentid: string;
  redirectUri: string;
  state: string;
  lang: 'zh' | 'en';
  /**
   * Drawn as the embeddable login panel (`ww.createWWLoginPanel`'s frame), and how it ends: `top` sends the whole
   * window to redirect_uri (the SDK's default), `self` only the frame. Absent: the full page.
   */
  panel?: { redirectType: PanelRedirectType };
  createdAt: number;
  expiresAt: number;
  status: Exclude<LoginStatus, 'expired'>;
  code?: string;
}

export type WeComApi = 'gettoken' | 'getuserinfo' | 'user/get';

/** The token lives 7200 s; asked again while it lives, gettoken answers the same token (WeCom's documented behaviour). */
export const TOKEN_LIFETIME_S = 7200;
/** A code works once, for 5 minutes. */
export const CODE_LIFETIME_MS = 5 * 60_000;
/** A web-login QR: WeCom's lasts a few minutes; here 5. */
export const WEB_LOGIN_LIFETIME_MS = 5 * 60_000;

/** The outsider a phone may sign in as: a WeCom or WeChat user who is not a member of the corp. */
export const OUTSIDER_OPENID = 'oOutsider_emulated_wecom_user';

const ERRMSG: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41008: 'missing oauth code',
  42001: 'access_token expired',
  45009: 'reach max api daily quota limit',
  50001: 'redirect_url not authorised',
  60011: 'no privilege to access/modify contact/party/agent',
  60020: 'not allow to access from your ip',
  60111: 'userid not found',
};

/** WeCom's error body: the errmsg carries a hint, the caller's address and a link, as the real one does. */
export function wecomError(errcode: number, ip: string, errmsg = ERRMSG[errcode] ?? 'error'): { errcode: number; errmsg: string } {
  const hint = `${Math.floor(Date.now() / 1000)}_${randomInt(10, 99)}_${randomBytes(16).toString('hex')}`;
  return { errcode, errmsg: `${errmsg}, hint: [${hint}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}` };
}

const randomId = (n: number): string => randomBytes(n).toString('base64url').slice(0, n);

export class WeComEmulator {
  readonly publicBaseUrl: string;
  readonly testControl: boolean;
  readonly clock: EmulatorClock;
  readonly calls = new Map<string, number>();
  corps = new Map<string, Corp>();
  readonly #options: WeComEmulatorOptions;
  #tokens = new Map<string, Token>();
  #codes = new Map<string, Code>();
  #logins = new Map<string, WebLogin>();
  #faults = new Map<WeComApi, Array<{ errcode: number; remaining: number }>>();

  constructor(options: WeComEmulatorOptions) {
    this.#options = options;
    this.publicBaseUrl = new URL(options.publicBaseUrl).href.replace(/\/+$/, '');
    this.testControl = options.testControl;
    this.clock = new EmulatorClock(options.clock);
    this.#load();
  }

  corp(corpid: string | undefined): Corp | undefined {
    return corpid === undefined ? undefined : this.corps.get(corpid);
  }

  agent(corpid: string | undefined, agentid: string | undefined): Agent | undefined {
    return agentid === undefined ? undefined : this.corp(corpid)?.agents.get(agentid);
  }

  /** The one agent whose secret this is (WeCom's token is per app: corpid + that app's secret). */
  agentBySecret(corp: Corp, secret: string): Agent | undefined {
    return [...corp.agents.values()].find((a) => a.secret === secret);
  }

  countCall(path: string): void {
    this.calls.set(path, (this.calls.get(path) ?? 0) + 1);
  }

  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.calls].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** The token of this app: the one still alive (WeCom answers the same one), or a new one. */
  issueToken(agent: Agent): { token: string; expiresIn: number } {
    const now = this.clock.now();
    for (const [token, t] of this.#tokens)
      if (t.corpid === agent.corpid && t.agentid === agent.agentid && !t.revoked && t.expiresAt > now)
        return { token, expiresIn: Math.ceil((t.expiresAt - now) / 1000) };
    const token = randomId(64);
    this.#tokens.set(token, { corpid: agent.corpid, agentid: agent.agentid, expiresAt: now + TOKEN_LIFETIME_S * 1000, revoked: false });
    return { token, expiresIn: TOKEN_LIFETIME_S };
  }

  /** The agent a token is for, or the errcode WeCom gives: 41001 missing, 40014 unknown or revoked, 42001 expired. */
  checkToken(token: string | undefined): Agent | number {
    if (!token) return 41001;
    const t = this.#tokens.get(token);
    if (!t || t.revoked) return 40014;
    if (t.expiresAt <= this.clock.now()) return 42001;
    return this.agent(t.corpid, t.agentid) ?? 40014;
  }

  /** Voids every live token (as resetting an app's secret does): the next call with one gets 40014. */
  revokeTokens(): number {
    let n = 0;
    for (const t of this.#tokens.values())
      if (!t.revoked) {
        t.revoked = true;
        n++;
      }
    return n;
  }

  issueCode(agent: Agent, subject: Subject, redirectUri: string): string {
    const code = randomId(43);
    this.#codes.set(code, {
      corpid: agent.corpid,
      agentid: agent.agentid,
      subject,
      redirectHost: new URL(redirectUri).host,
      expiresAt: this.clock.now() + CODE_LIFETIME_MS,
      used: false,
    });
    return code;
  }

  /** auth/getuserinfo: the code used up (once), or the errcode. */
  redeemCode(agent: Agent, code: string | undefined): Subject | number {
    if (!code) return 41008;
    const c = this.#codes.get(code);
    if (!c || c.used || c.expiresAt <= this.clock.now() || c.corpid !== agent.corpid) return 40029;
    c.used = true;
    if (!hostTrusted(c.redirectHost, agent.trustedDomain)) return 50001;
    return c.subject;
  }

  startWebLogin(input: Omit<WebLogin, 'key' | 'createdAt' | 'expiresAt' | 'status'>): WebLogin {
    const now = this.clock.now();
    const login: WebLogin = { ...input, key: randomId(24), createdAt: now, expiresAt: now + WEB_LOGIN_LIFETIME_MS, status: 'waiting' };
    this.#logins.set(login.key, login);
    return login;
  }

  webLogin(key: string | undefined): WebLogin | undefined {
    return key === undefined ? undefined : this.#logins.get(key);
  }

  loginStatus(login: WebLogin): LoginStatus {
    return login.status === 'waiting' && login.expiresAt <= this.clock.now() ? 'expired' : login.status;
  }

  /** The member (or the outsider) confirms on the phone: a code for the computer's page to carry to redirect_uri. */
  confirmWebLogin(key: string, subject: Subject): WebLogin {
    const login = this.#logins.get(key);
    if (!login) throw new WeComControlError('unknown_login');
    if (this.loginStatus(login) !== 'waiting') throw new WeComControlError(`login_${this.loginStatus(login)}`);
    const agent = this.agent(login.corpid, login.agentid)!;
    if ('userid' in subject && !this.corp(login.corpid)?.members.has(subject.userid)) throw new WeComControlError('unknown_member');
    login.code = this.issueCode(agent, subject, login.redirectUri);
    login.status = 'confirmed';
    return login;
  }

  cancelWebLogin(key: string): WebLogin {
    const login = this.#logins.get(key);
    if (!login) throw new WeComControlError('unknown_login');
    if (this.loginStatus(login) !== 'waiting') throw new WeComControlError(`login_${this.loginStatus(login)}`);
    login.status = 'cancelled';
    return login;
  }

  /** Where the computer's page goes after a confirmation: `redirect_uri?code=CODE&state=STATE&appid=CORPID`. */
  redirectAfter(login: WebLogin): string {
    return withQuery(login.redirectUri, `code=${login.code}&state=${encodeURIComponent(login.state)}&appid=${encodeURIComponent(login.corpid)}`);
  }

  injectFault(api: WeComApi, errcode: number, times = 1): void {
    const queue = this.#faults.get(api) ?? [];
    queue.push({ errcode, remaining: times });
    this.#faults.set(api, queue);
  }

  takeFault(api: WeComApi): number | undefined {
    const queue = this.#faults.get(api);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.errcode;
  }

  addMember(corpid: string, member: WeComMemberConfig): WeComMemberConfig {
    const corp = this.corp(corpid);
    if (!corp) throw new WeComControlError('unknown_corp');
    corp.members.set(member.userid, member);
    return member;
  }

  /** The "not in the visible range" switch. */
  setVisible(agent: Agent, userid: string, visible: boolean): void {
    if (visible) agent.invisible.delete(userid);
    else agent.invisible.add(userid);
  }

  advanceClock(ms: number): number {
    this.clock.advance(ms);
    return this.clock.now();
  }

  /** Back to the state at start: the configured corps, no tokens, codes, logins or faults, clock unmoved, counts zero. */
  reset(): void {
    this.#tokens.clear();
    this.#codes.clear();
    this.#logins.clear();
    this.#faults.clear();
    this.calls.clear();
    this.clock.reset();
    this.#load();
  }

  describe(): object {
    return {
      corps: [...this.corps.values()].map((c) => ({
        corpid: c.corpid,
        name: c.name,
        agents: [...c.agents.values()].map((a) => ({
          agentid: a.agentid,
          name: a.name,
          trustedDomain: a.trustedDomain,
          invisible: [...a.invisible],
          trustedIps: a.trustedIps,
          contactFields: a.contactFields,
        })),
        members: [...c.members.values()],
      })),
      calls: this.callCounts(),
      now: this.clock.now(),
    };
  }

  #load(): void {
    this.corps = new Map(
      this.#options.corps.map((c) => [
        c.corpid,
        {
          corpid: c.corpid,
          name: c.name,
          agents: new Map(
            c.agents.map((a) => [
              a.agentid,
              {
                corpid: c.corpid,
                agentid: a.agentid,
                secret: a.secret,
                name: a.name,
                trustedDomain: a.trustedDomain,
                invisible: new Set(a.invisible ?? []),
                trustedIps: a.trustedIps ?? null,
                contactFields: a.contactFields ?? false,
              },
            ]),
          ),
          members: new Map(c.members.map((m) => [m.userid, { ...m }])),
        },
      ]),
    );
  }
}

export class WeComControlError extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** A redirect's host against a 可信域名: without a port in the domain, any port of that host. */
export function hostTrusted(host: string, trustedDomain: string): boolean {
  const domain = trustedDomain.toLowerCase();
  const h = host.toLowerCase();
  return domain.includes(':') ? h === domain : h.replace(/:\d+$/, '') === domain;
}

export function withQuery(url: string, query: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}
