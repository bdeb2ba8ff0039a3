// WeCom sign-in over HTTP on two wecas nodes sharing one database and store (SQLite file, SQL ticket registry):
// many sign-ins started on one node and finished on the other fetch WeCom's token once and trade each code once;
// every refusal is a page that says what happened and what to do next, and signs nobody in.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EMULATED_WECOM } from '../../dev/emulated-wecom.js';
import { OUTSIDER_OPENID } from '../../emulator/wecom/state.js';
import { buildApp } from '../../src/http/app.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { testConfig } from '../support/config.js';
import { REDIS_URL, redisAvailable, requireServer, withRedisPrefix } from '../support/redis.js';
import { loopbackService } from '../support/server.js';
import { USER_AGENTS } from '../support/user-agents.js';
import { type RunningWeComEmulator, startWeComEmulator } from './emulated.js';

const SERVICE = 'http://127.0.0.1:9/app';
const sms = new CapturingSmsSender();
const dir = mkdtempSync(path.join(tmpdir(), 'wecas-wecom-'));
let wecom: RunningWeComEmulator;
let nodes: Array<{ ctx: Wecas; app: FastifyInstance }> = [];

/** Two wecas nodes on one SQLite file, sharing their store: the database's kv table, or Redis under `redisPrefix`. */
async function startNodes(file: string, redisPrefix?: string): Promise<Array<{ ctx: Wecas; app: FastifyInstance }>> {
  const config = testConfig({
    DATABASE_URL: `sqlite:${path.join(dir, file)}`,
    TICKET_REGISTRY: 'sql',
    ...(redisPrefix ? { REDIS_URL, REDIS_PREFIX: redisPrefix } : {}),
    PUBLIC_URL: 'http://localhost:8080',
    WECOM_CORP_ID: EMULATED_WECOM.corpId,
    WECOM_AGENT_ID: EMULATED_WECOM.agentId,
    WECOM_AGENT_SECRET: EMULATED_WECOM.agentSecret,
    WECOM_API_BASE_URL: wecom.url,
    WECOM_LOGIN_BASE_URL: wecom.url,
    WECOM_OPEN_BASE_URL: wecom.url,
    RATE_LIMIT_CALLBACK_PER_MINUTE: '1000',
    RATE_LIMIT_LOGIN_PER_MINUTE: '1000',
  });
  const first = await createWecas(config, { smsSender: sms });
  await first.services.add(loopbackService('App', 'http://127.0.0.1:9'));
  await first.users.create({ username: 'demo', password: 'pw-demo-2024', displayName: '演示用户' });
  await first.users.create({ username: 'lisi', password: 'pw-lisi-2024' });
  await first.users.create({ username: 'zw2024', password: 'pw-zw-2024', phone: '+8613700137000' });
  const disabled = await first.users.create({ username: 'wangfang', password: 'pw-wangfang-2024' });
  await first.users.setStatus(disabled.id, 'disabled');
  const second = await createWecas(config, { smsSender: sms });
  return Promise.all([first, second].map(async (ctx) => ({ ctx, app: await buildApp(ctx, { logger: false }) })));
}

async function stopNodes(started: Array<{ ctx: Wecas; app: FastifyInstance }>) {
  for (const { ctx, app } of started) {
    await app.close();
    await ctx.close();
  }
}

beforeAll(async () => {
  wecom = await startWeComEmulator('localhost');
  nodes = await startNodes('wecas.db');
});

afterAll(async () => {
  await stopNodes(nodes);
  nodes = [];
  await wecom?.close();
  rmSync(dir, { recursive: true, force: true });
});

beforeEach(() => {
  wecom.emulator.reset();
});

/** One browser: its cookies, and the node each request goes to (round-robin behind a balancer). */
class Browser {
  cookies = new Map<string, string>();
  constructor(readonly userAgent = USER_AGENTS.desktopChrome) {}

  async get(node: number, url: string) {
    const res = await nodes[node]!.app.inject({
      method: 'GET',
      url,
      headers: {
        'accept-language': 'en',
        'user-agent': this.userAgent,
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  }

  async post(node: number, url: string, form: Record<string, string>) {
    const res = await nodes[node]!.app.inject({
      method: 'POST',
      url,
      payload: new URLSearchParams(form).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'accept-language': 'en',
        'user-agent': this.userAgent,
        cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      },
    });
    for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  }

  /** Starts WeCom sign-in on `node`: where wecas sends the browser, and the state it made. */
  async start(node: number) {
    const res = await this.get(node, `/cas/login/wecom?service=${encodeURIComponent(SERVICE)}`);
    expect(res.statusCode).toBe(302);
    const location = new URL(res.headers.location as string);
    return { location, state: location.searchParams.get('state')!, redirectUri: location.searchParams.get('redirect_uri')! };
  }

  /** The whole trip: start on one node, WeCom's code for `who`, the callback on another node. */
  async signIn(who: { userid: string } | { openid: string }, startNode = 0, callbackNode = 1) {
    const { state, redirectUri } = await this.start(startNode);
    const agent = wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
    const code = wecom.emulator.issueCode(agent, who, redirectUri);
    return this.get(callbackNode, `/cas/login/wecom/callback?code=${code}&state=${state}&appid=${EMULATED_WECOM.corpId}`);
  }
}

async function validate(node: number, ticket: string) {
  const res = await nodes[node]!.app.inject({
    method: 'GET',
    url: `/cas/p3/serviceValidate?service=${encodeURIComponent(SERVICE)}&ticket=${ticket}&format=JSON`,
  });
  return JSON.parse(res.body).serviceResponse;
}

describe('WeCom sign-in on two nodes', () => {
  it('from a computer: WeCom’s web login with the corp and app, then the account whose 工号 is the userid', async () => {
    const browser = new Browser();
    const { location, redirectUri } = await browser.start(0);
    expect(`${location.origin}${location.pathname}`).toBe(`${wecom.url}/wwlogin/sso/login`);
    expect(location.searchParams.get('login_type')).toBe('CorpApp');
    expect(location.searchParams.get('appid')).toBe(EMULATED_WECOM.corpId);
    expect(location.searchParams.get('agentid')).toBe(EMULATED_WECOM.agentId);
    expect(redirectUri).toBe('http://localhost:8080/cas/login/wecom/callback');
    expect(location.searchParams.get('state')).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  it('inside WeCom: the silent snsapi_base authorization with the corp id and agent id', async () => {
    const browser = new Browser(USER_AGENTS.wecom);
    const page = await browser.get(0, `/cas/login?service=${encodeURIComponent(SERVICE)}`);
    expect(page.body).toContain('id="wecom-sign-in"');
    expect(page.body).toContain('You are inside WeCom');
    const { location } = await browser.start(1);
    expect(`${location.origin}${location.pathname}`).toBe(`${wecom.url}/connect/oauth2/authorize`);
    expect(location.searchParams.get('scope')).toBe('snsapi_base');
    expect(location.searchParams.get('appid')).toBe(EMULATED_WECOM.corpId);
    expect(location.searchParams.get('agentid')).toBe(EMULATED_WECOM.agentId);
    expect(location.hash).toBe('#wechat_redirect');
  });

  it('many sign-ins across both nodes fetch the token once and trade each code once', async () => {
    const browsers = Array.from({ length: 12 }, () => new Browser());
    const results = await Promise.all(browsers.map((b, i) => b.signIn({ userid: 'demo' }, i % 2, (i + 1) % 2)));
    for (const b of browsers) expect(b.cookies.get('TGC')).toMatch(/^TGT-/);
    const tickets = results.map((res) => {
      expect(res.statusCode).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(`${location.origin}${location.pathname}`).toBe(SERVICE);
      return location.searchParams.get('ticket')!;
    });
    expect(wecom.count('gettoken')).toBe(1);
    expect(wecom.count('auth/getuserinfo')).toBe(12);
    expect(wecom.count('user/get')).toBe(12);
    const answer = await validate(1, tickets[0]!);
    expect(answer.authenticationSuccess.user).toBe('demo');
    expect(answer.authenticationSuccess.attributes.authenticationMethod).toEqual(['wecom']);
    expect(answer.authenticationSuccess.attributes.credentialType).toEqual(['WeComCredential']);
    // The link is kept (corp id + userid, provider wecom), once however many sign-ins.
    const links = await nodes[0]!.ctx.db.selectFrom('identities').selectAll().where('provider', '=', 'wecom').execute();
    expect(links.map((l) => [l.app_id, l.openid])).toEqual([[EMULATED_WECOM.corpId, 'demo']]);
  });

  it('the token WeCom expired is renewed once for both nodes, and the sign-ins go through', async () => {
    await new Browser().signIn({ userid: 'demo' });
    wecom.emulator.advanceClock(7201 * 1000);
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => new Browser().signIn({ userid: 'demo' }, i % 2, i % 2)));
    for (const res of results) expect(res.statusCode).toBe(302);
    expect(wecom.count('gettoken')).toBe(2);
  });

  const refusals: Array<[string, () => void, { userid: string } | { openid: string }, number, string]> = [
    ['a member outside the app’s visible range', () => undefined, { userid: 'lisi' }, 403, 'not in this app’s visible range'],
    ['someone who is not a member of the corp', () => undefined, { openid: OUTSIDER_OPENID }, 403, 'is not a member of this organisation'],
    ['a disabled account', () => undefined, { userid: 'wangfang' }, 403, 'is disabled'],
    [
      'this server outside the app’s trusted IP list',
      () => {
        wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!.trustedIps = ['203.0.113.9'];
      },
      { userid: 'demo' },
      502,
      'trusted IP list',
    ],
    ['WeCom busy', () => wecom.emulator.injectFault('getuserinfo', -1), { userid: 'demo' }, 502, 'WeCom is busy'],
  ];
  it.each(refusals)('%s gets a page saying so, and nobody is signed in', async (_name, arrange, who, status, text) => {
    arrange();
    const browser = new Browser();
    const res = await browser.signIn(who);
    expect(res.statusCode).toBe(status);
    expect(res.body).toContain(text);
    expect(res.body).toContain('Sign in another way');
    expect([...browser.cookies.keys()]).not.toContain('TGC');
  });

  it('a member whose userid is nobody’s login links the account of their phone once, then WeCom signs them in directly', async () => {
    const browser = new Browser();
    const back = await browser.signIn({ userid: 'zhangwei' });
    expect(back.statusCode).toBe(302);
    expect(back.headers.location).toBe('/cas/login/wecom/bind');
    const page = await browser.get(1, '/cas/login/wecom/bind');
    expect(page.body).toContain('Link your WeCom account');
    expect(page.body).toContain('张伟 (zhangwei)');
    // Its forms end on wecas's continuation, so the page allows form-action to wecas alone, as every sign-in page.
    expect(String(page.headers['content-security-policy'])).toContain("form-action 'self';");
    const execution = (body: string) => /name="execution" value="([^"]+)"/.exec(body)![1]!;
    // A number nobody has: refused, nothing linked.
    const sentToNobody = await browser.post(0, '/cas/login/wecom/bind/send', { phone: '13500135000', execution: execution(page.body) });
    expect(sentToNobody.body).toContain('id="bind-notice"');
    const nobody = await browser.post(1, '/cas/login/wecom/bind', {
      phone: '13500135000',
      code: sms.lastCodeFor('+8613500135000')!,
      execution: execution(sentToNobody.body),
    });
    expect(nobody.statusCode).toBe(404);
    expect(nobody.body).toContain('No account here has this mobile number');
    // The account's own number: verified, linked, signed in, on to the application.
    const sent = await browser.post(1, '/cas/login/wecom/bind/send', { phone: '137 0013 7000', execution: execution(nobody.body) });
    const posted = await browser.post(0, '/cas/login/wecom/bind', {
      phone: '13700137000',
      code: sms.lastCodeFor('+8613700137000')!,
      execution: execution(sent.body),
    });
    // A form's POST goes on through wecas's continuation (on either node), whose redirect carries the ticket.
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toMatch(/^\/cas\/login\/continue\?id=/);
    const linked = await browser.get(1, posted.headers.location as string);
    expect(linked.statusCode).toBe(302);
    const ticket = new URL(linked.headers.location as string).searchParams.get('ticket')!;
    const answer = await validate(1, ticket);
    expect(answer.authenticationSuccess.user).toBe('zw2024');
    expect(answer.authenticationSuccess.attributes.authenticationMethod).toEqual(['wecom']);
    // The pending member is used up; the next WeCom sign-in is direct.
    expect((await browser.get(1, '/cas/login/wecom/bind')).statusCode).toBe(410);
    const direct = await new Browser().signIn({ userid: 'zhangwei' }, 1, 0);
    expect(new URL(direct.headers.location as string).searchParams.get('ticket')).toMatch(/^ST-/);
    const bound = await nodes[0]!.ctx.db.selectFrom('audit_events').select('detail').where('type', '=', 'wecom.bound').execute();
    expect(bound.map((e) => JSON.parse(e.detail))).toEqual([expect.objectContaining({ corpId: EMULATED_WECOM.corpId, userid: 'zhangwei' })]);
  });

  it('the link page opened in another browser is expired there', async () => {
    const browser = new Browser();
    await browser.signIn({ userid: 'zhangwei' });
    const thief = new Browser();
    thief.cookies.set('wecas_wwp', browser.cookies.get('wecas_wwp')!);
    const stolen = await thief.get(0, '/cas/login/wecom/bind');
    expect(stolen.statusCode).toBe(410);
    expect(stolen.body).toContain('This WeCom sign-in has expired');
  });

  it('a code already used (a replay, or WeCom’s own) is refused with the way to start again', async () => {
    const browser = new Browser();
    const { state, redirectUri } = await browser.start(0);
    const agent = wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
    const code = wecom.emulator.issueCode(agent, { userid: 'demo' }, redirectUri);
    await wecom.emulator.redeemCode(agent, code);
    const res = await browser.get(1, `/cas/login/wecom/callback?code=${code}&state=${state}`);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('expired or was already used');
    expect(res.body).toContain('Try WeCom again');
    // The state went with it: the same callback again is a used sign-in.
    const again = await browser.get(0, `/cas/login/wecom/callback?code=${code}&state=${state}`);
    expect(again.body).toContain('This WeCom sign-in has expired or was already used');
  });

  it('a callback in another browser, or without a code (cancelled), signs nobody in', async () => {
    const browser = new Browser();
    const { state, redirectUri } = await browser.start(0);
    const agent = wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
    const code = wecom.emulator.issueCode(agent, { userid: 'demo' }, redirectUri);
    const other = await new Browser().get(1, `/cas/login/wecom/callback?code=${code}&state=${state}`);
    expect(other.statusCode).toBe(400);
    expect(other.body).toContain('started in another browser');
    const cancelled = await browser.get(1, `/cas/login/wecom/callback?state=${state}`);
    expect(cancelled.body).toContain('The sign-in was cancelled in WeCom');
    expect(wecom.count('auth/getuserinfo')).toBe(0);
  });

  it('the page of a member outside the visible range in Chinese', async () => {
    const browser = new Browser();
    const { state, redirectUri } = await browser.start(0);
    const agent = wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
    const code = wecom.emulator.issueCode(agent, { userid: 'lisi' }, redirectUri);
    const res = await nodes[1]!.app.inject({
      method: 'GET',
      url: `/cas/login/wecom/callback?code=${code}&state=${state}`,
      headers: { 'accept-language': 'zh-CN', cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
    });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('您无权使用该企业微信应用');
    expect(res.body).toContain('不在该应用的可见范围内');
  });

  it('from a computer: the login page embeds WeCom’s login panel, whose state is this browser’s and single use', async () => {
    const browser = new Browser();
    const page = await browser.get(0, `/cas/login?service=${encodeURIComponent(SERVICE)}`);
    const panelPath = `/cas/login/wecom/panel?service=${encodeURIComponent(SERVICE)}`;
    expect(page.body).toContain(`<iframe class="wecom-qr" title="WeCom sign-in QR code" src="${panelPath.replaceAll('&', '&amp;')}"`);
    expect(page.body).toContain('allow="local-network-access" referrerpolicy="origin"');
    expect(page.body).toContain('id="wecom-page-link"');
    // The page's CSP lets a frame load WeCom's login origin, and nothing else besides ourselves.
    expect(page.headers['content-security-policy']).toContain(`frame-src 'self' ${new URL(wecom.url).origin};`);
    // Showing the page made no state: the frame's own request does, and moves on to WeCom's panel.
    const res = await browser.get(1, panelPath);
    expect(res.statusCode).toBe(302);
    expect(res.headers['cache-control']).toContain('no-store');
    const location = new URL(res.headers.location as string);
    expect(`${location.origin}${location.pathname}`).toBe(`${wecom.url}/wwlogin/sso/login`);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      login_type: 'CorpApp',
      appid: EMULATED_WECOM.corpId,
      agentid: EMULATED_WECOM.agentId,
      redirect_uri: 'http://localhost:8080/cas/login/wecom/callback',
      state: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      lang: 'en',
      redirect_type: 'top',
      panel_size: 'small',
      version: '2.4.4',
    });
    const state = location.searchParams.get('state')!;
    const agent = wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
    const code = wecom.emulator.issueCode(agent, { userid: 'demo' }, location.searchParams.get('redirect_uri')!);
    const other = await new Browser().get(0, `/cas/login/wecom/callback?code=${code}&state=${state}`);
    expect(other.body).toContain('started in another browser');
    const signedIn = await browser.get(0, `/cas/login/wecom/callback?code=${code}&state=${state}`);
    const landed = new URL(signedIn.headers.location as string);
    expect(`${landed.origin}${landed.pathname}`).toBe(SERVICE);
    expect((await validate(0, landed.searchParams.get('ticket')!)).authenticationSuccess.user).toBe('demo');
    const again = await browser.get(1, `/cas/login/wecom/callback?code=${code}&state=${state}`);
    expect(again.body).toContain('This WeCom sign-in has expired or was already used');
  });
});

describe.runIf(requireServer('Redis', await redisAvailable()))('WeCom sign-in on two nodes sharing Redis', () => {
  let sqliteNodes: typeof nodes;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const redis = await withRedisPrefix();
    cleanup = redis.cleanup;
    sqliteNodes = nodes;
    nodes = await startNodes('wecas-redis.db', redis.prefix);
  });
  afterAll(async () => {
    await stopNodes(nodes);
    nodes = sqliteNodes;
    await cleanup?.();
  });

  it('many sign-ins across both nodes fetch the token once, from Redis', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => new Browser().signIn({ userid: 'demo' }, i % 2, (i + 1) % 2)));
    for (const res of results) expect(new URL(res.headers.location as string).searchParams.get('ticket')).toMatch(/^ST-/);
    expect(wecom.count('gettoken')).toBe(1);
    expect(wecom.count('auth/getuserinfo')).toBe(10);
    wecom.emulator.revokeTokens();
    const again = await Promise.all(Array.from({ length: 6 }, (_, i) => new Browser().signIn({ userid: 'demo' }, i % 2, i % 2)));
    for (const res of again) expect(res.statusCode).toBe(302);
    expect(wecom.count('gettoken')).toBe(2);
  });
});
