/**
 * The production path under test: the working tree compiled and installed with dependencies only
 * (test/support/production-install.ts), run as a deployment runs it, `node bin/wecas.js start` in the install
 * directory with NODE_ENV=production, HTTPS served by wecas itself, a SQLite file, SMS through the Aliyun SDK to a
 * signature-checking fake, and WeChat through the real-deployment variables to the standalone emulator. The user and
 * the service are registered with the installed CLI. Then a real CAS client (phpCAS) signs in, readiness is checked,
 * an SMS code and a WeChat sign-in go all the way through, and SIGTERM ends the process cleanly.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { jsonOf, signInThroughCas } from '../interop/cas-sign-in.js';
import { FakeAliyunSms } from '../sms/fakes/fake-aliyun.js';
import { type ChildServer, startChildServer } from '../support/child-server.js';
import { HttpAgent, type HttpResponse } from '../support/http-agent.js';
import { createProductionInstall, DEV_ONLY_PACKAGES, type ProductionInstall, REPO_ROOT } from '../support/production-install.js';
import { freePort, TEST_USER } from '../support/server.js';
import { probe, requireServer } from '../support/servers.js';
import { selfSignedCertificate } from '../support/tls.js';

const PHPCAS_FIXTURES = path.join(REPO_ROOT, 'test', 'interop', 'fixtures', 'phpcas');
const ALIYUN = {
  accessKeyId: 'LTAI5tProductionTest',
  accessKeySecret: 'aliyun-production-test-secret',
  signName: '测试签名',
  templateCode: 'SMS_000042',
};
const WECHAT_APP = { appId: 'wx5e1ec7ed0a11c0de', appSecret: 'production-test-emulator-secret-0123' };
const ALICE_PHONE = '+8613800138000';
/** A person with a phone and no password: an SMS code alone signs them in (a password account's number must have signed in before). */
const SMS_PERSON = { username: 'wangfang', phone: '+8613700137000' };

// phpCAS is what proves a real CAS client signs in. Locally a machine without it skips that one test, saying why;
// under CI=true (where `npm test`'s pretest installs php-cli and php-cas) its absence fails this file.
const phpAvailable = requireServer(
  'PHP and phpCAS (php-cli, php-cas)',
  await probe(async () => {
    await new Promise<void>((resolve, reject) => execFile('php', ['-v'], (err) => (err ? reject(err) : resolve())));
    await access('/usr/share/php/CAS.php');
  }),
);

let install: ProductionInstall | undefined;
let workDir: string;
let wecasPort: number;
let origin: string;
let casUrl: string;
let certFile: string;
let wecasEnv: Record<string, string>;
let wecas: ChildServer | undefined;
let emulatorUrl: string;
let emulatorPort: number;
let appOrigin: string;
let fake: FakeAliyunSms | undefined;
let idleRssKb: number | undefined;
const cliOutput: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  workDir = await mkdtemp(path.join(tmpdir(), 'wecas-production-test-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));
  [wecasPort, emulatorPort, appOrigin] = await distinctPorts(3).then(([a, b, c]) => [a!, b!, `http://127.0.0.1:${c}`] as const);
  origin = `https://127.0.0.1:${wecasPort}`;
  casUrl = `${origin}/cas`;
  emulatorUrl = `http://127.0.0.1:${emulatorPort}`;

  // The slow parts side by side: the build and install (~10 s), the emulator under tsx, the certificate, the fake.
  const [installed, emulator, certificate, aliyun] = await Promise.allSettled([
    createProductionInstall(),
    startChildServer(process.execPath, ['--import', 'tsx', 'emulator/main.ts'], {
      cwd: REPO_ROOT,
      port: emulatorPort,
      timeoutMs: 30_000,
      env: {
        NODE_ENV: 'development',
        EMULATOR_PORT: String(emulatorPort),
        EMULATOR_PUBLIC_URL: emulatorUrl,
        EMULATOR_APPS: JSON.stringify([{ ...WECHAT_APP, name: 'wecas production test', callbackDomain: `127.0.0.1:${wecasPort}` }]),
      },
    }),
    selfSignedCertificate(),
    new FakeAliyunSms({
      accessKeys: { [ALIYUN.accessKeyId]: ALIYUN.accessKeySecret },
      signName: ALIYUN.signName,
      templateCode: ALIYUN.templateCode,
    }).start(),
  ]);
  if (installed.status === 'fulfilled') cleanups.push(() => installed.value.remove());
  if (emulator.status === 'fulfilled') cleanups.push(() => emulator.value.stop());
  if (aliyun.status === 'fulfilled') cleanups.push(() => aliyun.value.close());
  for (const step of [installed, emulator, certificate, aliyun]) if (step.status === 'rejected') throw step.reason;
  install = (installed as PromiseFulfilledResult<ProductionInstall>).value;
  fake = (aliyun as PromiseFulfilledResult<FakeAliyunSms>).value;
  const { cert, key } = (certificate as PromiseFulfilledResult<{ cert: string; key: string }>).value;
  certFile = path.join(workDir, 'cert.pem');
  const keyFile = path.join(workDir, 'key.pem');
  await writeFile(certFile, cert);
  await writeFile(keyFile, key, { mode: 0o600 });

  wecasEnv = {
    NODE_ENV: 'production',
    NODE_OPTIONS: '', // nothing of the test runner's: no loader, no flags
    HOST: '127.0.0.1',
    PORT: String(wecasPort),
    PUBLIC_URL: origin,
    TLS_CERT_FILE: certFile,
    TLS_KEY_FILE: keyFile,
    DATABASE_URL: `sqlite:${path.join(workDir, 'wecas.db')}`,
    SMS_CODE_SECRET: randomBytes(32).toString('hex'),
    SMS_PROVIDER: 'aliyun',
    ALIYUN_ACCESS_KEY_ID: ALIYUN.accessKeyId,
    ALIYUN_ACCESS_KEY_SECRET: ALIYUN.accessKeySecret,
    ALIYUN_SMS_SIGN_NAME: ALIYUN.signName,
    ALIYUN_SMS_TEMPLATE_CODE: ALIYUN.templateCode,
    ALIYUN_SMS_ENDPOINT: `http://${fake.endpoint}`,
    WECHAT_APP_ID: WECHAT_APP.appId,
    WECHAT_APP_SECRET: WECHAT_APP.appSecret,
    WECHAT_OPEN_BASE_URL: emulatorUrl,
    WECHAT_API_BASE_URL: emulatorUrl,
    LOG_LEVEL: 'info',
    // Loopback calls must not go through a proxy the machine may have configured.
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
  };

  // The person and the application, registered as an operator would: with the installed CLI, one after the other
  // (each migrates the database first).
  cliOutput.push(
    await wecasCli([
      'user',
      'add',
      TEST_USER.username,
      '--password',
      TEST_USER.password,
      '--phone',
      ALICE_PHONE,
      '--name',
      TEST_USER.displayName,
      ...Object.entries(TEST_USER.attributes).flatMap(([key, values]) => values.flatMap((v) => ['--attr', `${key}=${v}`])),
    ]),
  );
  cliOutput.push(await wecasCli(['user', 'add', SMS_PERSON.username, '--phone', SMS_PERSON.phone]));
  const escapedApp = appOrigin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  cliOutput.push(
    await wecasCli([
      'service',
      'add',
      `^${escapedApp}(/.*)?$`,
      '--regex',
      '--name',
      'phpCAS pages',
      '--attributes',
      'displayName,mail,memberOf,phone',
    ]),
  );

  wecas = await startChildServer(process.execPath, ['bin/wecas.js', 'start'], {
    cwd: install.dir,
    env: wecasEnv,
    port: wecasPort,
    timeoutMs: 30_000,
  });
  cleanups.push(() => wecas!.stop());
  // Idle resident memory, before any request: for information only (bench/ measures memory, tests never assert it).
  await new Promise((resolve) => setTimeout(resolve, 1500));
  idleRssKb = vmRssKb(wecas.process.pid!);

  if (phpAvailable) {
    const sessionsDir = path.join(workDir, 'php-sessions');
    await mkdir(sessionsDir);
    const phpPort = Number(new URL(appOrigin).port);
    const php = await startChildServer(
      'php',
      ['-S', `127.0.0.1:${phpPort}`, '-t', PHPCAS_FIXTURES, '-d', `session.save_path=${sessionsDir}`, '-d', 'display_errors=stderr'],
      {
        port: phpPort,
        // The fixture pages read these: wecas's host and port, the CA file to trust, and their own base URL.
        env: { WECAS_HOST: '127.0.0.1', WECAS_PORT: String(wecasPort), WECAS_CA_FILE: certFile, SERVICE_BASE_URL: appOrigin },
      },
    );
    cleanups.push(() => php.stop());
  }
}, 120_000);

afterAll(async () => {
  // Everything started is stopped and every directory deleted, newest first, whatever failed before.
  for (const cleanup of cleanups.reverse()) await cleanup().catch((err: unknown) => console.error('cleanup failed:', err));
}, 30_000);

describe('wecas installed for production (compiled, dependencies only) and run as a child process', () => {
  it('the install holds the compiled server and the production dependencies only; npm warned of no engine mismatch', async () => {
    const { dir, npmOutput, topLevelPackages, devPackagesPresent, productionPackagesMissing } = install!;
    expect(npmOutput).not.toMatch(/EBADENGINE/);
    for (const name of DEV_ONLY_PACKAGES) {
      expect(topLevelPackages, `${name} must not be installed`).not.toContain(name);
      expect(existsSync(path.join(dir, 'node_modules', name)), `node_modules/${name}`).toBe(false);
    }
    expect(devPackagesPresent).toEqual([]);
    expect(productionPackagesMissing).toEqual([]);
    for (const name of ['fastify', 'better-sqlite3', '@alicloud/dysmsapi20170525', 'tencentcloud-sdk-nodejs-sms'])
      expect(topLevelPackages).toContain(name);
    expect(existsSync(path.join(dir, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(path.join(dir, 'dist', 'http', 'pages', 'views', 'login.eta'))).toBe(true);
    expect(existsSync(path.join(dir, 'src'))).toBe(false);
    expect(JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')).name).toBe('wecas');
  });

  it('the installed CLI registered the user and the service in the SQLite file', async () => {
    expect(cliOutput[0]).toContain(`Added user ${TEST_USER.username}`);
    expect(cliOutput[1]).toContain(`Added user ${SMS_PERSON.username}`);
    expect(cliOutput[2]).toMatch(/phpCAS pages/);
    const services = await wecasCli(['service', 'list']);
    expect(services).toContain('phpCAS pages');
    const users = await wecasCli(['user', 'list']);
    expect(users).toContain(TEST_USER.username);
    expect(users).toContain(ALICE_PHONE);
  });

  it('logs its idle resident memory (information only, never asserted)', () => {
    console.log(
      `production wecas (compiled, dependencies only, NODE_ENV=production, HTTPS, SMS aliyun): idle VmRSS ${idleRssKb === undefined ? 'unknown' : `${(idleRssKb / 1024).toFixed(1)} MB`} 1.5 s after it listened`,
    );
  });

  it('/health/ready: 200, every check ok (database, WeChat at the emulator, SMS provider aliyun)', async () => {
    const res = await new HttpAgent({ caFile: certFile }).get(`${origin}/health/ready`);
    expect(res.status, res.body).toBe(200);
    expect(res.headers['cache-control']).toContain('no-store');
    const report = JSON.parse(res.body) as { status: string; checks: Record<string, { ok: boolean; [fact: string]: unknown }> };
    expect(report.status).toBe('ready');
    expect(Object.keys(report.checks).sort()).toEqual(['database', 'sms', 'wechat']);
    for (const [name, check] of Object.entries(report.checks)) expect(check.ok, `${name}: ${JSON.stringify(check)}`).toBe(true);
    expect(report.checks.wechat).toMatchObject({ configured: true, api: `127.0.0.1:${emulatorPort}` });
    expect(report.checks.sms).toMatchObject({ provider: 'aliyun' });
  });

  it.runIf(phpAvailable)(
    'phpCAS (CAS 3.0, verifying the self-signed certificate) signs the user in: the page shows the user and attributes',
    async () => {
      const agent = new HttpAgent({ caFile: certFile });
      const pageUrl = `${appOrigin}/v3.php`;
      const signIn = await signInThroughCas(agent, pageUrl, casUrl);
      expect(signIn.toLoginForm[0]!.location).toBe(`${casUrl}/login?service=${encodeURIComponent(pageUrl)}`);
      expect(
        signIn.backToApp.map((r) => r.status),
        wecas!.output().slice(-4000),
      ).toEqual([302, 200]);
      const shown = jsonOf(signIn.page);
      expect(shown.user).toBe(TEST_USER.username);
      expect(shown.attributes).toMatchObject({
        mail: 'alice@example.org',
        memberOf: ['staff', 'faculty'],
        displayName: TEST_USER.displayName,
        phone: ALICE_PHONE,
        credentialType: 'UsernamePasswordCredential',
      });
      // phpCAS validated the ticket at wecas over TLS: the request is in wecas's own log. The line is written when
      // the answer has gone and read from the child's pipe in its own time, so it may come just after the page.
      await vi.waitFor(() => expect(wecas!.output()).toContain(`/cas/p3/serviceValidate?service=${encodeURIComponent(pageUrl)}`), {
        timeout: 10_000,
        interval: 100,
      });
    },
  );

  it("the login page's SMS tab sends a code through the Aliyun SDK; the fake checks its signature; the code signs in", async () => {
    const agent = new HttpAgent({ caFile: certFile });
    const service = `${appOrigin}/v3.php`;
    const page = await agent.get(`${casUrl}/login?service=${encodeURIComponent(service)}&tab=sms`);
    expect(page.status, page.body).toBe(200);
    const send = formOf(page, 'sms-send-form');
    const sent = await agent.postForm(send.action, { ...send.fields, phone: SMS_PERSON.phone });
    expect(sent.status, sent.body.slice(0, 2000)).toBe(200);
    expect(sent.body).toContain('id="login-notice"');

    expect(fake!.refused).toEqual([]); // no signature, key, nonce or freshness refusal
    expect(fake!.delivered).toEqual([{ phone: SMS_PERSON.phone, code: expect.stringMatching(/^\d{6}$/) }]);
    const verify = formOf(sent, 'sms-verify-form');
    const verified = await agent.postForm(verify.action, { ...verify.fields, code: fake!.delivered[0]!.code });
    expect(verified.status, verified.body.slice(0, 2000)).toBe(303);
    // wecas's continuation, as an HTTP client follows it: the 302 to the service with the ticket.
    const signedIn = await agent.get(verified.location!);
    expect(signedIn.status, signedIn.body.slice(0, 2000)).toBe(302);
    expect(signedIn.location).toMatch(new RegExp(`^${escapeRegExp(service)}\\?ticket=ST-`));
  });

  it("WeChat: /cas/login/wechat → the emulator's qrconnect → the phone allows → wecas's callback (token, userinfo) → the bind page for a new person", async () => {
    const agent = new HttpAgent({ caFile: certFile });
    const service = `${appOrigin}/v3.php`;
    const start = await agent.get(`${casUrl}/login/wechat?service=${encodeURIComponent(service)}`);
    expect(start.status, start.body).toBe(302);
    const qrconnect = new URL(start.location!);
    expect(`${qrconnect.origin}${qrconnect.pathname}`).toBe(`${emulatorUrl}/connect/qrconnect`);
    expect(qrconnect.searchParams.get('appid')).toBe(WECHAT_APP.appId);
    expect(qrconnect.searchParams.get('redirect_uri')).toBe(`${casUrl}/login/wechat/callback`);

    qrconnect.hash = '';
    qrconnect.searchParams.set('f', 'xml');
    const qr = await fetch(qrconnect);
    const uuid = /CDATA\[([^\]]+)\]/.exec(await qr.text())?.[1];
    expect(uuid, 'the emulator gave a QR uuid').toBeTruthy();
    const persona = (await control('POST', '/personas', { nickname: 'Production Pan', avatar: false })) as { id: string };
    const confirmed = (await control('POST', `/qr/${uuid}/confirm`, { persona: persona.id })) as { redirectUrl: string };
    expect(confirmed.redirectUrl.startsWith(`${casUrl}/login/wechat/callback?code=`)).toBe(true);

    const callback = await agent.get(confirmed.redirectUrl);
    expect(callback.status, `${callback.body.slice(0, 2000)}\n${wecas!.output().slice(-4000)}`).toBe(302);
    expect(callback.location).toBe(`${casUrl}/login/wechat/bind`);
    const bind = await agent.get(callback.location!);
    expect(bind.status, bind.body.slice(0, 2000)).toBe(200);
    expect(bind.body).toContain('id="send-code-form"');
    expect(bind.body).toContain('Production Pan');
  });

  it('SIGTERM: the process shuts down cleanly, exit code 0, within a few seconds', async () => {
    const child = wecas!.process;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const outcome = await Promise.race([exited, new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 5000))]);
    expect(outcome, wecas!.output().slice(-4000)).toEqual({ code: 0, signal: null });
    expect(Date.now() - sentAt).toBeLessThan(5000);
    expect(wecas!.output()).toContain('shutting down');
  });
});

/** `node bin/wecas.js <args>` in the install directory with the server's environment; resolves to its output. */
function wecasCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['bin/wecas.js', ...args],
      { cwd: install!.dir, env: { ...process.env, ...wecasEnv }, timeout: 30_000 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`wecas ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr),
    );
  });
}

/** The emulator's test control API (`/__control/…`). */
async function control(method: 'GET' | 'POST', route: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${emulatorUrl}/__control${route}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /__control${route}: ${res.status} ${text}`);
  return JSON.parse(text);
}

/** A form of a page by its id: its absolute action and its hidden fields. */
function formOf(res: HttpResponse, id: string): { action: string; fields: Record<string, string> } {
  const form = new RegExp(`<form[^>]*id="${id}"[^>]*>([\\s\\S]*?)</form>`).exec(res.body);
  if (!form) throw new Error(`no form #${id} in ${res.url} (${res.status}):\n${res.body.slice(0, 2000)}`);
  const action = /action="([^"]*)"/.exec(form[0])?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const input of form[1]!.matchAll(/<input[^>]*type="hidden"[^>]*>/g)) {
    const name = /name="([^"]*)"/.exec(input[0])?.[1];
    if (name) fields[name] = unescapeHtml(/value="([^"]*)"/.exec(input[0])?.[1] ?? '');
  }
  return { action: new URL(unescapeHtml(action), res.url).href, fields };
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]!);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** VmRSS of a process in kB, from /proc/<pid>/status (Linux). */
function vmRssKb(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** `count` different free ports (the kernel may hand the same one out twice in a row). */
async function distinctPorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}
