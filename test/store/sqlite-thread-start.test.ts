// wecas starts its SQLite file's thread (src/store/sqlite-thread.ts) with the first write of protocol traffic to the
// file: a ticket the SQL registry stores there, or a background audit batch. From then on the thread checkpoints the
// WAL, and the main connection's own automatic checkpoint steps back to a backstop of 10,000 pages. An idle node
// keeps SQLite's 1,000 and no thread, and so does a memory registry's node that has only issued tickets.
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
  const idle = () => new Promise((resolve) => setTimeout(resolve, 200));
  const signIn = (app: CasTestApp, user: { id: string; username: string | null }) =>
    app.ctx.sessions.start({ userId: user.id, principal: user.username!, attributes: {}, method: 'password', authTime: app.clock.now() });

  it('starts at the first ticket the SQL registry stores in the file, not before', async () => {
    t = await createCasTestApp({ DATABASE_URL: `sqlite:${path.join(scratchDir, 'sql.db')}`, TICKET_REGISTRY: 'sql' });
    const user = await t.ctx.users.create({ username: 'idle-sql' });
    // Accounts and services written, no ticket: still idle.
    await idle();
    expect(await autocheckpoint(t)).toBe(1000);
    await signIn(t, user);
    await expect.poll(() => autocheckpoint(t!)).toBe(10_000);
  });

  it('with the memory registry, starts at the first background audit batch, not at a ticket, which the file never sees', async () => {
    t = await createCasTestApp({ DATABASE_URL: `sqlite:${path.join(scratchDir, 'memory.db')}`, TICKET_REGISTRY: 'memory' });
    const user = await t.ctx.users.create({ username: 'idle-memory' });
    await signIn(t, user);
    await idle();
    expect(await autocheckpoint(t)).toBe(1000);
    await t.ctx.audit.record({ type: 'ticket.validated', userId: user.id, endpoint: 'serviceValidate', serviceId: 1, kind: 'ST' });
    await t.ctx.audit.flush();
    await expect.poll(() => autocheckpoint(t!)).toBe(10_000);
  });
});
