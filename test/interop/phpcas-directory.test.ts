/**
 * Accounts that live in a university's LDAP, end to end through phpCAS 1.6.0 (Debian php-cas): wecas over HTTPS
 * with DIRECTORIES=local,ldap against a real slapd seeded with students and staff, and WeChat through the emulator
 * on its own port. What the application sees is what phpCAS parsed from wecas's validation answer.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulatorApp, createEmulator } from '../../emulator/app.js';
import type { ConsoleSmsSender } from '../../src/sms/console-sender.js';
import type { ChildServer } from '../support/child-server.js';
import { HttpAgent, type HttpResponse } from '../support/http-agent.js';
import { type LdapServer, startLdapServer } from '../support/ldap.js';
import { BASE_DN, DISABLED_FILTER, OPENLDAP_ACCOUNTS, SERVICE_ACCOUNT } from '../support/ldap-tree.js';
import { freePort, type WecasServer } from '../support/server.js';
import { jsonOf, signInThroughCas } from './cas-sign-in.js';
import { type PhpCasSetup, startPhpCasPages } from './phpcas-server.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'phpcas');
const WECHAT_APP = { appId: 'wx2024ed0ca5d1ec70', appSecret: 'directory-interop-emulator-secret-01' };

let ldap: LdapServer;
let emulator: FastifyInstance;
let emulatorUrl: string;
let setup: PhpCasSetup | undefined;
let wecas: WecasServer;
let php: ChildServer;
let pageUrl: string;

beforeAll(async () => {
  ldap = await startLdapServer();
  // The emulator listens first: wecas is configured with its address, and it accepts any callback on 127.0.0.1.
  const port = await freePort();
  emulatorUrl = `http://127.0.0.1:${port}`;
  const options = {
    apps: [{ ...WECHAT_APP, name: '某大学统一身份认证', callbackDomain: '127.0.0.1' }],
    publicBaseUrl: emulatorUrl,
    testControl: true,
  };
  emulator = await buildEmulatorApp({ ...options, emulator: createEmulator(options) });
  await emulator.listen({ port, host: '127.0.0.1' });
  setup = await startPhpCasPages(FIXTURES, 'phpCAS directory pages', {
    DIRECTORIES: 'local,ldap',
    LDAP_URL: ldap.url,
    LDAP_BIND_DN: SERVICE_ACCOUNT.dn,
    LDAP_BIND_PASSWORD: SERVICE_ACCOUNT.password,
    LDAP_BASE_DN: BASE_DN,
    LDAP_DISABLED_FILTER: DISABLED_FILTER,
    LDAP_GROUP_FORMAT: 'name',
    LDAP_CONNECT_TIMEOUT_MS: '1000',
    LDAP_TIMEOUT_MS: '1000',
    WECHAT_APP_ID: WECHAT_APP.appId,
    WECHAT_APP_SECRET: WECHAT_APP.appSecret,
    WECHAT_OPEN_BASE_URL: emulatorUrl,
    WECHAT_API_BASE_URL: emulatorUrl,
  });
  ({ wecas, php } = setup);
  pageUrl = `${setup.appOrigin}/v3.php`;
}, 60_000);

afterAll(async () => {
  await setup?.close();
  await emulator?.close();
  await ldap?.close();
});

// Distinct people per test, so no test depends on another's links or sessions.
const [student, firstScanner, phoneBinder, disabledLater, duringOutage, unprovedHolder] = OPENLDAP_ACCOUNTS.filter((a) => !a.disabled && a.phone);
const disabledAccount = OPENLDAP_ACCOUNTS.find((a) => a.disabled)!;

const agentFor = () => new HttpAgent({ caFile: wecas.caCertFile });

/** The page follows the way back to the application, whatever redirects wecas answers with, and ends at the page. */
async function onToThePage(agent: HttpAgent, answer: HttpResponse): Promise<HttpResponse> {
  expect([302, 303], `${answer.status} ${answer.url}\n${answer.body.slice(0, 1500)}`).toContain(answer.status);
  const hops = await agent.follow(answer.location!);
  return hops.at(-1)!;
}

/** The protected page sends the browser to wecas; the person picks WeChat there and scans with `persona`. */
async function scanWeChat(agent: HttpAgent, persona: string): Promise<HttpResponse> {
  const toLogin = await agent.follow(pageUrl);
  const form = toLogin.at(-1)!;
  expect(form.url.startsWith(`${wecas.casUrl}/login?`)).toBe(true);
  const wechatLink = /href="([^"]*\/login\/wechat\?[^"]*)"/.exec(form.body)?.[1];
  expect(wechatLink, 'the login page offers WeChat').toBeTruthy();
  const start = await agent.get(new URL(wechatLink!.replaceAll('&amp;', '&'), form.url).href);
  expect(start.status, start.body.slice(0, 500)).toBe(302);
  const qr = new URL(start.location!.replace(/#wechat_redirect$/, ''));
  expect(qr.origin).toBe(emulatorUrl);
  qr.searchParams.set('f', 'xml');
  const uuid = /CDATA\[([^\]]+)\]/.exec((await agent.get(qr.href)).body)?.[1];
  expect(uuid, 'the emulator gave a QR uuid').toBeTruthy();
  const confirmed = (await control(`/qr/${uuid}/confirm`, { persona })) as { redirectUrl: string };
  return agent.get(confirmed.redirectUrl);
}

async function newPersona(nickname: string): Promise<string> {
  return ((await control('/personas', { nickname, avatar: false })) as { id: string }).id;
}

async function control(route: string, body: unknown): Promise<unknown> {
  const res = await fetch(`${emulatorUrl}/__control${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`emulator ${route}: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The single-use form token of a freshly fetched bind page (each form post spends one). */
async function bindPage(agent: HttpAgent): Promise<{ page: HttpResponse; execution: string }> {
  const page = await agent.get(`${wecas.casUrl}/login/wechat/bind`);
  expect(page.status, page.body.slice(0, 1000)).toBe(200);
  const execution = /name="execution" value="([^"]+)"/.exec(page.body)?.[1];
  if (!execution) throw new Error(`no form token on the bind page:\n${page.body.slice(0, 1000)}`);
  return { page, execution };
}

function latestCode(phone: string): string {
  const message = (wecas.ctx.sms.sender as ConsoleSmsSender).list().find((m) => m.phone === phone);
  if (!message) throw new Error(`no SMS code for ${phone} in the outbox`);
  return message.code;
}

async function recheckRound() {
  await wecas.ctx.kv.delete('directory-recheck');
  return wecas.ctx.directoryRecheck.run();
}

describe('phpCAS and accounts in LDAP', () => {
  it('a student signs in with 学号 and LDAP password: the application sees the 学号, the Chinese name and the groups', async () => {
    const agent = agentFor();
    const signIn = await signInThroughCas(agent, pageUrl, wecas.casUrl, { username: student!.login, password: student!.password });
    const shown = jsonOf(signIn.page);
    expect(shown.user).toBe(student!.login);
    expect(shown.attributes).toMatchObject({ displayName: student!.displayName });
    const groups = ([] as string[]).concat((shown.attributes?.memberOf as string[] | string | undefined) ?? []);
    expect(groups.sort()).toEqual(student!.groups.map((dn) => /^cn=([^,]+)/.exec(dn)![1]!).sort());
  });

  it('a first WeChat scan is linked by 学号 and password; the second scan signs in directly, as the 学号', async () => {
    const persona = await newPersona('第一次扫码');
    const agent = agentFor();
    const callback = await scanWeChat(agent, persona);
    expect(callback.location).toBe(`${wecas.casUrl}/login/wechat/bind`);
    const { page, execution } = await bindPage(agent);
    expect(page.body).toContain('第一次扫码');
    const linked = await agent.postForm(`${wecas.casUrl}/login/wechat/bind/account`, {
      execution,
      username: firstScanner!.login,
      password: firstScanner!.password,
    });
    const first = await onToThePage(agent, linked);
    expect(jsonOf(first).user).toBe(firstScanner!.login);

    // Another browser, the same WeChat: no bind page, straight back to the application.
    const again = agentFor();
    const second = await scanWeChat(again, persona);
    expect(second.location?.startsWith(`${pageUrl}?ticket=ST-`) || second.location?.startsWith(wecas.casUrl), second.location).toBe(true);
    expect(second.location).not.toBe(`${wecas.casUrl}/login/wechat/bind`);
    expect(jsonOf(await onToThePage(again, second)).user).toBe(firstScanner!.login);
  });

  it('a first WeChat scan is linked by the phone LDAP holds: by its SMS code once that number has signed in to the account, else with the password too', async () => {
    /** A new WeChat person on the bind page, asking a code for `phone` and entering it: the bind POST's answer. */
    async function bindByPhone(nickname: string, phone: string) {
      const agent = agentFor();
      expect((await scanWeChat(agent, await newPersona(nickname))).location).toBe(`${wecas.casUrl}/login/wechat/bind`);
      const sent = await agent.postForm(`${wecas.casUrl}/login/wechat/bind/send`, { phone, execution: (await bindPage(agent)).execution });
      expect(sent.status, sent.body.slice(0, 1000)).toBe(200);
      const answer = await agent.postForm(`${wecas.casUrl}/login/wechat/bind`, {
        phone,
        code: latestCode(phone),
        execution: (await bindPage(agent)).execution,
      });
      return { agent, answer };
    }

    // A number LDAP holds but nobody ever signed in with may have been re-issued (二次放号): the password is asked too.
    const unproved = await bindByPhone('手机未验证', unprovedHolder!.phone!);
    expect(unproved.answer.status).toBe(403);
    expect(unproved.answer.body).toContain('link with its login name and password instead');

    // The same number once it has signed in to the account (here: as an SMS-code sign-in would have recorded it).
    await signInThroughCas(agentFor(), pageUrl, wecas.casUrl, { username: phoneBinder!.login, password: phoneBinder!.password });
    const record = (await wecas.ctx.db
      .selectFrom('users')
      .select('id')
      .where('directory', '=', 'ldap')
      .orderBy('created_at', 'desc')
      .executeTakeFirst())!;
    await wecas.ctx.users.markPhoneProved(record.id, phoneBinder!.phone!);
    const proved = await bindByPhone('手机绑定', phoneBinder!.phone!);
    expect(jsonOf(await onToThePage(proved.agent, proved.answer)).user).toBe(phoneBinder!.login);
  });

  it('a disabled LDAP account is refused; an account disabled after sign-in loses its sessions, phpCAS included', async () => {
    const refused = agentFor();
    const toLogin = (await refused.follow(pageUrl)).at(-1)!;
    const execution = /name="execution" value="([^"]+)"/.exec(toLogin.body)![1]!;
    const answer = await refused.postForm(toLogin.url, { execution, username: disabledAccount.login, password: disabledAccount.password });
    expect(answer.status).toBe(401);
    expect(answer.body).toContain('This account is disabled');

    const agent = agentFor();
    const { ticket } = await signInThroughCas(agent, pageUrl, wecas.casUrl, { username: disabledLater!.login, password: disabledLater!.password });
    expect(jsonOf(await agent.get(pageUrl)).user).toBe(disabledLater!.login);
    await ldap.modify(disabledLater!.dn, { employeeType: 'disabled' });
    expect(await recheckRound()).toMatchObject({ ended: 1 });
    await wecas.ctx.singleLogout.settled();
    const delivered = (await wecas.auditDetails('slo.sent')).filter((d) => d.service === pageUrl);
    expect(delivered, php.output()).toContainEqual(expect.objectContaining({ status: 200 }));
    expect(ticket).toMatch(/^ST-/);
    // phpCAS's session is gone, and wecas's too: the page sends the browser to the login form again.
    const after = await agent.follow(pageUrl);
    expect(after.at(-1)!.url.startsWith(`${wecas.casUrl}/login?`)).toBe(true);
    expect(after.at(-1)!.body).toContain('id="password-form"');
  });

  it('LDAP stopped mid-way: the sign-in page says the account service is unavailable (503); it recovers by itself', async () => {
    await ldap.stop();
    try {
      const agent = agentFor();
      const toLogin = (await agent.follow(pageUrl)).at(-1)!;
      const execution = /name="execution" value="([^"]+)"/.exec(toLogin.body)![1]!;
      const answer = await agent.postForm(toLogin.url, { execution, username: duringOutage!.login, password: duringOutage!.password });
      expect(answer.status).toBe(503);
      expect(answer.body).toContain('The account service is unavailable right now');
    } finally {
      await ldap.start();
    }
    const signIn = await signInThroughCas(agentFor(), pageUrl, wecas.casUrl, { username: duringOutage!.login, password: duringOutage!.password });
    expect(jsonOf(signIn.page).user).toBe(duringOutage!.login);
  });
});
