/**
 * Single logout, docs/cas-protocol.md §4 and §8 #41 and #44, end to end: wecas (in process) POSTs to real HTTP receivers on
 * loopback, which record what arrived; the LogoutRequest is read with a namespace-aware XML parser.
 */
import { inflateSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSingleLogout } from '../../src/cas/single-logout.js';
import type { RegisteredService } from '../../src/services/types.js';
import { Browser, type CasTestApp, createCasTestApp, ticketFrom } from '../support/cas-app.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

const enc = encodeURIComponent;
const SAML2P_NS = 'urn:oasis:names:tc:SAML:2.0:protocol';
const SAML2_NS = 'urn:oasis:names:tc:SAML:2.0:assertion';
/** phpCAS finds the ticket with exactly this regex (CAS/Client.php, handleLogoutRequests). */
const PHPCAS_SESSION_INDEX = /<samlp:SessionIndex>(.*)<\/samlp:SessionIndex>/;

let receiver: Receiver;
let other: Receiver;
let t: CasTestApp;
let browser: Browser;
let app: string; // a back-channel service on the receiver
let service: RegisteredService;

beforeAll(async () => {
  [receiver, other] = await Promise.all([startReceiver(), startReceiver()]);
});
afterAll(async () => Promise.all([receiver.close(), other.close()]));

beforeEach(async () => {
  t = await createCasTestApp();
  browser = new Browser(t.app);
  receiver.requests.length = 0;
  other.requests.length = 0;
  receiver.answer(() => ({ status: 200 }));
  app = `${receiver.origin}/app`;
  service = await t.ctx.services.add({ name: 'receiver', pattern: app, matchType: 'prefix', evaluationOrder: 1, logoutType: 'back-channel' });
});
afterEach(async () => {
  await t.ctx.singleLogout.settled();
  await t.close();
});

async function ticketFor(url: string): Promise<string> {
  const res = browser.jar.get('TGC') ? await browser.get(`/cas/login?service=${enc(url)}`) : await browser.signIn(url);
  expect(res.statusCode).toBe(302);
  return ticketFrom(res.headers.location);
}

/** The form fields and the parsed LogoutRequest of one back-channel POST. */
function logoutRequestOf(body: string) {
  const form = new URLSearchParams(body);
  const xml = form.get('logoutRequest') ?? '';
  const errors: string[] = [];
  const doc = new DOMParser({ onError: (level, msg) => void (level !== 'warning' && errors.push(msg)) }).parseFromString(xml, 'text/xml');
  if (errors.length) throw new Error(`malformed LogoutRequest: ${errors.join('; ')}\n${xml}`);
  const root = doc.documentElement!;
  return {
    fields: [...form.keys()],
    xml,
    root,
    nameId: root.getElementsByTagNameNS(SAML2_NS, 'NameID')[0]?.textContent,
    sessionIndex: root.getElementsByTagNameNS(SAML2P_NS, 'SessionIndex')[0]?.textContent,
  };
}

describe('back-channel single logout (docs/cas-protocol.md §4.1, §8 #41)', () => {
  it('#41 logout POSTs logoutRequest=<LogoutRequest> for each ticket, SessionIndex = the ticket on one line', async () => {
    const st1 = await ticketFor(`${app}?page=1`);
    const st2 = await ticketFor(app);
    const res = await browser.get('/cas/logout');
    expect(res.statusCode).toBe(200);

    const posts = await receiver.received(2);
    await t.ctx.singleLogout.settled();
    expect(posts).toHaveLength(2);
    // Each to the service URL its ticket was issued for.
    expect(posts.map((p) => p.url).sort()).toEqual(['/app', '/app?page=1']);
    const bySessionIndex = new Map<string, ReturnType<typeof logoutRequestOf>>();
    for (const post of posts) {
      expect(post.method).toBe('POST');
      expect(post.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(post.body.startsWith('logoutRequest=')).toBe(true); // mod_auth_cas checks exactly this
      const lr = logoutRequestOf(post.body);
      expect(lr.fields).toEqual(['logoutRequest']);
      expect(lr.root.localName).toBe('LogoutRequest');
      expect(lr.root.prefix).toBe('samlp');
      expect(lr.root.namespaceURI).toBe(SAML2P_NS);
      expect(lr.root.getAttribute('Version')).toBe('2.0');
      expect(lr.root.getAttribute('ID')).toMatch(/^LR-[A-Za-z0-9]+$/);
      expect(lr.root.getAttribute('IssueInstant')).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(lr.nameId).toBe('@NOT_USED@');
      expect(PHPCAS_SESSION_INDEX.exec(lr.xml)?.[1]).toBe(lr.sessionIndex);
      bySessionIndex.set(lr.sessionIndex!, lr);
    }
    expect([...bySessionIndex.keys()].sort()).toEqual([st1, st2].sort());
    expect(posts.find((p) => p.url === '/app?page=1')!.body).toContain(enc(st1));

    const sent = await t.ctx.db.selectFrom('audit_events').select('detail').where('type', '=', 'slo.sent').execute();
    expect(sent.map((r) => JSON.parse(r.detail).status)).toEqual([200, 200]);
  });

  it('signing in again as the same person gives a new session id, tells nobody, and the new session still logs out every application', async () => {
    const before = await ticketFor(app);
    const oldTgc = browser.jar.get('TGC')!;
    const again = await browser.signIn(`${app}?page=2`, undefined, undefined, '&renew=true');
    expect(again.statusCode).toBe(302);
    const newTgc = browser.jar.get('TGC')!;
    expect(newTgc).not.toBe(oldTgc);
    expect(await t.ctx.tickets.get(oldTgc, 'TGT')).toBeUndefined();
    await t.ctx.singleLogout.settled();
    expect(receiver.requests).toEqual([]); // the person is still signed in: no application is told anything

    await browser.get('/cas/logout');
    const posts = await receiver.received(2);
    expect(posts.map((p) => logoutRequestOf(p.body).sessionIndex).sort()).toEqual([before, ticketFrom(again.headers.location)].sort());
  });

  it('a registered logoutUrl receives the POST instead of the service URL', async () => {
    await t.ctx.services.update({ ...service, logoutUrl: `${other.origin}/cas-logout` });
    const st = await ticketFor(app);
    await browser.get('/cas/logout');
    const [post] = await other.received(1);
    expect(post!.url).toBe('/cas-logout');
    expect(logoutRequestOf(post!.body).sessionIndex).toBe(st);
    await t.ctx.singleLogout.settled();
    expect(receiver.requests).toEqual([]);
  });

  it('the logout page does not wait for a slow application', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    receiver.answer(async () => {
      await held;
      return { status: 200 };
    });
    await ticketFor(app);
    const res = await browser.get('/cas/logout'); // answered while the receiver still holds its request
    expect(res.statusCode).toBe(200);
    await receiver.received(1);
    release();
    await t.ctx.singleLogout.settled();
    const sent = await t.ctx.db.selectFrom('audit_events').select('detail').where('type', '=', 'slo.sent').execute();
    expect(sent).toHaveLength(1);
  });

  it('services with logoutType none are not told; logging out without a session tells nobody', async () => {
    await t.ctx.services.update({ ...service, logoutType: 'none' });
    await ticketFor(app);
    await browser.get('/cas/logout');
    await browser.get('/cas/logout');
    await t.ctx.singleLogout.settled();
    expect(receiver.requests).toEqual([]);
  });

  it('an SSO session that expires is logged out the same way (the sweeper hands it to single logout)', async () => {
    const st = await ticketFor(app);
    t.clock.advance(t.ctx.config.tickets.sessionIdleSeconds * 1000 + 1);
    expect(await t.ctx.sessions.sweep()).toBe(1);
    const [post] = await receiver.received(1);
    expect(logoutRequestOf(post!.body).sessionIndex).toBe(st);
  });
});

describe('back-channel delivery: deadline and bounded retry', () => {
  async function deliverOne(policy: { timeoutMs: number; attempts: number; retryDelayMs: number }) {
    const slo = createSingleLogout({ services: t.ctx.services, audit: t.ctx.audit, backChannel: policy });
    const st = await ticketFor(app);
    // Taken from the registry directly: the app's own single logout must not deliver it too.
    const session = (await t.ctx.tickets.removeSession(browser.jar.get('TGC')!))!;
    await slo.notify(session);
    await slo.settled();
    const audit = async (type: string) =>
      (await t.ctx.db.selectFrom('audit_events').select('detail').where('type', '=', type).execute()).map((r) => JSON.parse(r.detail));
    return { st, sent: await audit('slo.sent'), failed: await audit('slo.failed') };
  }

  it('retries after a 5xx and stops at the first answer below 500', async () => {
    let calls = 0;
    receiver.answer(() => ({ status: ++calls === 1 ? 503 : 200 }));
    const { st, sent, failed } = await deliverOne({ timeoutMs: 2000, attempts: 3, retryDelayMs: 0 });
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests.map((r) => logoutRequestOf(r.body).sessionIndex)).toEqual([st, st]);
    expect(sent).toEqual([expect.objectContaining({ status: 200, attempt: 2 })]);
    expect(failed).toEqual([]);
  });

  it('gives up after the last attempt and records why', async () => {
    receiver.answer(() => ({ status: 500 }));
    const { sent, failed } = await deliverOne({ timeoutMs: 2000, attempts: 3, retryDelayMs: 0 });
    expect(receiver.requests).toHaveLength(3);
    expect(sent).toEqual([]);
    expect(failed).toEqual([expect.objectContaining({ service: app, error: 'HTTP 500', attempts: 3 })]);
  });

  it('abandons an attempt that gets no answer by its deadline', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    receiver.answer(async () => {
      await held;
      return { status: 200 };
    });
    // The deadline leaves a loaded machine time to deliver each attempt, so the receiver sees both (at 50 ms, CI once
    // gave up on the second before its body arrived).
    const { failed } = await deliverOne({ timeoutMs: 400, attempts: 2, retryDelayMs: 0 });
    release();
    expect(receiver.requests).toHaveLength(2);
    expect(failed).toEqual([expect.objectContaining({ error: 'no answer within 400 ms', attempts: 2 })]);
  });

  it('records an unreachable application with the socket error', async () => {
    const gone = await startReceiver();
    await gone.close();
    await t.ctx.services.update({ ...service, logoutUrl: `${gone.origin}/logout` });
    const { failed } = await deliverOne({ timeoutMs: 2000, attempts: 2, retryDelayMs: 0 });
    expect(failed).toEqual([expect.objectContaining({ error: 'ECONNREFUSED' })]);
  });
});

describe('front-channel single logout (docs/cas-protocol.md §4.2, §8 #44)', () => {
  it('#44 the logout page carries an <img> to S?SAMLRequest=base64(zlib(LogoutRequest)), allowed by its CSP', async () => {
    await t.ctx.services.update({ ...service, logoutType: 'front-channel' });
    const st = await ticketFor(`${app}?x=1`);
    const res = await browser.get('/cas/logout');
    expect(res.statusCode).toBe(200);
    const src = /<img src="([^"]+)"/.exec(res.body)?.[1]?.replace(/&amp;/g, '&');
    expect(src).toBeDefined();
    const url = new URL(src!);
    expect(`${url.origin}${url.pathname}`).toBe(app);
    expect(url.searchParams.get('x')).toBe('1');
    const xml = inflateSync(Buffer.from(url.searchParams.get('SAMLRequest')!, 'base64')).toString('utf8');
    expect(PHPCAS_SESSION_INDEX.exec(xml)?.[1]).toBe(st);
    expect(res.headers['content-security-policy']).toMatch(new RegExp(`img-src 'self' ${receiver.origin.replace(/[.]/g, '\\.')}`));
    // Front-channel services are told by the browser, not by a POST.
    await t.ctx.singleLogout.settled();
    expect(receiver.requests).toEqual([]);
  });
});
