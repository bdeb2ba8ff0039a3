// The protocol endpoints run none of the pages' work (cookie parsing, helmet's page headers, page languages) but
// keep the headers their responses need; the pages keep every header they had.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, type CasTestApp, createCasTestApp, S, ticketFrom } from '../support/cas-app.js';

let t: CasTestApp;
beforeEach(async () => {
  t = await createCasTestApp();
});
afterEach(async () => t.close());

/** Helmet's page headers: present on every page, absent on the protocol's responses. */
const PAGE_HEADERS = ['x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'x-dns-prefetch-control', 'origin-agent-cluster'];

describe('protocol responses', () => {
  it.each([
    ['serviceValidate', 'application/xml;charset=UTF-8'],
    ['p3/serviceValidate', 'application/xml;charset=UTF-8'],
    ['proxyValidate', 'application/xml;charset=UTF-8'],
    ['validate', 'text/plain;charset=UTF-8'],
  ])('/%s: its content type, no-store and nosniff; no page headers, no cookie set', async (endpoint, type) => {
    const ticket = ticketFrom((await new Browser(t.app).signIn(S)).headers.location);
    const res = await t.app.inject({
      url: `/cas/${endpoint}?service=${encodeURIComponent(S)}&ticket=${ticket}&lang=en`,
      headers: { cookie: 'wecas_lang=zh-CN; TGC=TGT-forged' },
    });
    expect(res.body).toMatch(/alice/);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    for (const name of PAGE_HEADERS) expect(res.headers[name], name).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('/samlValidate and /proxy answer with their own types, no-store and nosniff, without page headers', async () => {
    const saml = await t.app.inject({
      method: 'POST',
      url: `/cas/samlValidate?TARGET=${encodeURIComponent(S)}`,
      payload: 'not soap',
      headers: { 'content-type': 'text/xml' },
    });
    const proxy = await t.app.inject({ url: `/cas/proxy?pgt=PGT-unknown&targetService=${encodeURIComponent(S)}` });
    expect(saml.headers['content-type']).toMatch(/^text\/xml/);
    expect(proxy.body).toContain('INVALID_TICKET');
    for (const res of [saml, proxy]) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      for (const name of PAGE_HEADERS) expect(res.headers[name], name).toBeUndefined();
    }
  });
});

describe('pages', () => {
  it.each(['/cas/login', '/cas/no-such-page', '/cas/logout'])('%s keeps helmet headers, its CSP and its language cookie', async (url) => {
    const res = await t.app.inject({ url: `${url}?lang=en` });
    for (const name of PAGE_HEADERS) expect(res.headers[name], name).toBeDefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toContain('default-src');
    expect(String(res.headers['set-cookie'])).toContain('wecas_lang=en');
  });

  it('a redirect (an SSO sign-in) keeps its Referer policy and drops the headers only a document needs', async () => {
    const browser = new Browser(t.app);
    await browser.signIn(S);
    const res = await browser.get(`/cas/login?service=${encodeURIComponent(S)}`);
    expect(res.statusCode).toBe(302);
    expect(ticketFrom(res.headers.location)).toMatch(/^ST-/);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['cache-control']).toBe('no-store');
    for (const name of PAGE_HEADERS.filter((n) => n !== 'referrer-policy')) expect(res.headers[name], name).toBeUndefined();
  });
});
