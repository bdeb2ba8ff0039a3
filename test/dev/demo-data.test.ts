/**
 * Development nodes started together on one database each run ensureDemoData at once: all of them must start,
 * and the database must end with one demo user and one demo service, as after a single start.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SERVICE_NAME, DEMO_USER, ensureDemoData } from '../../dev/demo-data.js';
import { systemClock } from '../../src/clock.js';
import { SqlServiceRegistry } from '../../src/services/registry.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { SqlUserStore } from '../../src/users/store.js';
import { postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';

const NODES = 4;
const postgres = requireServer('PostgreSQL', await postgresAvailable());
const dir = mkdtempSync(path.join(tmpdir(), 'wecas-demo-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What one development node hands ensureDemoData: its own stores on its own connection. */
const nodeOn = (db: Db) => ({ users: new SqlUserStore(db, systemClock), services: new SqlServiceRegistry(db, systemClock) });

async function startTogether(connections: Db[]) {
  const results = await Promise.allSettled(connections.map((db) => ensureDemoData(nodeOn(db))));
  const failures = results.flatMap((r) => (r.status === 'rejected' ? [String(r.reason)] : []));
  expect(failures).toEqual([]);
  const outcomes = results.map((r) => (r as PromiseFulfilledResult<Awaited<ReturnType<typeof ensureDemoData>>>).value);
  const check = nodeOn(connections[0]!);
  const demoServices = (await new SqlServiceRegistry(connections[0]!, systemClock).list()).filter((s) => s.name === DEMO_SERVICE_NAME);
  return {
    outcomes,
    demoUser: await check.users.findByUsername(DEMO_USER.username),
    users: await check.users.list(),
    demoServices,
  };
}

async function expectOneOfEach(connections: Db[]) {
  const first = await startTogether(connections);
  expect(first.users.map((u) => u.username)).toEqual([DEMO_USER.username]);
  expect(first.demoUser).toMatchObject({ phone: DEMO_USER.phone, displayName: DEMO_USER.displayName });
  expect(first.demoServices).toHaveLength(1);
  // Exactly one node says it made each.
  expect(first.outcomes.filter((o) => o.userCreated)).toHaveLength(1);
  expect(first.outcomes.filter((o) => o.serviceCreated)).toHaveLength(1);
  // Starting them all again changes nothing.
  const again = await startTogether(connections);
  expect(again.outcomes).toEqual(connections.map(() => ({ userCreated: false, serviceCreated: false })));
  expect(again.demoServices).toEqual(first.demoServices);
}

describe('ensureDemoData from several nodes at once', () => {
  it('on one SQLite file, each node with its own connection', async () => {
    const url = `sqlite:${path.join(dir, 'wecas.db')}`;
    const connections = Array.from({ length: NODES }, () => openDatabase(url).db);
    try {
      await migrateToLatest(connections[0]!);
      await expectOneOfEach(connections);
    } finally {
      await Promise.all(connections.map((db) => db.destroy()));
    }
  }, 60_000);

  it('on one SQLite connection shared by several starts', async () => {
    const { db } = openDatabase('sqlite::memory:');
    try {
      await migrateToLatest(db);
      await expectOneOfEach(Array.from({ length: NODES }, () => db));
    } finally {
      await db.destroy();
    }
  }, 60_000);

  describe.runIf(postgres)('on PostgreSQL', () => {
    it('each node with its own pool', async () => {
      const schema = await withPostgresSchema();
      try {
        await expectOneOfEach([schema.db, ...Array.from({ length: NODES - 1 }, () => schema.open(2))]);
      } finally {
        await schema.cleanup();
      }
    }, 60_000);
  });
});
