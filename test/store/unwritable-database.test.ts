/**
 * wecas started on a SQLite file it cannot create (a directory it may not write to) says which file and why,
 * instead of SQLite's bare "unable to open database file". The command runs as a child process; under root, which
 * may write anywhere, as the unprivileged user `nobody`.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const NOBODY = 65534;
const asRoot = process.getuid?.() === 0;
const parent = mkdtempSync(path.join(tmpdir(), 'wecas-unwritable-'));
chmodSync(parent, 0o755); // nobody may look inside …
const readOnlyDir = path.join(parent, 'read-only');
mkdirSync(readOnlyDir, { mode: 0o555 }); // … but not write here
afterAll(() => rmSync(parent, { recursive: true, force: true }));

/** `wecas <args>` (the CLI from the sources), as an unprivileged user; its exit code and everything it printed. */
function wecas(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

describe('a SQLite database in a directory wecas may not write to', () => {
  it.each([['migrate'], ['start']])(
    'wecas %s exits 1 naming the file and why',
    async (command) => {
      const file = path.join(readOnlyDir, 'wecas.db');
      const result = await wecas([command], { DATABASE_URL: `sqlite:${file}`, PORT: '0', HOST: '127.0.0.1' });
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain(`wecas: Cannot open the SQLite database ${file}:`);
      expect(result.output).toContain(`the directory ${readOnlyDir} is not writable by this user`);
    },
    60_000,
  );
});
