/**
 * One wecas node (`node --import tsx dev/main.ts`, a child process) on a scratch PostgreSQL database whose
 * connections PostgreSQL closes under load (`pg_terminate_backend`), then refuses for a while (ALLOW_CONNECTIONS
 * false). The node must keep running, answer 503 pages and INTERNAL_ERROR validations meanwhile, and serve again by
 * itself once PostgreSQL lets it back in. Only the scratch database is touched; `test` and every other one are not.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../../scripts/cluster/backends.js';
import { type ChildServer, freePort, spawnServer, waitFor } from '../../scripts/cluster/processes.js';
import { systemClock } from '../../src/clock.js';
import { SqlServiceRegistry } from '../../src/services/registry.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { SqlUserStore } from '../../src/users/store.js';
import { POSTGRES_URL, postgresAvailable, requireServer } from '../support/postgres.js';
import { loopbackService } from '../support/server.js';
import { loginUrl, PASSWORD_USER, passwordSignIn, validate } from './flows.js';
import { Visitor } from './visitor.js';

const canRun = requireServer('PostgreSQL', await postgresAvailable());

/** A service nobody runs: the test validates its tickets itself, and it wants no logout messages. */
const SERVICE = 'http://127.0.0.1:9/outage-app/';
const LOAD_PEOPLE = Array.from({ length: 6 }, (_, i) => ({ username: `outage${i}`, password: `pw-outage-${i}-postgres` }));

/** Runs one statement on the `test` database, as the administrator of the PostgreSQL server would. */
async function asAdministrator(statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

const terminateBackends = (name: string) =>
  asAdministrator(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`);
const allowConnections = (name: string, allowed: boolean) => asAdministrator(`alter database "${name}" allow_connections ${allowed}`);

/** What a person or an application got, in a word: a status, a CAS code, or the socket error if nothing answered. */
type Answer = string;

/** Login pages, sign-ins and validations in parallel until `stop()`: everything that reaches PostgreSQL. */
function loadOn(origin: string) {
  const answers: Answer[] = [];
  let stopping = false;
  const record = async (kind: string, work: () => Promise<string>) => {
    answers.push(`${kind} ${await work().catch((err: unknown) => `no answer (${(err as Error).message})`)}`);
  };
  const worker = async (person: { username: string; password: string }) => {
    while (!stopping) {
      await record('login page', async () => String((await new Visitor().get(loginUrl(origin, SERVICE))).status));
      await record('sign-in', async () => {
        const visitor = new Visitor();
        const form = await visitor.get(loginUrl(origin, SERVICE));
        const execution = /name="execution" value="(LT-[A-Za-z0-9-]+)"/.exec(form.body)?.[1];
        if (!execution) return `form ${form.status}`;
        const answer = await visitor.submit(loginUrl(origin, SERVICE), { execution, ...person });
        return String(answer.status);
      });
      await record('validation', async () => {
        const result = await validate(origin, SERVICE, 'ST-1-unknownTicketOfTheOutageTest');
        return result.ok ? 'ok' : result.code;
      });
    }
  };
  const running = Promise.all(LOAD_PEOPLE.map(worker));
  return {
    answers,
    async stop() {
      stopping = true;
      await running;
    },
  };
}

describe.runIf(canRun)('a wecas node whose PostgreSQL closes its connections', () => {
  let database: ScratchDatabase | undefined;
  let node: ChildServer | undefined;
  let origin = '';

  beforeAll(async () => {
    database = await createScratchDatabase(POSTGRES_URL);
    // The harness's own connection is closed before the faults: they are for the node's pool only.
    const { db } = openDatabase(database.url);
    try {
      await migrateToLatest(db);
      await new SqlServiceRegistry(db, systemClock).add({ ...loopbackService('Outage app', 'http://127.0.0.1:9'), logoutType: 'none' });
      const users = new SqlUserStore(db, systemClock);
      for (const person of [PASSWORD_USER, ...LOAD_PEOPLE]) await users.create(person);
    } finally {
      await db.destroy();
    }
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    node = await spawnServer({
      name: 'wecas on PostgreSQL',
      command: process.execPath,
      args: ['--import', 'tsx', 'dev/main.ts'],
      port,
      env: {
        NODE_ENV: 'development',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: origin,
        DATABASE_URL: database.url,
        DEMO_DATA: 'false',
        LOG_LEVEL: 'warn',
        // Six people hammer one node from one address: the per-address limits are not what this test is about.
        RATE_LIMIT_LOGIN_PER_MINUTE: '100000',
        RATE_LIMIT_VALIDATION_PER_MINUTE: '100000',
      },
    });
  }, 120_000);

  afterAll(async () => {
    // Whatever failed above, the database accepts connections again before it is dropped.
    if (database) await allowConnections(database.name, true).catch(() => undefined);
    await node?.stop();
    await database?.drop();
  });

  it('keeps running when its connections are terminated under load, and serves again without a restart', async () => {
    const load = loadOn(origin);
    for (let round = 0; round < 8; round++) {
      const before = load.answers.length;
      await waitFor('some requests to reach the database', async () => (load.answers.length >= before + 3 ? true : undefined), 30_000);
      await terminateBackends(database!.name);
    }
    await waitFor('some requests after the last termination', async () => (load.answers.length >= 40 ? true : undefined), 30_000);
    await load.stop();

    expect(node!.running(), node!.output()).toBe(true);
    // Every request was answered: a page or its 503, a sign-in or its 503, a CAS answer; never a dropped connection.
    const kinds = new Set(load.answers);
    const allowed = ['login page 200', 'sign-in 302', 'sign-in 503', 'sign-in form 503', 'validation INVALID_TICKET', 'validation INTERNAL_ERROR'];
    expect(
      [...kinds].filter((kind) => !allowed.includes(kind)),
      node!.output(),
    ).toEqual([]);

    const { ticket } = await waitFor('a sign-in to succeed again', async () => {
      const signIn = await passwordSignIn(new Visitor(), SERVICE, { form: origin, post: origin });
      return signIn.ticket ? signIn : undefined;
    });
    expect(await validate(origin, SERVICE, ticket)).toMatchObject({ ok: true, principal: { user: PASSWORD_USER.username } });
  }, 120_000);

  it('answers 503 and INTERNAL_ERROR while the database refuses connections, is not ready, and recovers when it is back', async () => {
    const visitor = new Visitor();
    const { ticket } = await passwordSignIn(visitor, SERVICE, { form: origin, post: origin });
    expect(ticket).toMatch(/^ST-/);

    await allowConnections(database!.name, false);
    await terminateBackends(database!.name);

    // The login page itself writes nothing and still renders; the sign-in it posts needs the database.
    const { answer } = await passwordSignIn(new Visitor(), SERVICE, { form: origin, post: origin });
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('The sign-in service is unavailable');
    expect(await validate(origin, SERVICE, ticket)).toMatchObject({ ok: false, code: 'INTERNAL_ERROR' });
    const ready = await new Visitor().get(`${origin}/health/ready`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ status: 'not_ready', checks: { database: { ok: false } } });
    expect((await new Visitor().get(`${origin}/health/live`)).status).toBe(200);
    expect(node!.running(), node!.output()).toBe(true);

    await allowConnections(database!.name, true);
    await waitFor('the node to be ready again', async () => ((await new Visitor().get(`${origin}/health/ready`)).status === 200 ? true : undefined));
    // The ticket issued before the outage is still there (PostgreSQL kept it) and validates once.
    expect(await validate(origin, SERVICE, ticket)).toMatchObject({ ok: true, principal: { user: PASSWORD_USER.username } });
    const again = await passwordSignIn(new Visitor(), SERVICE, { form: origin, post: origin });
    expect(await validate(origin, SERVICE, again.ticket)).toMatchObject({ ok: true, principal: { user: PASSWORD_USER.username } });
    expect(node!.running()).toBe(true);
  }, 120_000);
});
