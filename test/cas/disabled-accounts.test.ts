// Validation reads no user row: a disabled or deleted account is one whose sessions ended. With the memory
// registry a `wecas user disable` run in another process cannot reach the server's sessions; the server ends them
// at its next directory re-check, or at once on SIGUSR2.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/cli/start.js';
import { createWecas } from '../../src/wecas.js';
import { testConfig } from '../support/config.js';
import { freePort } from '../support/server.js';

const APP = 'https://app.example.org/';
let dir: string | undefined;
let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('an account disabled by another process, memory registry', () => {
  it('loses its sessions on SIGUSR2: its ticket is then INVALID_TICKET', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'wecas-disable-'));
    const port = await freePort();
    const env = {
      DATABASE_URL: `sqlite:${path.join(dir, 'wecas.db')}`,
      TICKET_REGISTRY: 'memory',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    };
    server = await startServer(testConfig(env));
    const { wecas } = server;
    const service = await wecas.services.add({ name: 'App', pattern: APP, matchType: 'prefix', attributes: [] });
    const alice = await wecas.users.create({ username: 'alice', password: 'pw-alice-123' });
    const tgt = await wecas.sessions.start({ userId: alice.id, principal: 'alice', attributes: {}, method: 'password', authTime: Date.now() });
    const validate = async () => {
      const st = await wecas.sessions.grantServiceTicket(tgt, { url: APP, id: service.id }, false);
      const res = await fetch(`http://127.0.0.1:${port}/cas/serviceValidate?service=${encodeURIComponent(APP)}&ticket=${st.id}`);
      return res.text();
    };
    expect(await validate()).toContain('<cas:user>alice</cas:user>');

    // `wecas user disable alice`, as another process runs it: its own wecas on the same database.
    const cli = await createWecas(testConfig({ ...env, PORT: '0' }));
    await cli.admin.users.setStatus('alice', 'disabled');
    await cli.close();
    // The server's session is in its own memory: still there until it is told.
    expect(await wecas.sessions.sessionsOf(alice.id)).toHaveLength(1);

    process.emit('SIGUSR2');
    await expect.poll(() => wecas.sessions.sessionsOf(alice.id), { interval: 10, timeout: 5000 }).toEqual([]);
    expect(await validate()).toContain('INVALID_TICKET');
  });
});
