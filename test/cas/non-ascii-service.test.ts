/**
 * Services whose URLs are IRIs: a Chinese path, a query with Chinese text, an internationalised host name. HTTP
 * headers carry only ASCII, so every Location (and the HEADER method's `service` header) carries the URL as a URI:
 * non-ASCII characters percent-encoded as UTF-8, the host in punycode. The ticket validates whichever form the
 * application sends back.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Browser, type CasTestApp, createCasTestApp, parseCasXml, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
const CHINESE_PATH = 'https://app.example.org/中文/';
const CHINESE_PATH_URI = 'https://app.example.org/%E4%B8%AD%E6%96%87/';
const IDN_HOST = 'https://bücher.example/katalog?titel=Straße';
const IDN_HOST_URI = 'https://xn--bcher-kva.example/katalog?titel=Stra%C3%9Fe';

let t: CasTestApp;
let browser: Browser;

beforeEach(async () => {
  t = await createCasTestApp();
  browser = new Browser(t.app);
  await t.ctx.services.add({ name: '中文应用', pattern: CHINESE_PATH, matchType: 'prefix', attributes: ['mail'], logoutType: 'none' });
  await t.ctx.services.add({ name: 'Bücher', pattern: 'https://bücher.example/', matchType: 'prefix', logoutType: 'none' });
});
afterEach(async () => t.close());

async function validate(service: string, ticket: string) {
  const res = await t.app.inject({ method: 'GET', url: `/cas/p3/serviceValidate?service=${enc(service)}&ticket=${ticket}` });
  return parseCasXml(res.body);
}

describe('a service URL with non-ASCII characters', () => {
  it('POST sign-in: 302 to the percent-encoded URL with the ticket, and the session cookie is set', async () => {
    const res = await browser.signIn(CHINESE_PATH);
    expect(res.statusCode, res.body).toBe(302);
    expect(res.headers.location).toMatch(/^https:\/\/app\.example\.org\/%E4%B8%AD%E6%96%87\/\?ticket=ST-[A-Za-z0-9-]+$/);
    expect(browser.jar.get('TGC')).toBeDefined();
  });

  it('the ticket validates whether the application sends the service encoded or as typed', async () => {
    const first = ticketFrom((await browser.signIn(CHINESE_PATH)).headers.location);
    expect(await validate(CHINESE_PATH_URI, first)).toMatchObject({ success: true, user: 'alice' });
    const second = ticketFrom((await browser.get(`/cas/login?service=${enc(CHINESE_PATH)}`)).headers.location);
    expect(await validate(CHINESE_PATH, second)).toMatchObject({ success: true, user: 'alice' });
    // Asked for with the encoded URL, validated with the typed one.
    const third = ticketFrom((await browser.get(`/cas/login?service=${enc(CHINESE_PATH_URI)}`)).headers.location);
    expect(await validate(CHINESE_PATH, third)).toMatchObject({ success: true, user: 'alice' });
  });

  it('SSO: an existing session redirects with a ticket to the encoded URL', async () => {
    await browser.signIn(CHINESE_PATH);
    const res = await browser.get(`/cas/login?service=${enc(`${CHINESE_PATH}报告?年=2026#第一节`)}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toMatch(
      /^https:\/\/app\.example\.org\/%E4%B8%AD%E6%96%87\/%E6%8A%A5%E5%91%8A\?%E5%B9%B4=2026&ticket=ST-[A-Za-z0-9-]+#%E7%AC%AC%E4%B8%80%E8%8A%82$/,
    );
  });

  it('gateway without a session: 302 to the encoded URL, without a ticket', async () => {
    const res = await browser.get(`/cas/login?service=${enc(CHINESE_PATH)}&gateway=true`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(CHINESE_PATH_URI);
  });

  it('an internationalised host name goes out in punycode, and its ticket validates with either form', async () => {
    const res = await browser.signIn(IDN_HOST);
    expect(res.statusCode, res.body).toBe(302);
    expect(res.headers.location).toMatch(/^https:\/\/xn--bcher-kva\.example\/katalog\?titel=Stra%C3%9Fe&ticket=ST-[A-Za-z0-9-]+$/);
    expect(await validate(IDN_HOST, ticketFrom(res.headers.location))).toMatchObject({ success: true, user: 'alice' });
    const again = ticketFrom((await browser.get(`/cas/login?service=${enc(IDN_HOST)}`)).headers.location);
    expect(await validate(IDN_HOST_URI, again)).toMatchObject({ success: true, user: 'alice' });
  });

  it('method=HEADER: the service header is the encoded URL', async () => {
    await browser.signIn(CHINESE_PATH);
    const res = await browser.get(`/cas/login?service=${enc(CHINESE_PATH)}&method=HEADER`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.service).toBe(CHINESE_PATH_URI);
    expect(res.headers.ticket).toMatch(/^ST-/);
  });

  it('/logout?service= follows to the encoded URL', async () => {
    await browser.signIn(CHINESE_PATH);
    const res = await browser.get(`/cas/logout?service=${enc(CHINESE_PATH)}`);
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe(CHINESE_PATH_URI);
  });

  it('leaves an ASCII service URL byte for byte as the client sent it', async () => {
    const service = 'https://app.example.org/cb?next=%2Fa%20b&x=1';
    const res = await browser.signIn(service);
    expect(res.headers.location).toMatch(/^https:\/\/app\.example\.org\/cb\?next=%2Fa%20b&x=1&ticket=ST-/);
  });
});
