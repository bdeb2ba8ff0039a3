/**
 * CAS 2.0 proxy authentication, docs/cas-protocol.md §8 #29–#37 and §3.3, against real proxy callbacks: an HTTPS server on
 * loopback with a self-signed certificate that wecas trusts through `proxyCallbackCa` (Node's store plus that one
 * certificate). The `https://app.example.org/pgt` of docs/cas-protocol.md §8 becomes that receiver's URL.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createProxyCallbackClient } from '../../src/cas/proxy-callback.js';
import type { RegisteredService } from '../../src/services/types.js';
import { Browser, type CasTestApp, createCasTestApp, parseCasXml, S2, ticketFrom } from '../support/cas-app.js';
import { type Receiver, startReceiver } from '../support/receiver.js';
import { selfSignedCertificate } from '../support/tls.js';

const enc = encodeURIComponent;
const A = 'https://a.example.org/app';
const B = 'https://b.example.org/app';
const C = 'https://c.example.org/app';
/** phpCAS's checks on what its callback receives (docs/cas-protocol.md §3.1). */
const PHPCAS_PGT = /^[PT]GT-[.\-\w]+$/;
const PHPCAS_IOU = /^PGTIOU-[.\-\w]+$/;

let receiver: Receiver; // https, trusted
let plain: Receiver; // http
let t: CasTestApp;
let browser: Browser;
let a: RegisteredService;
let b: RegisteredService;

beforeAll(async () => {
  const tls = await selfSignedCertificate();
  [receiver, plain] = await Promise.all([startReceiver({ tls }), startReceiver()]);
});
afterAll(async () => Promise.all([receiver.close(), plain.close()]));

beforeEach(async () => {
  t = await createCasTestApp({}, { proxyCallbackCa: [(await selfSignedCertificate()).cert] });
  browser = new Browser(t.app);
  receiver.requests.length = 0;
  plain.requests.length = 0;
  receiver.answer(() => ({ status: 200 }));
  // A may proxy through /pgt/a on loopback (either scheme, so the https rule is what refuses http); B through /pgt/b.
  a = await t.ctx.services.add({
    name: 'A',
    pattern: A,
    matchType: 'prefix',
    attributes: ['mail'],
    proxyPattern: '^https?://127\\.0\\.0\\.1:[0-9]+/pgt/a([?].*)?$',
  });
  b = await t.ctx.services.add({
    name: 'B',
    pattern: B,
    matchType: 'prefix',
    attributes: [],
    proxyPattern: '^https://127\\.0\\.0\\.1:[0-9]+/pgt/b$',
  });
  await t.ctx.services.add({ name: 'C', pattern: C, matchType: 'prefix', attributes: ['mail'] });
});
afterEach(async () => t.close());

async function casGet(path: string) {
  const res = await t.app.inject({ method: 'GET', url: `/cas/${path}` });
  expect(res.statusCode).toBe(200); // #45
  return res;
}

/** A new ST: from the form the first time, from the SSO session after that. */
async function freshTicket(service: string): Promise<string> {
  const res = browser.jar.get('TGC') ? await browser.get(`/cas/login?service=${enc(service)}`) : await browser.signIn(service);
  expect(res.statusCode).toBe(302);
  return ticketFrom(res.headers.location);
}

/** Validates a fresh ST of `service` with a pgtUrl; returns the parsed response and what the callback received. */
async function validateWithPgtUrl(service: string, pgtUrl: string, endpoint = 'serviceValidate') {
  const before = receiver.requests.length + plain.requests.length;
  const st = await freshTicket(service);
  const r = parseCasXml((await casGet(`${endpoint}?service=${enc(service)}&ticket=${st}&pgtUrl=${enc(pgtUrl)}`)).body);
  const calls = [...receiver.requests, ...plain.requests].slice(before);
  return { r, calls };
}

function callbackParams(url: string) {
  const q = new URL(url, 'https://x').searchParams;
  return { pgtIou: q.get('pgtIou'), pgtId: q.get('pgtId') };
}

/** An ST for A validated with a callback: the PGT the callback received. */
async function pgtForA(): Promise<string> {
  const { r, calls } = await validateWithPgtUrl(A, `${receiver.origin}/pgt/a`);
  expect(r.success).toBe(true);
  return callbackParams(calls[0]!.url).pgtId!;
}

async function proxyTicket(pgt: string, target: string): Promise<string> {
  const r = parseCasXml((await casGet(`proxy?pgt=${enc(pgt)}&targetService=${enc(target)}`)).body);
  expect(r.proxyTicket, JSON.stringify(r)).toMatch(/^PT-[A-Za-z0-9-]+$/);
  return r.proxyTicket!;
}

/** What every failed PGT delivery says, whatever went wrong on the way. */
const UNDELIVERED = 'it did not take the proxy-granting ticket';

describe('pgtUrl on validation (docs/cas-protocol.md §8 #29–#32, §3.3)', () => {
  it.each(['serviceValidate', 'proxyValidate', 'p3/serviceValidate', 'p3/proxyValidate'])(
    '#29 %s: one GET to the callback with pgtIou and pgtId, and the response carries that PGTIOU',
    async (endpoint) => {
      const { r, calls } = await validateWithPgtUrl(A, `${receiver.origin}/pgt/a`, endpoint);
      expect(r.success).toBe(true);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.method).toBe('GET');
      expect(calls[0]!.url).toMatch(/^\/pgt\/a\?pgtIou=PGTIOU-[A-Za-z0-9]+&pgtId=PGT-[A-Za-z0-9]+$/);
      const { pgtIou, pgtId } = callbackParams(calls[0]!.url);
      expect(pgtIou).toMatch(PHPCAS_IOU);
      expect(pgtId).toMatch(PHPCAS_PGT);
      expect(r.proxyGrantingTicket).toBe(pgtIou);
      expect(await t.ctx.tickets.get(pgtId!, 'PGT')).toMatchObject({ service: A, proxies: [`${receiver.origin}/pgt/a`] });
    },
  );

  it('#29 the pgtUrl keeps its own query; the PGTIOU is in the JSON response too', async () => {
    const st = await freshTicket(A);
    const pgtUrl = `${receiver.origin}/pgt/a?client=x&y=1`;
    const res = await casGet(`serviceValidate?service=${enc(A)}&ticket=${st}&pgtUrl=${enc(pgtUrl)}&format=JSON`);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.url).toMatch(/^\/pgt\/a\?client=x&y=1&pgtIou=PGTIOU-[A-Za-z0-9]+&pgtId=PGT-[A-Za-z0-9]+$/);
    const success = JSON.parse(res.body).serviceResponse.authenticationSuccess;
    expect(success.proxyGrantingTicket).toBe(callbackParams(receiver.requests[0]!.url).pgtIou);
  });

  it('#29 statuses Apereo accepts (202, 204, 302) count as delivered, and a redirect is not followed', async () => {
    for (const status of [202, 204, 302]) {
      const headers: Record<string, string> = status === 302 ? { location: `${receiver.origin}/elsewhere` } : {};
      receiver.answer(() => ({ status, headers }));
      const { r, calls } = await validateWithPgtUrl(A, `${receiver.origin}/pgt/a`);
      expect(r.proxyGrantingTicket, `HTTP ${status}`).toMatch(PHPCAS_IOU);
      expect(calls.map((c) => c.url.split('?')[0])).toEqual(['/pgt/a']);
    }
  });

  it('#30 an http pgtUrl: INVALID_PROXY_CALLBACK and no call', async () => {
    const { r, calls } = await validateWithPgtUrl(A, `${plain.origin}/pgt/a`);
    expect(r.failureCode).toBe('INVALID_PROXY_CALLBACK');
    expect(r.failureText).toMatch(/https/);
    expect(r.proxyGrantingTicket).toBeUndefined();
    expect(calls).toEqual([]);
  });

  it('#30 CAS_ALLOW_HTTP_PROXY_CALLBACK_LOOPBACK admits http to loopback only', async () => {
    await t.close();
    t = await createCasTestApp({ CAS_ALLOW_HTTP_PROXY_CALLBACK_LOOPBACK: 'true' });
    browser = new Browser(t.app);
    await t.ctx.services.add({
      name: 'A',
      pattern: A,
      matchType: 'prefix',
      proxyPattern: '^http://(127\\.0\\.0\\.1:[0-9]+|a\\.example\\.org)/pgt/a$',
    });
    const loopback = await validateWithPgtUrl(A, `${plain.origin}/pgt/a`);
    expect(loopback.r.proxyGrantingTicket).toMatch(PHPCAS_IOU);
    expect(loopback.calls).toHaveLength(1);
    const remote = await validateWithPgtUrl(A, 'http://a.example.org/pgt/a');
    expect(remote.r.failureCode).toBe('INVALID_PROXY_CALLBACK');
    expect(remote.calls).toEqual([]);
  });

  it('#30 a pgtUrl the pattern admits only as written (dot segments leave the allowed path): INVALID_PROXY_CALLBACK and no call', async () => {
    await t.ctx.services.add({
      name: 'D',
      pattern: 'https://d.example.org/app',
      matchType: 'prefix',
      proxyPattern: '^https://127\\.0\\.0\\.1:[0-9]+/pgt/d/.*$',
    });
    for (const path of ['/pgt/d/../a', '/pgt/d/%2e%2e/a', '/pgt/d/x/../../b']) {
      const { r, calls } = await validateWithPgtUrl('https://d.example.org/app', `${receiver.origin}${path}`);
      expect({ path, code: r.failureCode, calls }).toEqual({ path, code: 'INVALID_PROXY_CALLBACK', calls: [] });
    }
    const allowed = await validateWithPgtUrl('https://d.example.org/app', `${receiver.origin}/pgt/d/cb`);
    expect(allowed.r.proxyGrantingTicket).toMatch(PHPCAS_IOU);
  });

  it.each([500, 404, 403])('#31 a callback answering %i: INVALID_PROXY_CALLBACK, no PGT, the PGT sent is unusable', async (status) => {
    receiver.answer(() => ({ status }));
    const { r, calls } = await validateWithPgtUrl(A, `${receiver.origin}/pgt/a`);
    expect(r.failureCode).toBe('INVALID_PROXY_CALLBACK');
    expect(r.failureText).toContain(UNDELIVERED);
    expect(r.failureText!.replace(/'[^']*'/, '')).not.toContain(String(status)); // the URL aside (its port may hold those digits)
    expect(r.proxyGrantingTicket).toBeUndefined();
    expect(calls).toHaveLength(1);
    const pgt = callbackParams(calls[0]!.url).pgtId!;
    expect(parseCasXml((await casGet(`proxy?pgt=${pgt}&targetService=${enc(B)}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('#31 a callback whose certificate is not trusted: INVALID_PROXY_CALLBACK, in the same words as any other failed delivery', async () => {
    await t.close();
    t = await createCasTestApp(); // Node's trust store only: the self-signed receiver is a stranger
    browser = new Browser(t.app);
    await t.ctx.services.add({ name: 'A', pattern: A, matchType: 'prefix', proxyPattern: '^https://127\\.0\\.0\\.1:[0-9]+/pgt/a$' });
    const { r, calls } = await validateWithPgtUrl(A, `${receiver.origin}/pgt/a`);
    expect(r.failureCode).toBe('INVALID_PROXY_CALLBACK');
    expect(r.failureText).toContain(UNDELIVERED);
    expect(r.failureText).not.toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    expect(r.proxyGrantingTicket).toBeUndefined();
    expect(calls).toEqual([]); // the TLS handshake failed: no request reached the receiver
  });

  it('#31 an unreachable callback: INVALID_PROXY_CALLBACK', async () => {
    const closed = await startReceiver({ tls: await selfSignedCertificate() });
    await closed.close();
    const { r } = await validateWithPgtUrl(A, `${closed.origin}/pgt/a`);
    expect(r.failureCode).toBe('INVALID_PROXY_CALLBACK');
    expect(r.failureText).toContain(UNDELIVERED);
    expect(r.failureText).not.toMatch(/ECONNREFUSED|refused/i);
  });

  it('#31 a refused connection and an HTTP error answer in the same words: the answer does not tell which ports are open', async () => {
    const closed = await startReceiver({ tls: await selfSignedCertificate() });
    await closed.close();
    const refused = (await validateWithPgtUrl(A, `${closed.origin}/pgt/a`)).r.failureText!;
    receiver.answer(() => ({ status: 404 }));
    const answered = (await validateWithPgtUrl(A, `${receiver.origin}/pgt/a`)).r.failureText!;
    const words = (text: string) => text.replace(/'[^']*'/, "'…'");
    expect(words(refused)).toBe(words(answered));
  });

  it('#32 a pgtUrl from a service without proxy rights: UNAUTHORIZED_SERVICE_PROXY and no call', async () => {
    const { r, calls } = await validateWithPgtUrl(S2, `${receiver.origin}/pgt/a`);
    expect(r.failureCode).toBe('UNAUTHORIZED_SERVICE_PROXY');
    expect(r.failureText).toContain(S2);
    expect(calls).toEqual([]);
  });

  it("a pgtUrl outside the service's proxy policy: INVALID_PROXY_CALLBACK and no call", async () => {
    for (const pgtUrl of [`${receiver.origin}/pgt/b`, `${receiver.origin}/pgt/a/../b`, 'not a url', `https://user:pw@127.0.0.1:1/pgt/a`]) {
      const { r, calls } = await validateWithPgtUrl(A, pgtUrl);
      expect(r.failureCode, pgtUrl).toBe('INVALID_PROXY_CALLBACK');
      expect(calls).toEqual([]);
    }
  });

  it('/validate (CAS 1.0) ignores pgtUrl', async () => {
    const st = await freshTicket(A);
    const res = await casGet(`validate?service=${enc(A)}&ticket=${st}&pgtUrl=${enc(`${receiver.origin}/pgt/a`)}`);
    expect(res.body).toBe('yes\nalice\n');
    expect(receiver.requests).toEqual([]);
  });
});

describe('/proxy and proxy tickets (docs/cas-protocol.md §8 #33–#37)', () => {
  it('#33 /proxy answers cas:proxySuccess with a PT; #36 /proxyValidate lists the pgtUrl in cas:proxies', async () => {
    const pgt = await pgtForA();
    const res = await casGet(`proxy?pgt=${pgt}&targetService=${enc(B)}`);
    expect(res.headers['content-type']).toMatch(/^application\/xml/);
    expect(res.body).toContain('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">');
    const pt = parseCasXml(res.body).proxyTicket!;
    expect(pt).toMatch(/^PT-[A-Za-z0-9-]+$/);
    expect(pt.length).toBeLessThanOrEqual(32);
    const r = parseCasXml((await casGet(`proxyValidate?service=${enc(B)}&ticket=${pt}`)).body);
    expect(r.success).toBe(true);
    expect(r.user).toBe('alice');
    expect(r.proxies).toEqual([`${receiver.origin}/pgt/a`]);
    expect(r.attributes.isFromNewLogin).toEqual(['false']);
  });

  it('#33 a PGT issues many PTs, each for one validation', async () => {
    const pgt = await pgtForA();
    const [pt1, pt2] = [await proxyTicket(pgt, B), await proxyTicket(pgt, C)];
    expect(pt1).not.toBe(pt2);
    expect(parseCasXml((await casGet(`proxyValidate?service=${enc(C)}&ticket=${pt2}`)).body).user).toBe('alice');
    expect(parseCasXml((await casGet(`proxyValidate?service=${enc(B)}&ticket=${pt1}`)).body).user).toBe('alice');
    expect(parseCasXml((await casGet(`proxyValidate?service=${enc(B)}&ticket=${pt1}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('#34 /proxy without targetService or without pgt: INVALID_REQUEST', async () => {
    const pgt = await pgtForA();
    for (const query of [`pgt=${pgt}`, `targetService=${enc(B)}`, '']) {
      const r = parseCasXml((await casGet(`proxy?${query}`)).body);
      expect(r.failureCode, query).toBe('INVALID_REQUEST');
      expect(r.failureText).toContain("'pgt' and 'targetService' parameters are both required");
    }
  });

  it('#35 /proxy with an unknown, malformed or non-PGT ticket: INVALID_TICKET', async () => {
    const st = await freshTicket(A);
    const tgt = browser.jar.get('TGC')!;
    for (const pgt of ['PGT-0000000000000000000000000', 'garbage<>', st, tgt]) {
      const r = parseCasXml((await casGet(`proxy?pgt=${enc(pgt)}&targetService=${enc(B)}`)).body);
      expect(r.failureCode, pgt).toBe('INVALID_TICKET');
    }
  });

  it('/proxy for an unregistered or disabled target: UNAUTHORIZED_SERVICE', async () => {
    const pgt = await pgtForA();
    expect(parseCasXml((await casGet(`proxy?pgt=${pgt}&targetService=${enc('https://evil.example/')}`)).body).failureCode).toBe(
      'UNAUTHORIZED_SERVICE',
    );
    await t.ctx.services.update({ ...b, enabled: false });
    expect(parseCasXml((await casGet(`proxy?pgt=${pgt}&targetService=${enc(B)}`)).body).failureCode).toBe('UNAUTHORIZED_SERVICE');
  });

  it('/proxy format=JSON: proxySuccess.proxyTicket, and failures as authenticationFailure', async () => {
    const pgt = await pgtForA();
    const ok = JSON.parse((await casGet(`proxy?pgt=${pgt}&targetService=${enc(B)}&format=JSON`)).body);
    expect(ok.serviceResponse.proxySuccess.proxyTicket).toMatch(/^PT-/);
    const bad = JSON.parse((await casGet(`proxy?pgt=${pgt}&format=JSON`)).body);
    expect(bad.serviceResponse.authenticationFailure.code).toBe('INVALID_REQUEST');
  });

  it('#37 a PT at /serviceValidate fails and is unusable afterwards; at /validate too', async () => {
    const pgt = await pgtForA();
    const pt = await proxyTicket(pgt, B);
    const r = parseCasXml((await casGet(`serviceValidate?service=${enc(B)}&ticket=${pt}`)).body);
    expect(['INVALID_TICKET_SPEC', 'INVALID_TICKET']).toContain(r.failureCode);
    expect(parseCasXml((await casGet(`proxyValidate?service=${enc(B)}&ticket=${pt}`)).body).failureCode).toBe('INVALID_TICKET');
    const pt2 = await proxyTicket(pgt, B);
    expect((await casGet(`validate?service=${enc(B)}&ticket=${pt2}`)).body).toBe('no\n\n');
    expect(parseCasXml((await casGet(`p3/serviceValidate?service=${enc(B)}&ticket=${pt2}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('a PT for one target validated with another service: INVALID_SERVICE, then gone', async () => {
    const pt = await proxyTicket(await pgtForA(), B);
    expect(parseCasXml((await casGet(`proxyValidate?service=${enc(C)}&ticket=${pt}`)).body).failureCode).toBe('INVALID_SERVICE');
    expect(parseCasXml((await casGet(`proxyValidate?service=${enc(B)}&ticket=${pt}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('a PT expires like an ST (PT_TTL_SECONDS)', async () => {
    const pt = await proxyTicket(await pgtForA(), B);
    t.clock.advance(t.ctx.config.tickets.proxyTicketSeconds * 1000 + 1);
    expect(parseCasXml((await casGet(`proxyValidate?service=${enc(B)}&ticket=${pt}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('a PGT lives with its TGT: logout ends it, and so does the session going idle', async () => {
    const pgt = await pgtForA();
    await browser.get('/cas/logout');
    expect(parseCasXml((await casGet(`proxy?pgt=${pgt}&targetService=${enc(B)}`)).body).failureCode).toBe('INVALID_TICKET');

    const idle = await pgtForA();
    await proxyTicket(idle, B);
    t.clock.advance(t.ctx.config.tickets.sessionIdleSeconds * 1000 + 1);
    expect(parseCasXml((await casGet(`proxy?pgt=${idle}&targetService=${enc(B)}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('a PT granted by /proxy is remembered for single logout', async () => {
    const pt = await proxyTicket(await pgtForA(), B);
    const grants = await t.ctx.tickets.grants(browser.jar.get('TGC')!);
    expect(grants.find((g) => g.ticketId === pt)).toMatchObject({ service: B, serviceId: b.id });
    expect(grants.map((g) => g.serviceId)).toContain(a.id);
  });
});

describe('a two-level proxy chain (A proxies to B, which proxies to C)', () => {
  it('lists the proxies newest first at C, in XML and JSON', async () => {
    const pgtA = await pgtForA();
    const ptB = await proxyTicket(pgtA, B);

    // B validates its PT with its own callback: it now holds a PGT whose chain is B's callback, then A's.
    const atB = parseCasXml((await casGet(`proxyValidate?service=${enc(B)}&ticket=${ptB}&pgtUrl=${enc(`${receiver.origin}/pgt/b`)}`)).body);
    expect(atB.proxies).toEqual([`${receiver.origin}/pgt/a`]);
    const callbackB = receiver.requests.at(-1)!;
    expect(callbackB.url.startsWith('/pgt/b?pgtIou=')).toBe(true);
    expect(atB.proxyGrantingTicket).toBe(callbackParams(callbackB.url).pgtIou);
    const pgtB = callbackParams(callbackB.url).pgtId!;

    const ptC = await proxyTicket(pgtB, C);
    const atC = parseCasXml((await casGet(`p3/proxyValidate?service=${enc(C)}&ticket=${ptC}`)).body);
    expect(atC.success).toBe(true);
    expect(atC.user).toBe('alice');
    expect(atC.proxies).toEqual([`${receiver.origin}/pgt/b`, `${receiver.origin}/pgt/a`]);
    expect(atC.attributes.mail).toEqual(['alice@example.org']);

    const ptC2 = await proxyTicket(pgtB, C);
    const json = JSON.parse((await casGet(`proxyValidate?service=${enc(C)}&ticket=${ptC2}&format=JSON`)).body);
    expect(json.serviceResponse.authenticationSuccess.proxies).toEqual([`${receiver.origin}/pgt/b`, `${receiver.origin}/pgt/a`]);
  });

  it('C without proxy rights cannot extend the chain', async () => {
    const ptB = await proxyTicket(await pgtForA(), B);
    await casGet(`proxyValidate?service=${enc(B)}&ticket=${ptB}&pgtUrl=${enc(`${receiver.origin}/pgt/b`)}`);
    const pgtB = callbackParams(receiver.requests.at(-1)!.url).pgtId!;
    const ptC = await proxyTicket(pgtB, C);
    const r = parseCasXml((await casGet(`proxyValidate?service=${enc(C)}&ticket=${ptC}&pgtUrl=${enc(`${receiver.origin}/pgt/a`)}`)).body);
    expect(r.failureCode).toBe('UNAUTHORIZED_SERVICE_PROXY');
  });
});

describe("a target service's policies (docs/services.md)", () => {
  it('/proxy refuses a target that does not admit the person, and validation refuses a PT issued before the rule', async () => {
    const pgt = await pgtForA();
    const c = (await t.ctx.services.list()).find((s) => s.name === 'C')!;
    const ptBefore = await proxyTicket(pgt, C);
    await t.ctx.services.update({ ...c, requiredAttributes: { memberOf: ['^administrators$'] } });
    const refused = parseCasXml((await casGet(`proxy?pgt=${enc(pgt)}&targetService=${enc(C)}`)).body);
    expect(refused.failureCode).toBe('UNAUTHORIZED_SERVICE');
    expect(refused.proxyTicket).toBeUndefined();
    const validated = parseCasXml((await casGet(`proxyValidate?service=${enc(C)}&ticket=${ptBefore}`)).body);
    expect(validated.failureCode).toBe('UNAUTHORIZED_SERVICE');
  });

  it('/proxy refuses a target that does not accept the method the session was signed in by', async () => {
    const pgt = await pgtForA();
    const c = (await t.ctx.services.list()).find((s) => s.name === 'C')!;
    await t.ctx.services.update({ ...c, signInMethods: ['wechat'] });
    const refused = parseCasXml((await casGet(`proxy?pgt=${enc(pgt)}&targetService=${enc(C)}`)).body);
    expect(refused.failureCode).toBe('UNAUTHORIZED_SERVICE');
    expect(refused.failureText).toContain('password');
  });

  it("a proxied service sees its own CAS user and renames, not the first service's", async () => {
    const pgt = await pgtForA();
    const c = (await t.ctx.services.list()).find((s) => s.name === 'C')!;
    await t.ctx.services.update({ ...c, usernameAttribute: 'mail', attributes: [], attributeRenames: { mail: ['email'] } });
    const pt = await proxyTicket(pgt, C);
    const r = parseCasXml((await casGet(`p3/proxyValidate?service=${enc(C)}&ticket=${pt}`)).body);
    expect(r.user).toBe('alice@example.org');
    expect(r.attributes.email).toEqual(['alice@example.org']);
    expect(r.attributes).not.toHaveProperty('mail');
  });
});

describe('the proxy callback client', () => {
  it('gives up after its deadline when the callback never answers', async () => {
    const hanging = await startReceiver({ tls: await selfSignedCertificate() });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    hanging.answer(async () => {
      await held;
      return { status: 200 };
    });
    const client = createProxyCallbackClient({ timeoutMs: 50, extraCa: [(await selfSignedCertificate()).cert] });
    expect(await client(`${hanging.origin}/pgt`)).toEqual({ answered: false, reason: 'no answer within 50 ms' });
    release();
    await hanging.close();
  });
});
