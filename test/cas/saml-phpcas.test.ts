/**
 * phpCAS 1.6.0 (Debian php-cas) in SAML 1.1 mode signs a person in through wecas's /samlValidate over verified
 * HTTPS: its request body (fixed RequestID and 2002 IssueInstant, URL-encoded ticket) and its reading of our answer
 * (Envelope root, first NameIdentifier, saml:Attribute by namespace).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonOf, signInThroughCas } from '../interop/cas-sign-in.js';
import { type PhpCasSetup, startPhpCasPages } from '../interop/phpcas-server.js';
import type { ChildServer } from '../support/child-server.js';
import { HttpAgent } from '../support/http-agent.js';
import { TEST_USER, type WecasServer } from '../support/server.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'phpcas-saml');

let wecas: WecasServer;
let php: ChildServer;
let appOrigin: string;
let setup: PhpCasSetup | undefined;

beforeAll(async () => {
  setup = await startPhpCasPages(FIXTURES, 'phpCAS SAML page');
  ({ wecas, php, appOrigin } = setup);
});

afterAll(async () => {
  await setup?.close();
});

describe('phpCAS 1.6.0 with SAML_VERSION_1_1 against wecas', () => {
  it('validates at POST /samlValidate and shows the user; its http page gets no attributes (docs/cas-protocol.md §1.7)', async () => {
    const agent = new HttpAgent({ caFile: wecas.caCertFile });
    const pageUrl = `${appOrigin}/saml.php`;
    const signIn = await signInThroughCas(agent, pageUrl, wecas.casUrl);
    expect(wecas.requests, php.output()).toContain(`POST /cas/samlValidate?TARGET=${encodeURIComponent(pageUrl)}`);
    const shown = jsonOf(signIn.page);
    expect(shown.user, php.output()).toBe(TEST_USER.username);
    expect(shown.attributes).toEqual([]); // PHP's empty array

    // The ticket was single-use: a replay through phpCAS fails.
    const replay = await new HttpAgent({ caFile: wecas.caCertFile }).get(`${pageUrl}?ticket=${signIn.ticket}`);
    expect(replay.body).not.toContain(`"user":"${TEST_USER.username}"`);
  });

  it("reads the attributes of an https service's response as phpCAS does (DOMXPath on saml:Attribute)", async () => {
    const service = 'https://secure.example.org/app';
    await wecas.ctx.services.add({ name: 'https app', pattern: service, matchType: 'exact', attributes: ['mail', 'memberOf', 'displayName'] });
    const agent = new HttpAgent({ caFile: wecas.caCertFile });
    const form = await agent.get(`${wecas.casUrl}/login?service=${encodeURIComponent(service)}`);
    const execution = /name="execution" value="([^"]+)"/.exec(form.body)![1]!;
    const posted = await agent.postForm(`${wecas.casUrl}/login?service=${encodeURIComponent(service)}`, {
      execution,
      username: TEST_USER.username,
      password: TEST_USER.password,
    });
    // The POST redirects (303) to wecas's continuation, whose 302 carries the ticket to the service.
    const signedIn = await agent.get(posted.location!);
    const ticket = new URL(signedIn.location!).searchParams.get('ticket')!;
    const body =
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body>' +
      '<samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"  MajorVersion="1" MinorVersion="1" RequestID="_192.168.16.51.1024506224022" IssueInstant="2002-06-19T17:03:44.022Z">' +
      `<samlp:AssertionArtifact>${encodeURIComponent(ticket)}</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    // HttpAgent posts it as a form; /samlValidate reads the body as XML whatever the Content-Type says.
    const res = await agent.request('POST', `${wecas.casUrl}/samlValidate?TARGET=${encodeURIComponent(service)}`, body);
    const read = JSON.parse(execFileSync('php', [path.join(FIXTURES, 'read-attributes.php')], { input: res.body, encoding: 'utf8' }));
    expect(read).toMatchObject({
      root: 'Envelope',
      user: TEST_USER.username,
      attributes: { mail: ['alice@example.org'], memberOf: ['staff', 'faculty'], displayName: [TEST_USER.displayName] },
    });
  });
});
