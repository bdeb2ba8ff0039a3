/**
 * phpCAS 1.6.0 (Debian php-cas, /usr/share/php/CAS.php) signs people in through wecas: PHP's built-in server
 * serves fixtures/phpcas/*.php; wecas serves HTTPS with a self-signed certificate that phpCAS is told to trust
 * (phpCAS only speaks https to a CAS server, and refuses to run without a CA or an explicit "no validation").
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortTicket } from '../../src/cas/errors.js';
import type { ChildServer } from '../support/child-server.js';
import { HttpAgent } from '../support/http-agent.js';
import { TEST_USER, type WecasServer } from '../support/server.js';
import { jsonOf, signInThroughCas } from './cas-sign-in.js';
import { type PhpCasSetup, startPhpCasPages } from './phpcas-server.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'phpcas');

let wecas: WecasServer;
let php: ChildServer;
let appOrigin: string;
let setup: PhpCasSetup | undefined;

beforeAll(async () => {
  setup = await startPhpCasPages(FIXTURES, 'phpCAS pages');
  ({ wecas, php, appOrigin } = setup);
});

afterAll(async () => {
  await setup?.close();
});

describe('phpCAS 1.6.0 against wecas over verified HTTPS', () => {
  it.each([
    { version: '2.0', page: 'v2.php', endpoint: '/cas/serviceValidate' },
    { version: '3.0', page: 'v3.php', endpoint: '/cas/p3/serviceValidate' },
  ])(
    'CAS $version: forceAuthentication → wecas login → ticket validated at $endpoint → the page shows the user and attributes',
    async ({ page, endpoint }) => {
      const agent = new HttpAgent({ caFile: wecas.caCertFile });
      const pageUrl = `${appOrigin}/${page}`;
      const signIn = await signInThroughCas(agent, pageUrl, wecas.casUrl);

      // phpCAS sends the browser to https://<host>:<port>/cas/login with its page as the service.
      expect(signIn.toLoginForm.map((r) => r.status)).toEqual([302, 200]);
      expect(signIn.toLoginForm[0]!.location).toBe(`${wecas.casUrl}/login?service=${encodeURIComponent(pageUrl)}`);
      expect(signIn.continuation.location).toBe(`${pageUrl}?ticket=${signIn.ticket}`);

      // phpCAS validated over TLS at the endpoint of its protocol version, then redirected to the page without the ticket.
      const validation = `GET ${endpoint}?service=${encodeURIComponent(pageUrl)}&ticket=${signIn.ticket}`;
      expect(wecas.requests, php.output()).toContain(validation);
      expect(signIn.backToApp.map((r) => [r.status, r.location])).toEqual([
        [302, pageUrl],
        [200, undefined],
      ]);

      const shown = jsonOf(signIn.page);
      expect(shown.user).toBe(TEST_USER.username);
      // wecas releases attributes on /serviceValidate too (CAS_V2_ATTRIBUTES), and phpCAS reads them there as well.
      expect(shown.attributes).toMatchObject({
        mail: 'alice@example.org', // phpCAS: one value → a string
        memberOf: ['staff', 'faculty'], // several → an array, in document order
        displayName: TEST_USER.displayName, // UTF-8 intact
        isFromNewLogin: 'true',
        credentialType: 'UsernamePasswordCredential',
      });

      // The session now answers without CAS.
      const again = await agent.get(pageUrl);
      expect(again.status).toBe(200);
      expect(jsonOf(again).user).toBe(TEST_USER.username);
    },
  );

  it('a replayed ticket signs nobody in: phpCAS shows its failure page', async () => {
    const pageUrl = `${appOrigin}/v3.php`;
    const first = await signInThroughCas(new HttpAgent({ caFile: wecas.caCertFile }), pageUrl, wecas.casUrl);
    const replay = await new HttpAgent({ caFile: wecas.caCertFile }).get(`${pageUrl}?ticket=${first.ticket}`);
    expect(replay.status).toBe(200); // phpCAS answers its error page with 200
    expect(replay.body).toContain('CAS Authentication failed!');
    expect(replay.body).toContain('INVALID_TICKET');
  });

  it('single logout: wecas /logout POSTs a LogoutRequest that phpCAS accepts and that ends its session', async () => {
    const agent = new HttpAgent({ caFile: wecas.caCertFile });
    const pageUrl = `${appOrigin}/v3.php`;
    const { ticket } = await signInThroughCas(agent, pageUrl, wecas.casUrl);
    expect((await agent.get(pageUrl)).status).toBe(200);

    const logout = await agent.get(`${wecas.casUrl}/logout`);
    expect(logout.status).toBe(200);
    await wecas.ctx.singleLogout.settled();
    const delivered = (await wecas.auditDetails('slo.sent')).filter((d) => d.ticket === shortTicket(ticket));
    expect(delivered, php.output()).toEqual([expect.objectContaining({ service: pageUrl, status: 200 })]);

    // The phpCAS session (named after the ticket) is gone: the page sends the browser to CAS again.
    const after = await agent.get(pageUrl);
    expect(after.status).toBe(302);
    expect(after.location).toBe(`${wecas.casUrl}/login?service=${encodeURIComponent(pageUrl)}`);
  });

  it('phpCAS really verifies the certificate: trusting only the system CAs, it refuses to validate the ticket', async () => {
    const agent = new HttpAgent({ caFile: wecas.caCertFile });
    const pageUrl = `${appOrigin}/untrusted-ca.php`;
    const signIn = await signInThroughCas(agent, pageUrl, wecas.casUrl);
    expect(signIn.backToApp[0]!.status).toBe(200); // phpCAS's error page, no redirect to the page
    expect(signIn.page.body).toMatch(/Authentication failure|CAS Authentication failed/i);
    expect(signIn.page.body).not.toContain(`"user"`);
    expect(wecas.requests.some((r) => r.includes(signIn.ticket) && r.includes('serviceValidate'))).toBe(false);
  });
});
