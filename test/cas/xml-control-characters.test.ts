/**
 * Data XML 1.0 cannot carry (control characters from a WeChat nickname, an attribute, an echoed parameter; U+FFFE
 * and U+FFFF) must not make a response ill-formed: each such character goes out as U+FFFD. Every response here is
 * read strictly (parseCasXml / parseStrictXml) and by libxml2 (PHP's DOM, the parser phpCAS uses).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logoutRequestXml } from '../../src/cas/single-logout.js';
import { escapeXml } from '../../src/cas/xml.js';
import { Browser, type CasTestApp, createCasTestApp, parseCasXml, S, ticketFrom } from '../support/cas-app.js';
import { libxmlErrors, parseStrictXml } from '../support/xml.js';

const enc = encodeURIComponent;
/** Everything XML 1.0 forbids that a JavaScript string can hold, between letters; tab and LF are allowed. */
const FORBIDDEN = ['\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u001f', '\ufffe', '\uffff'];
const NICKNAME = `微信${FORBIDDEN.join('x')}\tend\nline`;
const SHOWN_AS = `微信${FORBIDDEN.map(() => '\ufffd').join('x')}\tend\nline`;
const PERSON = { username: 'nick', password: 'pw-nick-12345' };

let t: CasTestApp;
let browser: Browser;
const responses: string[] = [];

beforeEach(async () => {
  t = await createCasTestApp();
  browser = new Browser(t.app);
  // The display name a WeChat binding takes from the nickname; an attribute as `wecas user add --attr` stores it.
  await t.ctx.users.create({ ...PERSON, displayName: NICKNAME, attributes: { mail: [`nick\u0007@example.org`], memberOf: ['a\u001bb'] } });
  responses.length = 0;
});
afterEach(async () => t.close());

async function casXml(url: string): Promise<string> {
  const res = await t.app.inject({ method: 'GET', url });
  expect(res.statusCode).toBe(200);
  responses.push(res.body);
  return res.body;
}

async function ticket(service = S): Promise<string> {
  const res = browser.jar.get('TGC')
    ? await browser.get(`/cas/login?service=${enc(service)}`)
    : await browser.signIn(service, PERSON.username, PERSON.password);
  return ticketFrom(res.headers.location);
}

describe('XML responses with characters XML 1.0 forbids in the data', () => {
  it.each(['p3/serviceValidate', 'serviceValidate', 'p3/proxyValidate', 'proxyValidate'])(
    '/%s: the nickname and attributes arrive with U+FFFD for each forbidden character',
    async (endpoint) => {
      const r = parseCasXml(await casXml(`/cas/${endpoint}?service=${enc(S)}&ticket=${await ticket()}`));
      expect(r.user).toBe(PERSON.username);
      expect(r.attributes).toMatchObject({ displayName: [SHOWN_AS], mail: ['nick\ufffd@example.org'], memberOf: ['a\ufffdb'] });
      expect(libxmlErrors(responses)).toEqual([[]]);
    },
  );

  it('failures that echo a parameter stay well-formed: a service, a ticket, a format, a pgt', async () => {
    const st = await ticket();
    const mismatch = parseCasXml(await casXml(`/cas/serviceValidate?service=${enc(`${S}?x=\u0001`)}&ticket=${st}`));
    expect(mismatch).toMatchObject({ failureCode: 'INVALID_SERVICE' });
    expect(mismatch.failureText).toContain(`${S}?x=\ufffd`);
    expect(parseCasXml(await casXml(`/cas/serviceValidate?service=${enc(S)}&ticket=ST-\u0002\u0003`))).toMatchObject({
      failureCode: 'INVALID_TICKET_SPEC',
    });
    expect(parseCasXml(await casXml(`/cas/serviceValidate?service=${enc(S)}&ticket=${st}&format=X\u0004ML`)).failureText).toContain('X\ufffdML');
    expect(parseCasXml(await casXml(`/cas/proxy?pgt=PGT-\u0005&targetService=${enc(`${S}\u0006`)}`))).toMatchObject({
      failureCode: 'INVALID_TICKET',
    });
    expect(libxmlErrors(responses)).toEqual(responses.map(() => []));
  });

  it('SAML 1.1: the assertion with the nickname, and a refusal echoing TARGET and RequestID, are well-formed', async () => {
    const soap = (artifact: string, requestId: string) =>
      '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/"><SOAP-ENV:Body>' +
      `<samlp:Request xmlns:samlp="urn:oasis:names:tc:SAML:1.0:protocol" MajorVersion="1" MinorVersion="1" RequestID="${requestId}">` +
      `<samlp:AssertionArtifact>${artifact}</samlp:AssertionArtifact></samlp:Request></SOAP-ENV:Body></SOAP-ENV:Envelope>`;
    const saml = async (target: string, body: string) => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/cas/samlValidate?TARGET=${enc(target)}`,
        payload: body,
        headers: { 'content-type': 'text/xml' },
      });
      responses.push(res.body);
      return parseStrictXml(res.body);
    };
    const success = await saml(S, soap(await ticket(), '_r1'));
    const values = Array.from(success.getElementsByTagName('AttributeValue')).map((v) => v.textContent);
    expect(values).toContain(SHOWN_AS);
    const refused = await saml(`${S}\u0001`, soap(await ticket(), '_r&#x1;2'));
    expect(refused.getElementsByTagName('StatusMessage')[0]?.textContent).toContain(`${S}\ufffd`);
    expect(libxmlErrors(responses)).toEqual([[], []]);
  });

  it('a single-logout request stays well-formed whatever its session index holds', () => {
    const xml = logoutRequestXml('ST-1-\u0001\uffff', Date.now());
    expect(parseStrictXml(xml).getElementsByTagName('samlp:SessionIndex')[0]?.textContent).toBe('ST-1-\ufffd\ufffd');
    expect(libxmlErrors([xml])).toEqual([[]]);
  });
});

describe('escapeXml', () => {
  it('replaces lone surrogates and keeps pairs (an emoji) whole', () => {
    expect(escapeXml('a\ud800b\udc00c😀<&>')).toBe('a\ufffdb\ufffdc😀&lt;&amp;&gt;');
  });

  it('each forbidden character alone, and each escaped one alone, is changed (nothing slips past the quick check)', () => {
    for (const c of FORBIDDEN) expect(escapeXml(`a${c}b`)).toBe('a\ufffdb');
    for (const c of ['\ud800', '\udbff', '\udc00', '\udfff']) expect(escapeXml(c)).toBe('\ufffd');
    expect(['&', '<', '>', '"', "'"].map(escapeXml)).toEqual(['&amp;', '&lt;', '&gt;', '&quot;', '&apos;']);
    for (const kept of ['plain', '微信用户', 'https://app.example.org/cb', '\t\n\r', '\u0020\ud7ff\ue000\ufffd', '😀'])
      expect(escapeXml(kept)).toBe(kept);
  });
});
