/**
 * The npm package http-cas-client (0.4.x) protecting a node:http page (fixtures/http-cas-client-app.cjs, run as
 * a child process) signs people in through wecas over HTTPS; its axios trusts wecas's self-signed certificate
 * through NODE_EXTRA_CA_CERTS.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shortTicket } from '../../src/cas/errors.js';
import { type ChildServer, startChildServer } from '../support/child-server.js';
import { HttpAgent } from '../support/http-agent.js';
import { loopbackService, startWecas, TEST_USER, type WecasServer } from '../support/server.js';
import { jsonOf, signInThroughCas } from './cas-sign-in.js';

const APP = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'http-cas-client-app.cjs');

let wecas: WecasServer;
const apps = new Map<2 | 3, { server: ChildServer; origin: string }>();

async function startClientApp(version: 2 | 3) {
  const server = await startChildServer(process.execPath, [APP], {
    env: { CAS_URL: wecas.casUrl, CAS_VERSION: String(version), NODE_EXTRA_CA_CERTS: wecas.caCertFile! },
    readyLine: /listening (\d+)/,
  });
  const origin = `http://127.0.0.1:${server.ready![1]}`;
  await wecas.ctx.services.add(loopbackService(`http-cas-client CAS ${version}`, origin));
  apps.set(version, { server, origin });
}

beforeAll(async () => {
  wecas = await startWecas({ https: true });
  await Promise.all([startClientApp(2), startClientApp(3)]);
});

afterAll(async () => {
  await Promise.all([...apps.values()].map((a) => a.server.stop()));
  await wecas?.close();
});

describe('http-cas-client 0.4 against wecas over HTTPS', () => {
  it.each([
    { version: 3 as const, endpoint: '/cas/p3/serviceValidate' },
    { version: 2 as const, endpoint: '/cas/serviceValidate' },
  ])('cas: $version — redirect to wecas, sign in, ticket validated at $endpoint, the page shows the user', async ({ version, endpoint }) => {
    const { origin, server } = apps.get(version)!;
    const agent = new HttpAgent({ caFile: wecas.caCertFile });
    const pageUrl = `${origin}/reports?year=2026`;
    const signIn = await signInThroughCas(agent, pageUrl, wecas.casUrl);

    // The service is serverName + the request's path and query.
    expect(signIn.toLoginForm[0]!.location).toBe(`${wecas.casUrl}/login?service=${encodeURIComponent(pageUrl)}`);
    expect(signIn.continuation.location).toBe(`${pageUrl}&ticket=${signIn.ticket}`);
    expect(wecas.requests, server.output()).toContain(`GET ${endpoint}?service=${encodeURIComponent(pageUrl)}&ticket=${signIn.ticket}`);
    expect(signIn.backToApp.map((r) => [r.status, r.location])).toEqual([
      [302, pageUrl],
      [200, undefined],
    ]);

    const shown = jsonOf(signIn.page);
    expect(shown.user).toBe(TEST_USER.username);
    if (version === 3) {
      expect(shown.attributes).toMatchObject({
        mail: 'alice@example.org', // one value → a string
        memberOf: ['staff', 'faculty'], // several → an array
        displayName: TEST_USER.displayName,
        isFromNewLogin: 'true',
      });
    } else {
      // CAS 2 mode reads no attributes, though wecas sends them on /serviceValidate.
      expect(shown.attributes).toBeNull();
    }
  });

  it('a replayed ticket signs nobody in: wecas answers INVALID_TICKET and the client throws', async () => {
    const { origin } = apps.get(3)!;
    const first = await signInThroughCas(new HttpAgent({ caFile: wecas.caCertFile }), `${origin}/`, wecas.casUrl);
    const replay = await new HttpAgent({ caFile: wecas.caCertFile }).get(`${origin}/?ticket=${first.ticket}`);
    expect(replay.status).toBe(502); // the fixture's answer to the client's CasAgentAuthenticationError
    expect(replay.body).toContain('Ticket error authentication failed');
    expect(replay.headers['set-cookie']).toBeUndefined();
  });

  it('single logout: the back-channel POST to the service URL invalidates the ticket the client keeps', async () => {
    const { origin } = apps.get(3)!;
    const agent = new HttpAgent({ caFile: wecas.caCertFile });
    const pageUrl = `${origin}/`;
    const { ticket } = await signInThroughCas(agent, pageUrl, wecas.casUrl);
    expect((await agent.get(pageUrl)).status).toBe(200);

    expect((await agent.get(`${wecas.casUrl}/logout`)).status).toBe(200);
    await wecas.ctx.singleLogout.settled();
    expect((await wecas.auditDetails('slo.sent')).filter((d) => d.ticket === shortTicket(ticket))).toEqual([
      expect.objectContaining({ service: pageUrl, status: 200 }),
    ]);

    const after = await agent.get(pageUrl);
    expect(after.status).toBe(302);
    expect(after.location).toBe(`${wecas.casUrl}/login?service=${encodeURIComponent(pageUrl)}`);
  });
});
