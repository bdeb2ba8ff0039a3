// "Tried as a new user would": start `npm run emulator`'s program and run the README's curl sequence.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../support/server.js';

let child: ChildProcess;
let port: number;

beforeAll(async () => {
  port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts'], {
    env: { ...process.env, EMULATOR_PORT: String(port), NODE_ENV: 'development' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('listening on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
});

afterAll(() => {
  child?.kill('SIGTERM');
});

it('the README curl sequence gets a code, a token and a profile, and a reused code fails', async () => {
  const readme = readFileSync(new URL('../../emulator/README.md', import.meta.url), 'utf8');
  const script = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((block) => block.includes('sns/userinfo'));
  if (!script) throw new Error('no curl sequence in the README');
  const { stdout } = await promisify(execFile)('bash', ['-euc', script.replaceAll('127.0.0.1:9090', `127.0.0.1:${port}`)]);
  expect(stdout).toMatch(/window\.wx_errcode=405;window\.wx_code='[0-9A-Za-z]{32}';/);
  expect(stdout).toMatch(/"access_token":"[^"]+","expires_in":7200/);
  expect(stdout).toContain('"nickname":"李娜"');
  expect(stdout).toMatch(/\{"errcode":40163,"errmsg":"code been used, rid: /);
});

it('the README Official Account curl sequence: outside WeChat, silent code, no unionid, 48001, consent with unionid, snapshot', async () => {
  const readme = readFileSync(new URL('../../emulator/README.md', import.meta.url), 'utf8');
  const script = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((block) => block.includes('connect/oauth2/authorize'));
  if (!script) throw new Error('no Official Account curl sequence in the README');
  const { stdout } = await promisify(execFile)('bash', ['-euc', script.replaceAll('127.0.0.1:9090', `127.0.0.1:${port}`)]);
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('请在微信客户端打开链接');
  expect(lines[1]).toMatch(/^http:\/\/localhost:3000\/callback\?code=[0-9A-Za-z]{32}&state=xyz$/);
  expect(lines[2]).toMatch(/^\{"access_token":"[^"]+","expires_in":7200,"refresh_token":"[^"]+","openid":"o[\w-]{27}","scope":"snsapi_base"\}$/);
  expect(lines[3]).toMatch(/^\{"errcode":48001,"errmsg":"api unauthorized, rid: /);
  expect(lines[4]).toMatch(/"scope":"snsapi_userinfo","unionid":"o[\w-]{27}"\}$/);
  expect(lines[5]).toBe('{"all":false,"personas":["lina"]}');
  expect(lines[6]).toMatch(/"scope":"snsapi_base","is_snapshotuser":1\}$/);
  const realOpenid = /"openid":"([^"]+)"/.exec(lines[2] ?? '')?.[1];
  expect(lines[6]).not.toContain(String(realOpenid));
});

it('the README quick-login curl sequence: the switch, the probe, 快速登录, 405 with a code that is the persona’s and works once, off', async () => {
  const readme = readFileSync(new URL('../../emulator/README.md', import.meta.url), 'utf8');
  const script = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((block) => block.includes('desktop-client/confirm'));
  if (!script) throw new Error('no quick-login curl sequence in the README');
  const { stdout } = await promisify(execFile)('bash', ['-euc', script.replaceAll('127.0.0.1:9090', `127.0.0.1:${port}`)]);
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^\{"persona":"lina","nickname":"李娜","headimgurl":"http:\/\/127\.0\.0\.1:\d+\/mmopen\/vi_32\/[^"]+\/132"\}$/);
  expect(lines[1]).toMatch(/^\{"signedIn":true,"nickname":"李娜","avatar":"\/mmopen\/vi_32\/[^"]+\/96"\}$/);
  expect(lines[2]).toBe('{"ok":true}');
  expect(lines[3]).toMatch(/^window\.wx_errcode=405;window\.wx_code='[0-9A-Za-z]{32}';$/);
  expect(lines[4]).toMatch(/"scope":"snsapi_login","unionid":"o[\w-]{27}"\}$/);
  expect(lines[5]).toMatch(/^\{"errcode":40163,"errmsg":"code been used, rid: /);
  expect(lines[6]).toBe('{"persona":null}');
});
