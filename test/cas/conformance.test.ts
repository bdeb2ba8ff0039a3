/**
 * The conformance cases of docs/cas-protocol.md §8 that belong to the CAS core, one test each,
 * named by case number. Responses are parsed with a namespace-aware XML parser.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ALICE, Browser, type CasTestApp, createCasTestApp, executionOf, parseCasXml, S, S2, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
let t: CasTestApp;
let browser: Browser;

beforeEach(async () => {
  t = await createCasTestApp();
  browser = new Browser(t.app);
});
afterEach(async () => t.close());

async function freshTicket(service = S): Promise<string> {
  const res = await browser.signIn(service);
  expect(res.statusCode).toBe(302);
  return ticketFrom(res.headers.location);
}

async function validate(path: string, query: string) {
  const res = await t.app.inject({ method: 'GET', url: `/cas/${path}?${query}` });
  expect(res.statusCode).toBe(200); // #45: protocol failures are HTTP 200 too
  return res;
}

describe('CAS /login (docs/cas-protocol.md §8 #1–#10)', () => {
  it('#1 GET /login without a cookie shows a form with username, password and a one-time token', async () => {
    const res = await browser.get('/cas/login');
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/name="username"/);
    expect(res.body).toMatch(/name="password"/);
    expect(res.body).toMatch(/name="execution" value="LT-[A-Za-z0-9-]+"/);
  });

  it('#2 GET /login?service=S keeps the service in the form action', async () => {
    const res = await browser.get(`/cas/login?service=${enc(S)}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`action="/cas/login?service=${enc(S)}"`.replace(/&/g, '&amp;'));
  });

  it("#3 good credentials: a TGC cookie (Path=/cas, HttpOnly, no Expires), a 303 to wecas's continuation, then 302 to S?ticket=ST-…", async () => {
    const url = `/cas/login?service=${enc(S)}`;
    const posted = await browser.post(url, { execution: executionOf((await browser.get(url)).body), ...ALICE });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toMatch(/^\/cas\/login\/continue\?id=[A-Za-z0-9]{32}$/);
    expect(posted.headers['cache-control']).toBe('no-store');
    const res = await browser.get(posted.headers.location!);
    expect(res.statusCode).toBe(302);
    const location = res.headers.location!;
    expect(location.startsWith(`${S}?ticket=`)).toBe(true);
    const st = ticketFrom(location);
    expect(st).toMatch(/^ST-[A-Za-z0-9-]+$/);
    expect(st.length).toBeLessThanOrEqual(32);
    const tgc = ([] as string[]).concat(posted.headers['set-cookie'] ?? []).find((c) => c.startsWith('TGC='));
    expect(tgc).toBeDefined();
    expect(tgc).toMatch(/Path=\/cas/);
    expect(tgc).toMatch(/HttpOnly/);
    expect(tgc).not.toMatch(/Expires|Max-Age/i);
  });

  it('#4 a bad password shows the form again with an error, no TGC, no Location', async () => {
    const res = await browser.signIn(S, ALICE.username, 'wrong');
    expect([200, 401]).toContain(res.statusCode);
    expect(res.headers.location).toBeUndefined();
    expect(browser.jar.get('TGC')).toBeUndefined();
    expect(res.body).toMatch(/id="login-error"/);
    expect(res.body).toMatch(/name="password"/);
  });

  it('#5 with a TGC, /login?service=S redirects with a new ST and shows no form', async () => {
    const first = ticketFrom((await browser.signIn(S)).headers.location);
    const res = await browser.get(`/cas/login?service=${enc(S)}`);
    expect(res.statusCode).toBe(302);
    const second = ticketFrom(res.headers.location);
    expect(second).not.toBe(first);
  });

  it('#6 with a TGC and renew=true the form is shown', async () => {
    await browser.signIn(S);
    const res = await browser.get(`/cas/login?service=${enc(S)}&renew=true`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toMatch(/name="password"/);
  });

  it('#7 gateway=true without a TGC redirects to S exactly, with no ticket', async () => {
    const res = await browser.get(`/cas/login?service=${enc(S)}&gateway=true`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(S);
  });

  it('#8 gateway=true with a TGC redirects with a ticket', async () => {
    await browser.signIn(S);
    const res = await browser.get(`/cas/login?service=${enc(S)}&gateway=true`);
    expect(res.statusCode).toBe(302);
    expect(ticketFrom(res.headers.location)).toMatch(/^ST-/);
  });

  it('#9 an unregistered service gets an error page: no redirect, no ticket', async () => {
    const evil = 'https://evil.example/';
    const res = await browser.get(`/cas/login?service=${enc(evil)}`);
    expect(res.statusCode).toBeGreaterThanOrEqual(400);
    expect(res.statusCode).toBeLessThan(500);
    expect(res.headers.location).toBeUndefined();
    expect(res.body).toContain('https://evil.example/');
    expect(res.body).not.toMatch(/ST-/);
    // …and not even after signing in first.
    await browser.signIn(S);
    const again = await browser.get(`/cas/login?service=${enc(evil)}`);
    expect(again.headers.location).toBeUndefined();
  });

  it('#10 a service URL with a query gets &ticket= appended', async () => {
    const res = await browser.signIn(`${S}?x=1`);
    expect(res.headers.location).toMatch(new RegExp(`^${S.replace(/[.?]/g, '\\$&')}\\?x=1&ticket=ST-`));
  });
});

describe('CAS 1.0 /validate (docs/cas-protocol.md §8 #11–#12)', () => {
  it('#11 answers exactly yes\\nalice\\n', async () => {
    const st = await freshTicket();
    const res = await validate('validate', `service=${enc(S)}&ticket=${st}`);
    expect(res.body).toBe('yes\nalice\n');
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
  });

  it('#12 a replayed ticket answers no\\n\\n', async () => {
    const st = await freshTicket();
    await validate('validate', `service=${enc(S)}&ticket=${st}`);
    const res = await validate('validate', `service=${enc(S)}&ticket=${st}`);
    expect(res.body).toBe('no\n\n');
  });
});

describe('CAS 2.0/3.0 validation (docs/cas-protocol.md §8 #13–#27)', () => {
  it('#13 /serviceValidate success: cas:user alice, no PGT, no proxies, literal cas: prefix', async () => {
    const st = await freshTicket();
    const res = await validate('serviceValidate', `service=${enc(S)}&ticket=${st}`);
    const r = parseCasXml(res.body);
    expect(r.rootPrefix).toBe('cas');
    expect(r.rootName).toBe('serviceResponse');
    expect(r.success).toBe(true);
    expect(r.user).toBe('alice');
    expect(r.proxyGrantingTicket).toBeUndefined();
    expect(r.proxies).toEqual([]);
    expect(res.body).toContain('<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">');
  });

  it('#14 /p3/serviceValidate after a form login: protocol attributes, mail and two memberOf', async () => {
    const st = await freshTicket();
    const r = parseCasXml((await validate('p3/serviceValidate', `service=${enc(S)}&ticket=${st}`)).body);
    expect(r.success).toBe(true);
    expect(r.attributes.authenticationDate?.[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/);
    expect(r.attributes.isFromNewLogin).toEqual(['true']);
    expect(r.attributes.longTermAuthenticationRequestTokenUsed).toEqual(['false']);
    expect(r.attributes.mail).toEqual(['alice@example.org']);
    expect(r.attributes.memberOf).toEqual(['staff', 'faculty']);
    expect(r.attributes.credentialType).toEqual(['UsernamePasswordCredential']);
  });

  it('#15 a ticket from SSO says isFromNewLogin=false', async () => {
    await freshTicket();
    const sso = await browser.get(`/cas/login?service=${enc(S)}`);
    const r = parseCasXml((await validate('p3/serviceValidate', `service=${enc(S)}&ticket=${ticketFrom(sso.headers.location)}`)).body);
    expect(r.attributes.isFromNewLogin).toEqual(['false']);
  });

  it('#16 no service: INVALID_REQUEST', async () => {
    const st = await freshTicket();
    expect(parseCasXml((await validate('serviceValidate', `ticket=${st}`)).body).failureCode).toBe('INVALID_REQUEST');
  });

  it('#17 no ticket: INVALID_REQUEST', async () => {
    expect(parseCasXml((await validate('serviceValidate', `service=${enc(S)}`)).body).failureCode).toBe('INVALID_REQUEST');
  });

  it('#18 a replayed ticket: INVALID_TICKET', async () => {
    const st = await freshTicket();
    await validate('serviceValidate', `service=${enc(S)}&ticket=${st}`);
    expect(parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('#19 another service: INVALID_SERVICE, and the ticket is destroyed', async () => {
    const st = await freshTicket();
    const wrong = parseCasXml((await validate('serviceValidate', `service=${enc(S2)}&ticket=${st}`)).body);
    expect(wrong.failureCode).toBe('INVALID_SERVICE');
    expect(wrong.failureText).toContain(S);
    expect(wrong.failureText).toContain(S2);
    expect(parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('#20 a ticket validated after its lifetime: INVALID_TICKET', async () => {
    const st = await freshTicket();
    t.clock.advance(t.ctx.config.tickets.serviceTicketSeconds * 1000 + 1000);
    const r = parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${st}`)).body);
    expect(r.failureCode).toBe('INVALID_TICKET');
    expect(r.failureText).toMatch(/expired/);
  });

  it('#21 a ticket from SSO with renew=true: INVALID_TICKET', async () => {
    await freshTicket();
    const sso = ticketFrom((await browser.get(`/cas/login?service=${enc(S)}`)).headers.location);
    expect(parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${sso}&renew=true`)).body).failureCode).toBe('INVALID_TICKET');
  });

  it('#22 a ticket from the form with renew=true: success', async () => {
    const st = await freshTicket();
    expect(parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${st}&renew=true`)).body).user).toBe('alice');
  });

  it('#23 garbage and TGT ids are never a success', async () => {
    await browser.signIn(S);
    const tgt = browser.jar.get('TGC')!;
    for (const ticket of ['garbage', tgt, 'ST-', `ST-${'a'.repeat(300)}`, 'ST-abc<x>']) {
      const r = parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${enc(ticket)}`)).body);
      expect(r.success).toBe(false);
      expect(['INVALID_TICKET_SPEC', 'INVALID_TICKET']).toContain(r.failureCode);
    }
    // The TGT survived the attempt: SSO still works.
    expect((await browser.get(`/cas/login?service=${enc(S)}`)).statusCode).toBe(302);
  });

  it('#24 format=JSON success: user and attributes as arrays, booleans as booleans', async () => {
    const st = await freshTicket();
    const res = await validate('p3/serviceValidate', `service=${enc(S)}&ticket=${st}&format=JSON`);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = JSON.parse(res.body);
    const success = body.serviceResponse.authenticationSuccess;
    expect(success.user).toBe('alice');
    expect(success.attributes.memberOf).toEqual(['staff', 'faculty']);
    expect(success.attributes.isFromNewLogin).toEqual([true]);
  });

  it('#25 format=JSON failure: code and description', async () => {
    const st = await freshTicket();
    await validate('serviceValidate', `service=${enc(S)}&ticket=${st}`);
    const body = JSON.parse((await validate('serviceValidate', `service=${enc(S)}&ticket=${st}&format=JSON`)).body);
    expect(body.serviceResponse.authenticationFailure.code).toBe('INVALID_TICKET');
    expect(typeof body.serviceResponse.authenticationFailure.description).toBe('string');
  });

  it('#26 format=YAML: INVALID_REQUEST', async () => {
    const st = await freshTicket();
    expect(parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${st}&format=YAML`)).body).failureCode).toBe('INVALID_REQUEST');
  });

  it('#27 attribute values with XML metacharacters stay well-formed and round-trip', async () => {
    // Usernames are restricted to [A-Za-z0-9._@-], so the metacharacters travel in released attributes.
    await t.ctx.users.create({ username: 'odd', password: 'pw-odd-123', displayName: 'A & B <C> "D"', attributes: { mail: ["x&y'z@example.org"] } });
    const res = await browser.signIn(S, 'odd', 'pw-odd-123');
    const xml = (await validate('p3/serviceValidate', `service=${enc(S)}&ticket=${ticketFrom(res.headers.location)}`)).body;
    expect(xml).toContain('A &amp; B &lt;C&gt; &quot;D&quot;');
    const r = parseCasXml(xml);
    expect(r.user).toBe('odd');
    expect(r.attributes.displayName).toEqual(['A & B <C> "D"']);
    expect(r.attributes.mail).toEqual(["x&y'z@example.org"]);
  });

  it('#28 (one node) 20 parallel validations of one ST: exactly one success', async () => {
    const st = await freshTicket();
    const results = await Promise.all(
      Array.from({ length: 20 }, () => validate('serviceValidate', `service=${enc(S)}&ticket=${st}`).then((r) => parseCasXml(r.body))),
    );
    expect(results.filter((r) => r.success)).toHaveLength(1);
    expect(results.filter((r) => r.failureCode === 'INVALID_TICKET')).toHaveLength(19);
  });
});

describe('CAS /logout (docs/cas-protocol.md §8 #41–#43, without single logout)', () => {
  it('#41 logout clears the TGC and #43 the next login shows the form', async () => {
    await browser.signIn(S);
    expect(browser.jar.get('TGC')).toBeDefined();
    const res = await browser.get('/cas/logout');
    expect(res.statusCode).toBe(200);
    const cleared = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('TGC='));
    expect(cleared).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
    expect(cleared).toMatch(/Path=\/cas/);
    const again = await browser.get(`/cas/login?service=${enc(S)}`);
    expect(again.statusCode).toBe(200);
    expect(again.body).toMatch(/name="password"/);
  });

  it('#42 logout?service=S redirects to S; an unregistered URL gets the page, no redirect', async () => {
    await browser.signIn(S);
    const res = await browser.get(`/cas/logout?service=${enc(S)}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(S);
    const evil = await browser.get(`/cas/logout?service=${enc('https://evil.example/')}`);
    expect(evil.statusCode).toBe(200);
    expect(evil.headers.location).toBeUndefined();
  });

  it('a ticket issued before logout dies with the session', async () => {
    const st = await freshTicket();
    await browser.get('/cas/logout');
    expect(parseCasXml((await validate('serviceValidate', `service=${enc(S)}&ticket=${st}`)).body).failureCode).toBe('INVALID_TICKET');
  });
});
