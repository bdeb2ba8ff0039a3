// `npm start` as a newcomer runs it: the development server with the emulator, the outbox and the demo data, the
// walk-through it prints, and Ctrl-C or SIGTERM to npm stopping the server (npm signals its script's process).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/server.js';

const dataDir = mkdtempSync(path.join(tmpdir(), 'wecas-first-run-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function accepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  it('serves the development server with its demo data and walk-through, and SIGTERM to npm stops it', async () => {
    const port = await freePort();
    const { NODE_ENV: _testMode, ...inherited } = process.env; // vitest's NODE_ENV=test: a newcomer has none
    const npm = spawn('npm', ['start'], {
      env: { ...inherited, PORT: String(port), DATABASE_URL: `sqlite:${path.join(dataDir, 'wecas.db')}`, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    npm.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 45_000;
      while (!output.includes('curl -si -b /tmp/wecas.jar') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(output, output).toContain('wecas is running in development mode.');
      expect(output).toContain('Demo user:     demo / demo-password, phone +8613800138000');
      expect(output).toContain('A service ticket works once and only for 10 seconds');

      const base = `http://127.0.0.1:${port}`;
      const login = await fetch(`${base}/cas/login`, { headers: { 'accept-language': 'en' } });
      expect(login.status).toBe(200);
      const page = await login.text();
      expect(page).toContain('Development mode, not for production. WeChat is emulated. WeCom is emulated. SMS codes go to the outbox (/__outbox).');
      // The QR frame makes its WeChat state when it loads, then shows the emulator's QR.
      const frameSrc = /<iframe class="wechat-qr"[^>]*src="([^"]+)"/.exec(page)?.[1];
      expect(frameSrc).toBe('/cas/login/wechat/frame');
      const frame = await fetch(`${base}${frameSrc}`, { redirect: 'manual' });
      expect(frame.status).toBe(302);
      expect(frame.headers.get('location')).toMatch(/^http:\/\/localhost:\d+\/__wechat\/connect\/qrconnect\?/);
      expect((await fetch(`${base}/__outbox`)).status).toBe(200);
      const favicon = await fetch(`${base}/favicon.ico`);
      expect(favicon.status).toBe(200);
      expect(favicon.headers.get('content-type')).toContain('image/svg+xml');
      // Without HOST, development listens on loopback only: this machine's other addresses are refused.
      const external = Object.values(networkInterfaces())
        .flat()
        .find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
      if (external) expect(await accepts(port, external)).toBe(false);
    } finally {
      npm.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    // npm signals the server itself (its script execs node): nothing is left listening on the port.
    expect(await accepts(port)).toBe(false);
  }, 90_000);
});
