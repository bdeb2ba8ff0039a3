/**
 * Two wecas nodes behind nginx sharing PostgreSQL and Redis (scripts/cluster): a sign-in on one node works on the
 * other, single logout reaches the application whichever node ends the session, and the single-use things
 * (service tickets, SMS codes, WeChat callbacks) are used once even when both nodes race for them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { type Cluster, startCluster } from '../../scripts/cluster/cluster.js';
import { waitFor } from '../../scripts/cluster/processes.js';
import { systemClock } from '../../src/clock.js';
import { SqlServiceRegistry } from '../../src/services/registry.js';
import { escapeGlob, openRedis } from '../../src/store/redis.js';
import { insertWeChatIdentity } from '../../src/users/identities.js';
import { SqlUserStore } from '../../src/users/store.js';
import type { User } from '../../src/users/types.js';
import { loopbackService } from '../support/server.js';
import { callbackAt, emulatorControl, loginUrl, outboxCode, PASSWORD_USER, passwordSignIn, ticketIn, validate, wechatCallbackUrl } from './flows.js';
import { clusterCanRun } from './requirements.js';
import { at, Visitor } from './visitor.js';

const canRun = await clusterCanRun();

describe.runIf(canRun)('a wecas cluster: two nodes behind nginx', () => {
  let cluster: Cluster;
  let app: DemoApp;
  let service: string;
  let alice: User;
  let a: string;
  let b: string;

  beforeAll(async () => {
    cluster = await startCluster({ env: { SMS_MAX_PER_IP_PER_HOUR: '1000' } });
    app = await startDemoApp({ port: 0, casUrl: cluster.casUrl, name: 'Demo app' });
    service = `${app.url}/`;
    // Before any request: each node reads the services once, then again every 5 s.
    await new SqlServiceRegistry(cluster.db, systemClock).add(loopbackService('Demo app', app.url));
    alice = await new SqlUserStore(cluster.db, systemClock).create(PASSWORD_USER);
    [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it('spreads requests over both nodes round-robin, with no stickiness', async () => {
    const visitor = new Visitor();
    const answered = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const page = await visitor.get(`${cluster.url}/cas/login`);
      expect(page.status).toBe(200);
      answered.add(cluster.nodeAnswering(page.upstream)?.name ?? `? ${page.upstream}`);
    }
    expect([...answered].sort()).toEqual(['a', 'b']);
  });

  it.each([
    ['a', 'b'],
    ['b', 'a'],
  ])('signs in with a password on node %s; validation, SSO and logout work on node %s', async (first) => {
    const [one, other] = first === 'a' ? [a, b] : [b, a];
    const visitor = new Visitor();
    const { ticket } = await passwordSignIn(visitor, service, { form: one, post: one });
    expect(ticket).toMatch(/^ST-/);
    const tgc = visitor.jar.get('TGC');
    expect(tgc).toMatch(/^TGT-/);

    const validated = await validate(other, service, ticket);
    expect(validated).toMatchObject({ ok: true, principal: { user: 'alice' } });
    expect(await validate(one, service, ticket)).toMatchObject({ ok: false, code: 'INVALID_TICKET' });

    // SSO: the other node knows the session from the TGC alone and issues a ticket without a form.
    const sso = await visitor.get(loginUrl(other, service));
    const ssoTicket = ticketIn(sso);
    expect(ssoTicket, sso.body.slice(0, 300)).toMatch(/^ST-/);
    expect(await validate(one, service, ssoTicket)).toMatchObject({ ok: true, principal: { user: 'alice' } });

    const logout = await visitor.get(`${other}/cas/logout`);
    expect(logout.status).toBe(200);
    expect(visitor.jar.get('TGC')).toBeUndefined();
    // The first node no longer knows the session either: the old cookie gets the form, not a ticket.
    const stale = new Visitor();
    stale.jar.cookies.set('TGC', tgc!);
    const again = await stale.get(loginUrl(one, service));
    expect(again.status).toBe(200);
    expect(again.body).toContain('name="execution"');
  });

  it.each(['a', 'b'])('single logout reaches the application when node %s ends the session', async (ender) => {
    const [signInNode, endingNode] = ender === 'a' ? [b, a] : [a, b];
    const visitor = new Visitor();
    // The app sends the browser to the load balancer; the credentials go to the other node than the one that ends it.
    const toForm = await visitor.follow(`${app.url}/login`);
    const form = toForm.at(-1)!;
    expect(form.url.startsWith(`${cluster.casUrl}/login?`), form.url).toBe(true);
    const execution = /name="execution" value="(LT-[A-Za-z0-9-]+)"/.exec(form.body)?.[1] ?? '';
    const posted = await visitor.submit(at(signInNode, form.url), {
      execution,
      username: PASSWORD_USER.username,
      password: PASSWORD_USER.password,
    });
    const ticket = ticketIn(posted);
    expect(ticket, posted.body.slice(0, 300)).toMatch(/^ST-/);
    const home = await visitor.follow(posted.location!); // the app validates through the load balancer
    expect(home.at(-1)!.body).toContain('Signed in as <strong id="user">alice</strong>');
    const sessionId = visitor.jar.get(`demo_session_${new URL(app.url).port}`);
    expect(app.sessions.get(sessionId)?.ticket).toBe(ticket);

    expect((await visitor.get(`${endingNode}/cas/logout`)).status).toBe(200);
    await waitFor('the back-channel logout to end the app session', async () => (app.sessions.get(sessionId) ? undefined : true));
  });

  it('signs a new WeChat person in across both nodes: QR on one, callback and phone binding spread over both', async () => {
    const persona = await emulatorControl(cluster.emulator.url, '/personas', { nickname: '集群 新人', sex: 1, region: 'gd-shenzhen', avatar: false });
    const visitor = new Visitor();
    const callback = await wechatCallbackUrl(visitor, a, service, cluster.emulator.url, String(persona.id));
    expect(new URL(callback).origin).toBe(cluster.url); // WeChat returns to PUBLIC_URL, the load balancer

    const toBind = await callbackAt(visitor, b, callback);
    expect(toBind.status, toBind.body.slice(0, 300)).toBe(302);
    expect(new URL(toBind.location!).pathname).toBe('/cas/login/wechat/bind');
    expect((await visitor.get(`${a}/cas/login/wechat/bind`)).body).toContain('集群 新人');

    const phone = '+8613800138101';
    const sent = await visitor.postForm(`${b}/cas/login/wechat/bind/send`, { phone, execution: await bindFormToken(visitor, a) });
    expect(sent.status, sent.body.slice(0, 300)).toBe(200);
    const code = await outboxCode([a, b], phone);
    const bound = await visitor.submit(`${a}/cas/login/wechat/bind`, { phone, code, execution: await bindFormToken(visitor, b) });
    const ticket = ticketIn(bound);
    expect(ticket, bound.body.slice(0, 500)).toMatch(/^ST-/);
    const first = await validate(b, service, ticket);
    expect(first.ok).toBe(true);

    // Next time the same WeChat person signs straight in, whichever nodes take part.
    const returning = new Visitor();
    const again = await callbackAt(returning, a, await wechatCallbackUrl(returning, b, service, cluster.emulator.url, String(persona.id)));
    const second = await validate(b, service, ticketIn(again));
    expect(second.ok && first.ok && second.principal.user === first.principal.user).toBe(true);
  });

  it('keeps tickets and short-lived state in Redis only, none in PostgreSQL', async () => {
    await passwordSignIn(new Visitor(), service, { form: cluster.url, post: cluster.url });
    for (const table of ['tickets', 'service_tickets', 'sso_grants', 'kv'] as const) {
      const { n } = await cluster.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(n), table).toBe(0);
    }
    const redis = await openRedis(cluster.redis.url);
    try {
      const [, keys] = await redis.scan('0', 'MATCH', `${escapeGlob(cluster.redis.prefix)}*`, 'COUNT', 10_000);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      redis.disconnect();
    }
  });

  describe('races between the nodes', () => {
    it('validates one service ticket exactly once when 50 requests race for it over both nodes and nginx', async () => {
      const { ticket } = await passwordSignIn(new Visitor(), service, { form: cluster.url, post: cluster.url });
      const origins = [a, b, cluster.url];
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => validate(origins[i % 3]!, service, ticket)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok).map((r) => (r.ok ? '' : r.code))).toEqual(Array(49).fill('INVALID_TICKET'));
    });

    it('accepts one SMS code once when the same code is sent to both nodes in parallel', async () => {
      const persona = await emulatorControl(cluster.emulator.url, '/personas', { nickname: 'Race SMS', sex: 2, region: null, avatar: false });
      const visitor = new Visitor();
      await callbackAt(visitor, b, await wechatCallbackUrl(visitor, a, service, cluster.emulator.url, String(persona.id)));
      const phone = '+8613800138102';
      expect((await visitor.postForm(`${a}/cas/login/wechat/bind/send`, { phone, execution: await bindFormToken(visitor, b) })).status).toBe(200);
      const code = await outboxCode([a, b], phone);

      // Each racer posts the form of a bind page of its own (a form token is single-use, as a page's form is).
      const tokens = await Promise.all(Array.from({ length: 12 }, (_, i) => bindFormToken(visitor, [a, b][i % 2]!)));
      const answers = await Promise.all(
        tokens.map((execution, i) => visitor.clone().submit(`${[a, b][i % 2]}/cas/login/wechat/bind`, { phone, code, execution })),
      );
      const winners = answers.filter((r) => ticketIn(r) !== '');
      expect(winners, answers.map((r) => r.status).join(',')).toHaveLength(1);
      for (const loser of answers.filter((r) => ticketIn(r) === '')) expect(loser.status).toBeGreaterThanOrEqual(400);
      expect((await validate(a, service, ticketIn(winners[0]!))).ok).toBe(true);
      const users = await cluster.db.selectFrom('users').select('id').where('phone', '=', phone).execute();
      expect(users).toHaveLength(1);
      const identities = await cluster.db.selectFrom('identities').select('id').where('user_id', '=', users[0]!.id).execute();
      expect(identities).toHaveLength(1);
    });

    it('signs in once when one WeChat callback is replayed on both nodes at once', async () => {
      const persona = await emulatorControl(cluster.emulator.url, '/personas', { nickname: 'Race WeChat', sex: 0, region: null, avatar: false });
      const openids = persona.openids as Record<string, string>;
      await insertWeChatIdentity(cluster.db, systemClock, {
        userId: alice.id,
        subject: { appId: cluster.emulator.appId, openid: openids[cluster.emulator.appId]!, unionid: String(persona.unionid) },
        profile: { nickname: 'Race WeChat', headimgurl: '', sex: 0, province: '', city: '', country: '' },
      });
      const visitor = new Visitor();
      const callback = await wechatCallbackUrl(visitor, a, service, cluster.emulator.url, String(persona.id));

      const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => callbackAt(visitor.clone(), [a, b][i % 2]!, callback)));
      const signedIn = answers.filter((r) => ticketIn(r) !== '');
      expect(signedIn, answers.map((r) => r.status).join(',')).toHaveLength(1);
      expect(answers.filter((r) => ticketIn(r) === '').map((r) => r.status)).toEqual(Array(9).fill(400));
      expect(await validate(b, service, ticketIn(signedIn[0]!))).toMatchObject({ ok: true, principal: { user: 'alice' } });
    });
  });
});

/** The one-time form token of a bind page fetched from `node`, as the page's forms carry it. */
async function bindFormToken(visitor: Visitor, node: string): Promise<string> {
  const page = await visitor.get(`${node}/cas/login/wechat/bind`);
  const token = /name="execution" value="(LT-[^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error(`no form token on the bind page (${page.status}):\n${page.body.slice(0, 300)}`);
  return token;
}
