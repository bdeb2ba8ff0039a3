/** The demo CAS application (examples/demo-app) against a real wecas: SSO between two instances, single logout. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoApp, startDemoApp } from '../../examples/demo-app/app.js';
import { parseServiceResponse, sessionIndexOf } from '../../examples/demo-app/cas-client.js';
import { logoutRequestXml } from '../../src/cas/single-logout.js';
import { signInThroughCas } from '../interop/cas-sign-in.js';
import { HttpAgent } from '../support/http-agent.js';
import { loopbackService, startWecas, TEST_USER, type WecasServer } from '../support/server.js';

let wecas: WecasServer;
let appA: DemoApp;
let appB: DemoApp;

beforeAll(async () => {
  wecas = await startWecas({ host: 'localhost' });
  [appA, appB] = await Promise.all([
    startDemoApp({ port: 0, casUrl: wecas.casUrl, name: 'App A' }),
    startDemoApp({ port: 0, casUrl: wecas.casUrl, name: 'App B' }),
  ]);
  for (const [name, app] of [
    ['App A', appA],
    ['App B', appB],
  ] as const)
    await wecas.ctx.services.add(loopbackService(name, app.url));
});

afterAll(async () => {
  await Promise.all([appA?.close(), appB?.close()]);
  await wecas?.close();
});

describe('demo app with wecas', () => {
  it('signs in at A with the form, at B without one (SSO), and signing out at A ends B too (back-channel SLO)', async () => {
    const agent = new HttpAgent();
    const a = await signInThroughCas(agent, `${appA.url}/login`, wecas.casUrl);
    expect(a.page.url).toBe(`${appA.url}/`);
    expect(a.page.body).toContain(`Signed in as <strong id="user">${TEST_USER.username}</strong>`);
    expect(a.page.body).toContain('<th>memberOf</th><td>staff<br>faculty</td>');
    expect(wecas.requests).toContain(`GET /cas/p3/serviceValidate?service=${encodeURIComponent(`${appA.url}/`)}&ticket=${a.ticket}`);

    // B asks CAS with gateway=true; the SSO session answers with a ticket, no form.
    const b = await agent.follow(`${appB.url}/`);
    expect(b.map((r) => r.status)).toEqual([302, 302, 302, 200]);
    expect(b[1]!.url).toMatch(new RegExp(`^${wecas.casUrl}/login\\?service=.*&gateway=true$`));
    expect(b.at(-1)!.body).toContain(`Signed in as <strong id="user">${TEST_USER.username}</strong>`);
    expect(appB.sessions.size).toBe(1);

    // A's sign-out link: A's session, then wecas's, then (back-channel) B's.
    const out = await agent.follow(`${appA.url}/logout`);
    expect(out[1]!.url).toBe(`${wecas.casUrl}/logout?service=${encodeURIComponent(`${appA.url}/`)}`);
    expect(out.at(-1)!.body).toContain('<p class="status" id="status" data-state="signed-out">You have signed out of this application.</p>');
    await wecas.ctx.singleLogout.settled();
    expect(appA.sessions.size).toBe(0);
    expect(appB.sessions.size).toBe(0);
    expect((await agent.follow(`${appB.url}/`)).at(-1)!.body).toContain('You have signed out: your single sign-on session ended');
  });

  it('shows why a refused ticket signs nobody in', async () => {
    const res = await new HttpAgent().get(`${appA.url}/?ticket=ST-0000000000000000000000000`);
    expect(res.status).toBe(401);
    expect(res.body).toContain('Sign-in failed (INVALID_TICKET)');
  });

  it('answers a POST that is not a logout request with 400 and ends no session', async () => {
    const agent = new HttpAgent();
    await signInThroughCas(agent, `${appA.url}/login`, wecas.casUrl);
    const res = await agent.postForm(`${appA.url}/`, { logoutRequest: '<not-xml' });
    expect(res.status).toBe(400);
    expect(appA.sessions.size).toBe(1);
    await agent.follow(`${appA.url}/logout`);
  });
});

describe('demo app CAS parsing', () => {
  const ns = 'xmlns:cas="http://www.yale.edu/tp/cas"';

  it('keeps values as strings and attributes as lists, whatever their count', () => {
    const xml = `<cas:serviceResponse ${ns}><cas:authenticationSuccess><cas:user>007</cas:user><cas:attributes>
      <cas:mail>a&amp;b@example.org</cas:mail><cas:memberOf>staff</cas:memberOf><cas:memberOf>1</cas:memberOf>
      </cas:attributes></cas:authenticationSuccess></cas:serviceResponse>`;
    expect(parseServiceResponse(xml)).toEqual({
      ok: true,
      principal: { user: '007', attributes: { mail: ['a&b@example.org'], memberOf: ['staff', '1'] } },
    });
  });

  it('reads the failure code and text', () => {
    const xml = `<cas:serviceResponse ${ns}><cas:authenticationFailure code="INVALID_SERVICE">Ticket mismatch</cas:authenticationFailure></cas:serviceResponse>`;
    expect(parseServiceResponse(xml)).toEqual({ ok: false, code: 'INVALID_SERVICE', message: 'Ticket mismatch' });
  });

  it('refuses what is not a CAS response', () => {
    expect(parseServiceResponse('yes\nalice\n')).toMatchObject({ ok: false, code: 'BAD_RESPONSE' });
    expect(parseServiceResponse(`<cas:serviceResponse ${ns}/>`)).toMatchObject({ ok: false, code: 'BAD_RESPONSE' });
  });

  it("finds the ticket in wecas's LogoutRequest, and nothing in other XML", () => {
    expect(sessionIndexOf(logoutRequestXml('ST-abc123', Date.now()))).toBe('ST-abc123');
    expect(sessionIndexOf('<samlp:Other xmlns:samlp="urn:x"/>')).toBeUndefined();
    expect(sessionIndexOf('<oops')).toBeUndefined();
  });
});
