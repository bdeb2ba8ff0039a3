// wecas starts its SQLite file's thread (src/store/sqlite-thread.ts) with protocol traffic, the first ticket issued
// among it: from then on the thread checkpoints the WAL, and the main connection's own automatic checkpoint steps
// back to a backstop of 10,000 pages. An idle node keeps SQLite's 1,000 and no thread.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type CasTestApp, createCasTestApp } from '../support/cas-app.js';

const scratchDir = mkdtempSync(path.join(tmpdir(), 'wecas-thread-start-'));
afterAll(() => rmSync(scratchDir, { recursive: true, force: true }));

let t: CasTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const autocheckpoint = async (app: CasTestApp) =>
  (await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(app.ctx.db)).rows[0]?.wal_autocheckpoint;

describe("wecas's SQLite thread", () => {
  it.each(['sql', 'memory'])('starts at the first ticket issued (%s registry), not before', async (registry) => {
    t = await createCasTestApp({ DATABASE_URL: `sqlite:${path.join(scratchDir, `${registry}.db`)}`, TICKET_REGISTRY: registry });
    const user = await t.ctx.users.create({ username: `idle-${registry}` });
    // Accounts and services written, no ticket: still idle.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await autocheckpoint(t)).toBe(1000);
    await t.ctx.sessions.start({ userId: user.id, principal: user.username!, attributes: {}, method: 'password', authTime: t.clock.now() });
    await expect.poll(() => autocheckpoint(t!)).toBe(10_000);
  });
});
