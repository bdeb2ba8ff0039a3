/**
 * Faults in a cluster with a redis-server of its own (no persistence): a node killed with -9 under load, a Redis
 * outage and restart, and nodes that cannot reach their stores at start. The shared Redis and PostgreSQL are
 * never stopped; only this cluster's own processes are.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../../scripts/cluster/cluster.js';
import { freePort, runToEnd, waitFor } from '../../scripts/cluster/processes.js';
import { systemClock } from '../../src/clock.js';
import { SqlServiceRegistry } from '../../src/services/registry.js';
import { SqlUserStore } from '../../src/users/store.js';
import { loopbackService } from '../support/server.js';
import { loginUrl, PASSWORD_USER, passwordSignIn, ticketIn, validate } from './flows.js';
import { clusterCanRun } from './requirements.js';
import { Visitor } from './visitor.js';

const canRun = await clusterCanRun();

/** A service nobody runs: these tests validate its tickets themselves, and it wants no logout messages. */
const SERVICE = 'http://127.0.0.1:9/fault-app/';
const LOAD_PEOPLE = Array.from({ length: 6 }, (_, i) => ({ username: `load${i}`, password: `pw-load-${i}-cluster` }));

describe.runIf(canRun)('a wecas cluster under faults', () => {
  let cluster: Cluster;

  beforeAll(async () => {
    cluster = await startCluster({ redis: 'own', logLevel: 'fatal' });
    await new SqlServiceRegistry(cluster.db, systemClock).add({ ...loopbackService('Fault app', 'http://127.0.0.1:9'), logoutType: 'none' });
    const users = new SqlUserStore(cluster.db, systemClock);
    await users.create(PASSWORD_USER);
    // One account per person of the load: parallel sign-ins of one account count against its throttle.
    for (const person of LOAD_PEOPLE) await users.create(person);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  });

  it('keeps serving through nginx when a node is killed with -9 under load, losing no session and validating no ticket twice', async () => {
    const [nodeA, nodeB] = cluster.nodes as [Cluster['nodes'][number], Cluster['nodes'][number]];
    const lb = cluster.url;
    interface Op {
      kind: 'sign-in' | 'validate';
      startedAt: number;
      endedAt: number;
      ok: boolean;
      detail: string;
    }
    const ops: Op[] = [];
    const sessions: string[] = []; // every TGC a sign-in handed out
    const validatedTickets: string[] = [];
    let completed = 0;
    const measure = async (kind: Op['kind'], work: () => Promise<{ ok: boolean; detail: string }>) => {
      const startedAt = Date.now();
      const result = await work().catch((err: unknown) => ({ ok: false, detail: `error: ${(err as Error).message}` }));
      ops.push({ kind, startedAt, endedAt: Date.now(), ...result });
      completed++;
      return result.ok;
    };

    // A bounded load: 6 people, each signing in and having the ticket validated 8 times, all through nginx.
    const worker = async (person: { username: string; password: string }) => {
      for (let i = 0; i < 8; i++) {
        const visitor = new Visitor();
        let ticket = '';
        const signedIn = await measure('sign-in', async () => {
          const { answer, ticket: t } = await passwordSignIn(visitor, SERVICE, { form: lb, post: lb }, person);
          ticket = t;
          const tgc = visitor.jar.get('TGC');
          if (tgc) sessions.push(tgc);
          return { ok: t !== '' && !!tgc, detail: `${answer.status} via ${answer.upstream}` };
        });
        if (!signedIn) continue;
        await measure('validate', async () => {
          const result = await validate(lb, SERVICE, ticket);
          if (result.ok) validatedTickets.push(ticket);
          return { ok: result.ok, detail: result.ok ? 'ok' : `${result.code} via ${result.answer.upstream}` };
        });
      }
    };
    const load = Promise.all(LOAD_PEOPLE.map(worker));

    await waitFor('some load before the kill', async () => (completed >= 12 ? true : undefined), 30_000);
    const killStartedAt = Date.now();
    await nodeA.kill();
    const killedAt = Date.now();
    await load;

    const after = ops.filter((op) => op.startedAt > killedAt);
    const inFlight = ops.filter((op) => op.startedAt <= killedAt && op.endedAt >= killStartedAt);
    const failures = ops.filter((op) => !op.ok);
    expect(after.length, 'operations after the kill').toBeGreaterThan(0);
    // Node b answers everything that started after the kill: nginx sends the refused connections there.
    expect(after.filter((op) => !op.ok)).toEqual([]);
    // Only requests caught mid-flight may fail: a POST that reached node a is not re-sent (502); a validation that
    // reached it may be re-sent to node b, which answers INVALID_TICKET if node a had consumed the ticket.
    for (const failure of failures) {
      expect(inFlight, JSON.stringify(failure)).toContain(failure);
      expect(failure.detail, JSON.stringify(failure)).toMatch(failure.kind === 'validate' ? /^(INVALID_TICKET|HTTP_502)/ : /^(502|error)/);
    }
    expect(failures.length).toBeLessThanOrEqual(6);
    // No ticket was validated successfully twice.
    expect(new Set(validatedTickets).size).toBe(validatedTickets.length);

    // Every SSO session handed out, by either node, still gives a ticket without a form.
    expect(sessions.length).toBeGreaterThan(20);
    for (const tgc of sessions) {
      const visitor = new Visitor();
      visitor.jar.cookies.set('TGC', tgc);
      const answer = await visitor.get(loginUrl(lb, SERVICE));
      expect(ticketIn(answer), `session ${tgc.slice(0, 10)}: ${answer.status}`).toMatch(/^ST-/);
    }

    // Restarted, node a rejoins by itself once nginx's fail_timeout (5 s) has passed.
    await nodeA.start();
    await waitFor(
      'nginx to send requests to node a again',
      async () => {
        const page = await new Visitor().get(`${lb}/cas/login`);
        return cluster.nodeAnswering(page.upstream) === nodeA && page.status === 200 ? true : undefined;
      },
      20_000,
    );
    expect(nodeB.running()).toBe(true);
  }, 120_000);

  it('answers INTERNAL_ERROR or an error page while Redis is down, never a success, and recovers by itself', async () => {
    await Promise.all(cluster.nodes.map((n) => n.start())); // whatever the test before left running
    const [a, b] = cluster.nodes.map((n) => n.url) as [string, string];
    const visitor = new Visitor();
    const { ticket } = await passwordSignIn(visitor, SERVICE, { form: a, post: a });
    expect(ticket).toMatch(/^ST-/);
    const tgc = visitor.jar.get('TGC')!;

    await cluster.redis.kill!();

    for (const origin of [a, b, cluster.url]) {
      const validation = await validate(origin, SERVICE, ticket);
      expect(validation.answer.status).toBe(200);
      expect(validation).toMatchObject({ ok: false, code: 'INTERNAL_ERROR' });
      // The session cannot be read: an error page, no ticket and no form.
      const sso = await visitor.get(loginUrl(origin, SERVICE));
      expect(sso.status).toBe(503);
      expect(sso.location).toBeUndefined();
      expect(sso.body).toContain('The sign-in service is unavailable');
      // A newcomer still sees the form (drawing it reads and writes nothing), but cannot sign in with it, nor start
      // a WeChat sign-in (its state lives in Redis).
      const newcomer = new Visitor();
      const form = await newcomer.get(loginUrl(origin, SERVICE));
      expect(form.status).toBe(200);
      const execution = /name="execution" value="(LT-[A-Za-z0-9-]+)"/.exec(form.body)?.[1] ?? '';
      const post = await newcomer.postForm(loginUrl(origin, SERVICE), { execution, ...PASSWORD_USER });
      expect(post.status).toBe(503);
      expect(post.location).toBeUndefined();
      expect((await new Visitor().get(`${origin}/cas/login/wechat?service=${encodeURIComponent(SERVICE)}`)).status).toBe(503);
      // Logging out cannot end the session it cannot read; the page says so rather than claiming success.
      expect((await visitor.get(`${origin}/cas/logout`)).status).toBe(503);
    }

    // What an orchestrator or an actively checking load balancer sees.
    expect((await new Visitor().get(`${a}/health/ready`)).status).toBe(503);
    expect((await new Visitor().get(`${a}/health/live`)).status).toBe(200);

    await cluster.redis.start!(); // a Redis without persistence comes back empty
    for (const origin of [a, b]) {
      await waitFor(`node at ${origin} to reach Redis again`, async () =>
        (await new Visitor().get(`${origin}/health/ready`)).status === 200 ? true : undefined,
      );
      expect((await new Visitor().get(`${origin}/cas/login`)).status).toBe(200);
    }

    // What Redis held is gone: the ticket and the SSO session. People sign in again, on any node.
    expect(await validate(b, SERVICE, ticket)).toMatchObject({ ok: false, code: 'INVALID_TICKET' });
    const stale = new Visitor();
    stale.jar.cookies.set('TGC', tgc);
    const form = await stale.get(loginUrl(b, SERVICE));
    expect(form.status).toBe(200);
    expect(form.body).toContain('name="execution"');
    const again = await passwordSignIn(new Visitor(), SERVICE, { form: cluster.url, post: cluster.url });
    expect(await validate(a, SERVICE, again.ticket)).toMatchObject({ ok: true, principal: { user: 'alice' } });
  }, 90_000);

  it('refuses to start a node whose Redis or PostgreSQL is unreachable, naming which', async () => {
    const [redisPort, pgPort] = [await freePort(), await freePort()];
    const start = (env: Record<string, string>) =>
      runToEnd(process.execPath, ['--import', 'tsx', 'dev/main.ts'], { ...cluster.nodeEnv, PORT: '0', ...env });
    const [noRedis, noDatabase] = await Promise.all([
      start({ REDIS_URL: `redis://127.0.0.1:${redisPort}` }),
      start({ DATABASE_URL: `postgres://postgres@127.0.0.1:${pgPort}/wecas` }),
    ]);
    expect(noRedis.code, noRedis.output).toBe(1);
    expect(noRedis.output).toContain(`Redis at redis://127.0.0.1:${redisPort} is unreachable`);
    expect(noDatabase.code, noDatabase.output).toBe(1);
    expect(noDatabase.output).toContain(`The database at postgres://postgres@127.0.0.1:${pgPort}/wecas is unreachable`);
  }, 90_000);
});
