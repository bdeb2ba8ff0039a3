/**
 * SAML 1.1 validation, docs/cas-protocol.md §1.7 and §8 #38–#40: the request bodies real clients send (phpCAS 1.6, mod_auth_cas,
 * the Java client and the Node passport strategies), the response read with a namespace-aware XML parser.
 */
import { DOMParser, type Element } from '@xmldom/xmldom';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, Browser, type CasTestApp, createCasTestApp, executionOf, S, S2, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
const SOAP_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SAMLP_NS = 'urn:oasis:names:tc:SAML:1.0:protocol';
const SAML_NS = 'urn:oasis:names:tc:SAML:1.0:assertion';
const CAS_ATTRIBUTE_NS = 'http://www.ja-sig.org/products/cas/';
const PLAIN = 'http://plain.example.org/app';

/** phpCAS 1.6's constants (CAS.php) and _buildSAMLPayload: fixed RequestID and 2002 IssueInstant, urlencoded ticket. */
const phpCasBody = (ticket: string) =>
  '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body>' +
  '<samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"  MajorVersion="1" MinorVersion="1" RequestID="_192.168.16.51.1024506224022" IssueInstant="2002-06-19T17:03:44.022Z">' +
  `<samlp:AssertionArtifact>${enc(ticket)}</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
/** mod_auth_cas (src/mod_auth_cas.c): an XML declaration, no RequestID, no IssueInstant. */
const modAuthCasBody = (ticket: string) =>
  '<?xml version="1.0" encoding="utf-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Header/><SOAP-ENV:Body>' +
  `<samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol"  MajorVersion="1" MinorVersion="1"><samlp:AssertionArtifact>${ticket}</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
/** A client with the SOAP namespace as default and the body indented (several Go and Python clients). */
const indentedBody = (ticket: string) => `<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/">
  <Header/>
  <Body>
    <samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" MinorVersion="1" RequestID="_x1" IssueInstant="${new Date().toISOString()}">
      <samlp:AssertionArtifact>
        ${ticket}
      </samlp:AssertionArtifact>
    </samlp:Request>
  </Body>
</Envelope>`;

const SOAP_HEADERS = { 'content-type': 'text/xml', soapaction: 'http://www.oasis-open.org/committees/security', accept: 'text/xml' };

let t: CasTestApp;
let browser: Browser;

beforeEach(async () => {
  t = await createCasTestApp();
  browser = new Browser(t.app);
  await t.ctx.services.add({ name: 'plain http', pattern: PLAIN, matchType: 'exact', attributes: ['mail'] });
});
afterEach(async () => t.close());

async function freshTicket(service = S): Promise<string> {
  const res = browser.jar.get('TGC') ? await browser.get(`/cas/login?service=${enc(service)}`) : await browser.signIn(service);
  return ticketFrom(res.headers.location);
}

async function samlValidate(target: string | undefined, body: string, headers: Record<string, string> = SOAP_HEADERS, extra = '') {
  const res = await t.app.inject({
    method: 'POST',
    url: `/cas/samlValidate${target === undefined ? '' : `?TARGET=${enc(target)}`}${extra}`,
    payload: body,
    headers,
  });
  expect(res.statusCode).toBe(200); // #45
  expect(res.headers['content-type']).toMatch(/^text\/xml/);
  return { res, saml: parseSamlResponse(res.body) };
}

/** The response as OpenSAML would walk it: every element found by namespace and local name. */
function parseSamlResponse(xml: string) {
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(xml, 'text/xml');
  if (errors.length) throw new Error(`malformed XML: ${errors.join('; ')}\n${xml}`);
  const root = doc.documentElement!;
  const children = (el: Element, ns: string, local: string) =>
    Array.from(el.childNodes).filter(
      (n): n is Element => n.nodeType === 1 && (n as Element).namespaceURI === ns && (n as Element).localName === local,
    );
  const child = (el: Element | undefined, ns: string, local: string) => (el ? children(el, ns, local)[0] : undefined);
  const body = child(root, SOAP_NS, 'Body');
  const response = child(body, SAMLP_NS, 'Response');
  const status = child(child(response, SAMLP_NS, 'Status'), SAMLP_NS, 'StatusCode');
  const assertion = child(response, SAML_NS, 'Assertion'); // a direct child of Response
  const conditions = child(assertion, SAML_NS, 'Conditions');
  const attributeStatement = child(assertion, SAML_NS, 'AttributeStatement');
  const authenticationStatement = child(assertion, SAML_NS, 'AuthenticationStatement');
  const nameOf = (statement: Element | undefined) => child(child(statement, SAML_NS, 'Subject'), SAML_NS, 'NameIdentifier')?.textContent;
  const confirmationOf = (statement: Element | undefined) =>
    child(child(child(statement, SAML_NS, 'Subject'), SAML_NS, 'SubjectConfirmation'), SAML_NS, 'ConfirmationMethod')?.textContent;
  const attributes: Record<string, string[]> = {};
  for (const a of attributeStatement ? children(attributeStatement, SAML_NS, 'Attribute') : []) {
    expect(a.getAttribute('AttributeNamespace')).toBe(CAS_ATTRIBUTE_NS);
    attributes[a.getAttribute('AttributeName')!] = children(a, SAML_NS, 'AttributeValue').map((v) => v.textContent ?? '');
  }
  return {
    root,
    response,
    // The value is a QName: resolve its prefix as OpenSAML does.
    statusCode: status ? resolveQName(status, status.getAttribute('Value')!) : undefined,
    statusMessage: child(child(response, SAMLP_NS, 'Status'), SAMLP_NS, 'StatusMessage')?.textContent,
    assertion,
    conditions,
    audience: child(child(conditions, SAML_NS, 'AudienceRestrictionCondition'), SAML_NS, 'Audience')?.textContent,
    attributeStatement,
    attributeSubject: nameOf(attributeStatement),
    attributeConfirmation: confirmationOf(attributeStatement),
    authenticationStatement,
    authenticationSubject: nameOf(authenticationStatement),
    authenticationConfirmation: confirmationOf(authenticationStatement),
    attributes,
  };
}

function resolveQName(el: Element, qname: string): string {
  const [prefix, local] = qname.split(':');
  return `{${el.lookupNamespaceURI(prefix!)}}${local}`;
}

const SUCCESS = `{${SAMLP_NS}}Success`;
const REQUEST_DENIED = `{${SAMLP_NS}}RequestDenied`;

describe('POST /samlValidate (docs/cas-protocol.md §1.7, §8 #38–#39)', () => {
  it('#38 phpCAS body: SOAP envelope, Success, assertion with conditions, attributes and authentication statement', async () => {
    const st = await freshTicket();
    const now = t.clock.now();
    const { saml } = await samlValidate(S, phpCasBody(st));

    expect(saml.root.namespaceURI).toBe(SOAP_NS);
    expect(saml.root.localName).toBe('Envelope');
    expect(saml.statusCode).toBe(SUCCESS);
    const response = saml.response!;
    expect(response.getAttribute('MajorVersion')).toBe('1');
    expect(response.getAttribute('MinorVersion')).toBe('1');
    expect(response.getAttribute('Recipient')).toBe(S);
    expect(response.getAttribute('InResponseTo')).toBe('_192.168.16.51.1024506224022');
    expect(response.getAttribute('ResponseID')).toMatch(/^_[0-9a-f]{32}$/);

    const assertion = saml.assertion!;
    expect(assertion.getAttribute('AssertionID')).toMatch(/^_[0-9a-f]{32}$/);
    expect(assertion.getAttribute('Issuer')).toBe('localhost');
    expect(assertion.getAttribute('MajorVersion')).toBe('1');
    expect(Date.parse(assertion.getAttribute('IssueInstant')!)).toBe(now);

    const notBefore = Date.parse(saml.conditions!.getAttribute('NotBefore')!);
    const notOnOrAfter = Date.parse(saml.conditions!.getAttribute('NotOnOrAfter')!);
    expect(notBefore).toBeLessThanOrEqual(now);
    expect(now).toBeLessThan(notOnOrAfter);
    expect(saml.audience).toBe(S);

    expect(saml.attributeSubject).toBe('alice');
    expect(saml.attributeConfirmation).toBe('urn:oasis:names:tc:SAML:1.0:cm:artifact');
    expect(saml.attributes.mail).toEqual(['alice@example.org']);
    expect(saml.attributes.memberOf).toEqual(['staff', 'faculty']);
    expect(saml.attributes.longTermAuthenticationRequestTokenUsed).toEqual(['false']);
    expect(saml.attributes.isFromNewLogin).toEqual(['true']);

    expect(saml.authenticationSubject).toBe('alice');
    expect(saml.authenticationConfirmation).toBe('urn:oasis:names:tc:SAML:1.0:cm:artifact');
    expect(saml.authenticationStatement!.getAttribute('AuthenticationMethod')).toBe('urn:oasis:names:tc:SAML:1.0:am:password');
    expect(Date.parse(saml.authenticationStatement!.getAttribute('AuthenticationInstant')!)).toBe(now);
  });

  it('#38 phpCAS reads it: its getElementsByTagName("NameIdentifier") finds the user by qualified name', async () => {
    const { res } = await samlValidate(S, phpCasBody(await freshTicket()));
    const doc = new DOMParser().parseFromString(res.body, 'text/xml');
    expect(doc.documentElement!.localName).toBe('Envelope');
    expect(doc.getElementsByTagName('NameIdentifier')[0]?.textContent?.trim()).toBe('alice');
  });

  it('#39 mod_auth_cas body (no IssueInstant, no RequestID) succeeds, and a replay is RequestDenied without an Assertion', async () => {
    const st = await freshTicket();
    const first = await samlValidate(S, modAuthCasBody(st));
    expect(first.saml.statusCode).toBe(SUCCESS);
    expect(first.saml.response!.hasAttribute('InResponseTo')).toBe(false);
    const replay = await samlValidate(S, modAuthCasBody(st));
    expect(replay.saml.statusCode).toBe(REQUEST_DENIED);
    expect(replay.saml.statusMessage).toMatch(/INVALID_TICKET/);
    expect(replay.saml.assertion).toBeUndefined();
    expect(replay.res.body).not.toContain('NameIdentifier');
  });

  it('accepts an indented body with the SOAP namespace as default, and any Content-Type or none', async () => {
    expect((await samlValidate(S, indentedBody(await freshTicket()))).saml.statusCode).toBe(SUCCESS);
    const variants: Array<Record<string, string>> = [
      {},
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/soap+xml; charset=utf-8' },
    ];
    for (const headers of variants) {
      expect((await samlValidate(S, phpCasBody(await freshTicket()), headers)).saml.statusCode, JSON.stringify(headers)).toBe(SUCCESS);
    }
  });

  it('a ticket for another TARGET is RequestDenied (INVALID_SERVICE) and destroyed', async () => {
    const st = await freshTicket();
    const wrong = await samlValidate(S2, phpCasBody(st));
    expect(wrong.saml.statusCode).toBe(REQUEST_DENIED);
    expect(wrong.saml.statusMessage).toMatch(/^INVALID_SERVICE/);
    expect(wrong.saml.response!.getAttribute('Recipient')).toBe(S2);
    expect((await samlValidate(S, phpCasBody(st))).saml.statusMessage).toMatch(/^INVALID_TICKET/);
  });

  it('renew=true refuses a ticket from SSO and accepts one from the form', async () => {
    const fromForm = await freshTicket();
    expect((await samlValidate(S, phpCasBody(fromForm), SOAP_HEADERS, '&renew=true')).saml.statusCode).toBe(SUCCESS);
    const fromSso = await freshTicket();
    expect((await samlValidate(S, phpCasBody(fromSso), SOAP_HEADERS, '&renew=true')).saml.statusCode).toBe(REQUEST_DENIED);
  });

  it.each([
    ['no TARGET', undefined, (st: string) => phpCasBody(st)],
    ['an empty body', S, () => ''],
    ['a body that is not XML', S, (st: string) => `ticket=${st}`],
    [
      'no AssertionArtifact',
      S,
      () => '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body/></SOAP-ENV:Envelope>',
    ],
    ['a DTD (SOAP forbids one)', S, (st: string) => `<!DOCTYPE x [<!ENTITY t "${st}">]>${phpCasBody('&t;')}`],
    ['a malformed ticket', S, () => phpCasBody('ST-<bad>')],
    ['a TGT id', S, () => phpCasBody(browser.jar.get('TGC')!)],
  ])('%s: RequestDenied, no Assertion', async (_name, target, body) => {
    const st = await freshTicket();
    const { saml } = await samlValidate(target, body(st));
    expect(saml.statusCode).toBe(REQUEST_DENIED);
    expect(saml.statusMessage).toMatch(/^(INVALID_REQUEST|INVALID_TICKET_SPEC|INVALID_TICKET)/);
    expect(saml.assertion).toBeUndefined();
  });

  it('a plain-http TARGET gets the user but no attributes (docs/cas-protocol.md §1.7)', async () => {
    const { saml } = await samlValidate(PLAIN, phpCasBody(await freshTicket(PLAIN)));
    expect(saml.statusCode).toBe(SUCCESS);
    expect(saml.authenticationSubject).toBe('alice');
    expect(saml.attributeStatement).toBeUndefined();
  });

  it('attribute values with XML metacharacters stay well-formed', async () => {
    await t.ctx.users.create({ username: 'odd', password: 'pw-odd-123', displayName: 'A & B <C>', attributes: { mail: ['x&y@example.org'] } });
    const res = await browser.signIn(S, 'odd', 'pw-odd-123');
    const { saml } = await samlValidate(S, phpCasBody(ticketFrom(res.headers.location)));
    expect(saml.attributes.displayName).toEqual(['A & B <C>']);
    expect(saml.attributes.mail).toEqual(['x&y@example.org']);
  });

  it('GET /samlValidate is not a validation endpoint', async () => {
    const res = await t.app.inject({ method: 'GET', url: `/cas/samlValidate?TARGET=${enc(S)}` });
    expect(res.statusCode).toBe(404);
  });
});

describe('SAML 1.1 at /login (docs/cas-protocol.md §8 #40)', () => {
  it('#40 GET /login?TARGET=S with a TGC redirects with SAMLart, which /samlValidate accepts', async () => {
    await browser.signIn(S);
    const res = await browser.get(`/cas/login?TARGET=${enc(S)}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(new RegExp(`^${S.replace(/[.?]/g, '\\$&')}\\?SAMLart=ST-[A-Za-z0-9-]+$`));
    const { saml } = await samlValidate(S, phpCasBody(ticketFrom(res.headers.location, 'SAMLart')));
    expect(saml.statusCode).toBe(SUCCESS);
    expect(saml.attributes.isFromNewLogin).toEqual(['false']);
  });

  it('#40 the form keeps TARGET, and signing in returns SAMLart', async () => {
    const url = `/cas/login?TARGET=${enc(S)}`;
    const form = await browser.get(url);
    expect(form.body).toContain(`action="/cas/login?TARGET=${enc(S)}"`);
    const res = await browser.submit(url, { execution: executionOf(form.body), ...ALICE });
    expect(ticketFrom(res.headers.location, 'SAMLart')).toMatch(/^ST-/);
  });
});
