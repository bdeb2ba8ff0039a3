/**
 * Protocol edge cases around docs/cas-protocol.md §8: service URL comparison (§2.2: query, fragment, trailing slash, encoding),
 * parameter names and ticket syntax, renew/gateway, and the right CAS code (always HTTP 200) for every bad request.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, type CasTestApp, createCasTestApp, parseCasXml, S, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
let t: CasTestApp;
let browser: Browser;

beforeEach(async () => {
  t = await createCasTestApp();
  browser = new Browser(t.app);
});
afterEach(async () => t.close());

async function ticketFor(service: string): Promise<string> {
  const res = browser.jar.get('TGC') ? await browser.get(`/cas/login?service=${enc(service)}`) : await browser.signIn(service);
  expect(res.statusCode, res.body).toBe(302);
  return ticketFrom(res.headers.location);
}

async function casGet(pathAndQuery: string) {
  const res = await t.app.inject({ method: 'GET', url: `/cas/${pathAndQuery}` });
  expect(res.statusCode).toBe(200); // #45
  return res;
}

describe('service URL comparison at validation (docs/cas-protocol.md §2.2)', () => {
  it.each([
    ['the same URL', `${S}?x=1`, `${S}?x=1`, 'success'],
    ['a fragment is ignored', `${S}?x=1`, `${S}?x=1#top`, 'success'],
    ['percent-escapes are decoded once', `${S}?x=1`, 'https://app.example.org/c%62?x=%31', 'success'],
    ['scheme and host case, default port', `${S}?x=1`, 'HTTPS://App.Example.ORG:443/cb?x=1', 'success'],
    ['the query is part of the service', `${S}?x=1`, S, 'INVALID_SERVICE'],
    ['a trailing slash is a different path', S, `${S}/`, 'INVALID_SERVICE'],
    ['the query is case-sensitive', `${S}?x=1`, `${S}?X=1`, 'INVALID_SERVICE'],
    ['query order matters', `${S}?a=1&b=2`, `${S}?b=2&a=1`, 'INVALID_SERVICE'],
    ['http is not https', S, 'http://app.example.org/cb', 'INVALID_SERVICE'],
    ['the ticket parameter left in the service', S, `${S}?ticket=ST-1`, 'INVALID_SERVICE'],
  ])('%s: issued for %s, validated with %s → %s', async (_name, issuedFor, validatedWith, expected) => {
    const st = await ticketFor(issuedFor);
    const r = parseCasXml((await casGet(`serviceValidate?service=${enc(validatedWith)}&ticket=${st}`)).body);
    if (expected === 'success') expect(r.user, r.failureText).toBe('alice');
    else {
      expect(r.failureCode).toBe(expected);
      expect(r.failureText).toContain(issuedFor); // both URLs named, so a person can see the drift
    }
  });
});

describe('service URLs at /login', () => {
  it('puts the ticket before a fragment', async () => {
    await browser.signIn(S);
    const res = await browser.get(`/cas/login?service=${enc(`${S}?x=1#section`)}`);
    expect(res.headers.location).toMatch(/^https:\/\/app\.example\.org\/cb\?x=1&ticket=ST-[A-Za-z0-9-]+#section$/);
  });

  it('keeps an encoded query as the client sent it, and the ticket validates against it', async () => {
    const service = `${S}?next=${enc('/a b?c=d&e')}`;
    const st = await ticketFor(service);
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(service)}&ticket=${st}`)).body).user).toBe('alice');
  });

  it('refuses URLs that are not http(s) or carry credentials, with no redirect', async () => {
    await browser.signIn(S);
    for (const bad of [
      'javascript:alert(1)',
      '//app.example.org/cb',
      'https://app.example.org@evil.example/cb',
      'https://app.example.org/cb\r\nX: y',
    ]) {
      const res = await browser.get(`/cas/login?service=${enc(bad)}`);
      expect(res.headers.location, bad).toBeUndefined();
      expect(res.statusCode).toBeGreaterThanOrEqual(400);
    }
  });

  it('renew overrides gateway: with renew=true&gateway=true and a TGC the form shows', async () => {
    await browser.signIn(S);
    const res = await browser.get(`/cas/login?service=${enc(S)}&renew=true&gateway=true`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/name="password"/);
  });

  it('gateway=false is not gateway', async () => {
    const res = await browser.get(`/cas/login?service=${enc(S)}&gateway=false`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/name="password"/);
  });
});

describe('parameter names and ticket syntax', () => {
  it('parameter names are case-sensitive: Ticket= and SERVICE= are missing parameters', async () => {
    const st = await ticketFor(S);
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&Ticket=${st}`)).body).failureCode).toBe('INVALID_REQUEST');
    expect(parseCasXml((await casGet(`serviceValidate?SERVICE=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INVALID_REQUEST');
    // The ticket was not touched by those: it still validates.
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}`)).body).user).toBe('alice');
  });

  it('a repeated parameter counts once (the first value)', async () => {
    const st = await ticketFor(S);
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}&ticket=ST-other`)).body).user).toBe('alice');
  });

  it.each([
    ['256 characters, well-formed but unknown', `ST-${'a'.repeat(253)}`, 'INVALID_TICKET'],
    ['257 characters', `ST-${'a'.repeat(254)}`, 'INVALID_TICKET_SPEC'],
    ['characters outside A-Z a-z 0-9 -', 'ST-abc_def', 'INVALID_TICKET_SPEC'],
    ['no prefix', 'abcdef', 'INVALID_TICKET_SPEC'],
    ['an empty ticket', '', 'INVALID_REQUEST'],
    ['a PGTIOU', 'PGTIOU-abc', 'INVALID_TICKET'],
  ])('%s: %s', async (_name, ticket, code) => {
    for (const endpoint of ['serviceValidate', 'proxyValidate', 'p3/serviceValidate']) {
      expect(parseCasXml((await casGet(`${endpoint}?service=${enc(S)}&ticket=${enc(ticket)}`)).body).failureCode, endpoint).toBe(code);
    }
    expect((await casGet(`validate?service=${enc(S)}&ticket=${enc(ticket)}`)).body).toBe('no\n\n');
  });

  it('validation by POST (form body) works like GET', async () => {
    const st = await ticketFor(S);
    const res = await t.app.inject({
      method: 'POST',
      url: '/cas/p3/serviceValidate',
      payload: `service=${enc(S)}&ticket=${st}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(parseCasXml(res.body).user).toBe('alice');
  });
});

describe('every bad request gets the right code, with HTTP 200', () => {
  it('a service disabled after its ticket was issued: UNAUTHORIZED_SERVICE', async () => {
    const st = await ticketFor(S);
    await t.ctx.services.update({ ...t.s, enabled: false });
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('UNAUTHORIZED_SERVICE');
  });

  // Validation reads no user row: disabling or deleting an account ends its sessions, and their tickets with them.
  it('a user disabled after the ticket was issued: INVALID_TICKET', async () => {
    const st = await ticketFor(S);
    await t.ctx.admin.users.setStatus('alice', 'disabled');
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('a user deleted after the ticket was issued: INVALID_TICKET', async () => {
    const st = await ticketFor(S);
    await t.ctx.admin.users.delete('alice');
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('a user disabled in the database behind the server (another process, memory registry): INVALID_TICKET after the re-check', async () => {
    const st = await ticketFor(S);
    const alice = (await t.ctx.users.findByUsername('alice'))!;
    await t.ctx.users.setStatus(alice.id, 'disabled');
    expect(await t.ctx.directoryRecheck.run({ now: true })).toMatchObject({ ended: 1 });
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('the ticket registry failing: INTERNAL_ERROR in XML, JSON, CAS 1.0 and /proxy', async () => {
    const st = await ticketFor(S);
    const broken = async () => {
      throw new Error('registry unreachable');
    };
    t.ctx.tickets.consume = broken;
    t.ctx.tickets.consumeWithSession = broken;
    t.ctx.tickets.get = broken;
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INTERNAL_ERROR');
    const json = JSON.parse((await casGet(`p3/serviceValidate?service=${enc(S)}&ticket=${st}&format=JSON`)).body);
    expect(json.serviceResponse.authenticationFailure.code).toBe('INTERNAL_ERROR');
    expect((await casGet(`validate?service=${enc(S)}&ticket=${st}`)).body).toBe('no\n\n');
    expect(parseCasXml((await casGet(`proxy?pgt=PGT-abc&targetService=${enc(S)}`)).body).failureCode).toBe('INTERNAL_ERROR');
  });

  it('format is read case-insensitively; an unknown one is INVALID_REQUEST even on a good ticket', async () => {
    const st = await ticketFor(S);
    expect(
      JSON.parse((await casGet(`serviceValidate?service=${enc(S)}&ticket=${st}&format=json`)).body).serviceResponse.authenticationSuccess.user,
    ).toBe('alice');
    expect(parseCasXml((await casGet(`serviceValidate?service=${enc(S)}&ticket=ST-x&format=XML2`)).body).failureCode).toBe('INVALID_REQUEST');
  });
});
