/**
 * What a service's policies change for the person and the application: the CAS user it sees, the names it gets
 * attributes under, who it admits (fresh sign-in, single sign-on and validation alike), and which sign-in methods
 * it takes.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RegisteredService } from '../../src/services/types.js';
import { ALICE, Browser, type CasTestApp, createCasTestApp, executionOf, parseCasXml, S, S2, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
const BOB = { username: 'bob', password: 'pw-bob-456' };
let t: CasTestApp;
let browser: Browser;

beforeEach(async () => {
  t = await createCasTestApp();
  browser = new Browser(t.app);
  await t.ctx.users.create({ ...BOB, displayName: 'Bob 王', attributes: { memberOf: ['students'] } });
});
afterEach(async () => t.close());

async function policy(change: Partial<RegisteredService>) {
  await t.ctx.services.update({ ...t.s, ...change });
}

async function validate(ticket: string, endpoint = 'p3/serviceValidate', service = S) {
  return parseCasXml((await t.app.inject(`/cas/${endpoint}?service=${enc(service)}&ticket=${ticket}`)).body);
}

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ');

describe('the CAS user and attributes a service sees', () => {
  it('is the attribute the service chose, cased as it asks, with renamed attributes under every name', async () => {
    await policy({
      usernameAttribute: 'mail',
      usernameCase: 'upper',
      attributes: ['memberOf'],
      attributeRenames: { displayName: ['cn', 'fullName'], username: ['uid'] },
    });
    const v = await validate(ticketFrom((await browser.signIn(S)).headers.location));
    expect(v.user).toBe('ALICE@EXAMPLE.ORG');
    expect(v.attributes).toMatchObject({ cn: ['Alice'], fullName: ['Alice'], uid: ['alice'], memberOf: ['staff', 'faculty'] });
    // Released under the new names only: the service was not given displayName or mail.
    expect(v.attributes).not.toHaveProperty('displayName');
    expect(v.attributes).not.toHaveProperty('mail');
  });

  it('may be a released name, and is the same on CAS 1.0, which releases no attributes', async () => {
    await policy({ usernameAttribute: 'uid', attributeRenames: { stableId: ['uid'] } });
    const user = await t.ctx.users.findByUsername(ALICE.username);
    const st = ticketFrom((await browser.signIn(S)).headers.location);
    expect((await t.app.inject(`/cas/validate?service=${enc(S)}&ticket=${st}`)).body).toBe(`yes\n${user?.id}\n`);
  });

  it('falls back to the login name when the person lacks the attribute', async () => {
    await policy({ usernameAttribute: 'phone' });
    const v = await validate(ticketFrom((await browser.signIn(S)).headers.location));
    expect(v.user).toBe('alice');
  });
});

describe('a service that requires attributes', () => {
  beforeEach(() => policy({ requiredAttributes: { memberOf: ['^staff$'] } }));

  it('admits a person who has them', async () => {
    const res = await browser.signIn(S);
    expect(res.statusCode).toBe(302);
    expect((await validate(ticketFrom(res.headers.location))).user).toBe('alice');
  });

  it('refuses everyone else at sign-in with a 403 page and no ticket, the session kept for other applications', async () => {
    const res = await browser.signIn(S, BOB.username, BOB.password, '', { 'accept-language': 'en' });
    expect(res.statusCode).toBe(403);
    expect(res.headers.location).toBeUndefined();
    expect(text(res.body)).toContain('You cannot use this application');
    expect(text(res.body)).toContain('You are signed in as Bob 王, but App S is open only to some people');
    expect(res.body).toContain(`/cas/login?service=${enc(S)}&amp;renew=true`);
    // Signed in all the same: another application gets a ticket by single sign-on.
    const other = await browser.get(`/cas/login?service=${enc(S2)}`);
    expect(other.statusCode).toBe(302);
    expect(ticketFrom(other.headers.location)).toMatch(/^ST-/);
    const denied = await t.ctx.db.selectFrom('audit_events').selectAll().where('type', '=', 'access.denied').execute();
    expect(denied.map((e) => JSON.parse(e.detail))).toEqual([expect.objectContaining({ serviceId: t.s.id, service: 'App S' })]);
  });

  it('refuses on single sign-on too, in Chinese by default', async () => {
    await browser.signIn(S2, BOB.username, BOB.password);
    const res = await browser.get(`/cas/login?service=${enc(S)}`);
    expect(res.statusCode).toBe(403);
    expect(text(res.body)).toContain('您无权使用该应用');
    expect(text(res.body)).toContain('您已以 Bob 王 身份登录，但 App S 仅对部分人员开放');
  });

  it('sends a gateway request back to the application without a ticket', async () => {
    await browser.signIn(S2, BOB.username, BOB.password);
    const res = await browser.get(`/cas/login?service=${enc(S)}&gateway=true`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(S);
  });

  it('refuses validation when the person no longer qualifies (a ticket issued before the rule)', async () => {
    await policy({ requiredAttributes: {} });
    const st = ticketFrom((await browser.signIn(S, BOB.username, BOB.password)).headers.location);
    await policy({ requiredAttributes: { memberOf: ['^staff$'] } });
    const v = await validate(st);
    expect(v.success).toBe(false);
    expect(v.failureCode).toBe('UNAUTHORIZED_SERVICE');
    expect(v.failureText).toContain('not allowed');
  });

  it('with requireAllAttributes false, admits whoever matches one of them', async () => {
    await policy({ requiredAttributes: { memberOf: ['^staff$'], displayName: ['王'] }, requireAllAttributes: false });
    expect((await browser.signIn(S, BOB.username, BOB.password)).statusCode).toBe(302);
    await policy({ requiredAttributes: { memberOf: ['^staff$'], displayName: ['王'] }, requireAllAttributes: true });
    expect((await new Browser(t.app).signIn(S, BOB.username, BOB.password)).statusCode).toBe(403);
  });
});

describe('a service that lists the sign-in methods it accepts', () => {
  it('shows only those on the login page', async () => {
    await policy({ signInMethods: ['sms'] });
    const page = await browser.get(`/cas/login?service=${enc(S)}`);
    expect(page.body).toContain('id="sms-send-form"');
    expect(page.body).not.toContain('id="password-form"');
    expect(page.body).not.toContain('data-method="password"');
  });

  it('says so when this server offers none of them (WeChat only, on a server without WeChat)', async () => {
    await policy({ signInMethods: ['wechat'] });
    const page = await browser.get(`/cas/login?service=${enc(S)}`, { 'accept-language': 'en' });
    expect(page.body).not.toContain('wechat-qr');
    expect(page.body).not.toContain('<form');
    expect(text(page.body)).toContain('App S accepts only sign-in methods this server does not offer.');
  });

  it('refuses a password posted anyway, saying which methods it takes', async () => {
    await policy({ signInMethods: ['sms', 'wechat'] });
    const url = `/cas/login?service=${enc(S)}`;
    const form = await browser.get(url);
    const res = await browser.post(url, { execution: executionOf(form.body), ...ALICE }, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(403);
    expect(text(res.body)).toContain('App S does not accept this way of signing in. Use an SMS code or WeChat.');
    expect(res.headers['set-cookie']?.toString() ?? '').not.toContain('TGC=');
  });

  it('asks a session signed in another way to sign in again, and a ticket follows the accepted method', async () => {
    await browser.signIn(S2);
    await policy({ signInMethods: ['password'] });
    await t.ctx.services.update({ ...t.s2, signInMethods: ['sms'] });
    const res = await browser.get(`/cas/login?service=${enc(S2)}`, { 'accept-language': 'en' });
    expect(res.statusCode).toBe(200);
    expect(text(res.body)).toContain('Other S2 asks you to sign in with an SMS code.');
    expect(res.body).toContain('id="sms-send-form"');
    // The service that takes passwords still gets its ticket by single sign-on.
    expect((await browser.get(`/cas/login?service=${enc(S)}`)).statusCode).toBe(302);
  });

  it('refuses validation of a ticket from a session of a method it no longer takes', async () => {
    const st = ticketFrom((await browser.signIn(S)).headers.location);
    await policy({ signInMethods: ['wechat'] });
    const v = await validate(st);
    expect(v.failureCode).toBe('UNAUTHORIZED_SERVICE');
    expect(v.failureText).toContain('password');
  });
});
