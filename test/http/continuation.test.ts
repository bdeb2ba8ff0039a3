// A sign-in form's POST ends with a 303 to wecas's continuation, and that GET takes the browser on to the service:
// once, in the browser that signed in, within the ticket's life (at most a minute). What a client parses (statuses,
// Location, the ticket validating) and what a person reads (the page saying to go back to the application).
import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, Browser, type CasTestApp, createCasTestApp, executionOf, parseCasXml, S, ticketFrom } from '../support/cas-app.js';

const enc = encodeURIComponent;
const EN = { 'accept-language': 'en' };
const NAVIGATE = { ...EN, 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document', 'sec-fetch-site': 'same-origin' };
const GONE = 'Return to the application and open it again';

let t: CasTestApp;
afterEach(async () => t?.close());

/** Opens the login form for `query` and posts good credentials; returns the POST's own answer. */
async function postCredentials(browser: Browser, query = `?service=${enc(S)}`) {
  const url = `/cas/login${query}`;
  const form = await browser.get(url, EN);
  return browser.post(url, { execution: executionOf(form.body), ...ALICE }, EN);
}

async function validates(ticket: string): Promise<string | undefined> {
  const res = await t.app.inject({ url: `/cas/p3/serviceValidate?service=${enc(S)}&ticket=${ticket}` });
  return parseCasXml(res.body).user;
}

function csp(res: { headers: Record<string, unknown> }): string {
  return String(res.headers['content-security-policy']);
}

describe('the continuation after a sign-in form', () => {
  it('the POST redirects (303) to the continuation; an HTTP client following it gets the 302 with a ticket that validates; a second GET is a page saying to go back', async () => {
    t = await createCasTestApp();
    const browser = new Browser(t.app);
    const posted = await postCredentials(browser);
    expect(posted.statusCode).toBe(303);
    const continuation = posted.headers.location!;
    expect(continuation).toMatch(/^\/cas\/login\/continue\?id=[A-Za-z0-9]{32}$/);
    expect(posted.body).not.toMatch(/ST-/);

    // A HEAD (a link checker, a prefetch) does not spend it.
    expect((await t.app.inject({ method: 'HEAD', url: continuation, headers: { cookie: browser.jar.header() } })).statusCode).toBe(404);
    const onward = await browser.get(continuation, EN);
    expect(onward.statusCode).toBe(302);
    expect(onward.headers['cache-control']).toBe('no-store');
    expect(onward.headers.location).toMatch(new RegExp(`^${S.replace(/[.?]/g, '\\$&')}\\?ticket=ST-`));
    expect(await validates(ticketFrom(onward.headers.location))).toBe('alice');

    const again = await browser.get(continuation, EN);
    expect(again.statusCode).toBe(410);
    expect(again.headers.location).toBeUndefined();
    expect(again.body).toContain('This link no longer works');
    expect(again.body).toContain(GONE);
    expect(again.body).not.toMatch(/ST-/);
  });

  it('another browser gets the page and no ticket; the continuation is spent for its own browser too', async () => {
    t = await createCasTestApp();
    const mine = new Browser(t.app);
    const continuation = (await postCredentials(mine)).headers.location!;
    for (const browser of [new Browser(t.app), mine]) {
      const res = await browser.get(continuation, EN);
      expect(res.statusCode).toBe(410);
      expect(res.body).toContain(GONE);
      expect(res.body).not.toMatch(/ST-/);
      expect(res.headers.location).toBeUndefined();
    }
    // Without any cookie at all, the same.
    const bare = await t.app.inject({ url: (await postCredentials(new Browser(t.app))).headers.location!, headers: EN });
    expect(bare.statusCode).toBe(410);
  });

  it('lives as long as its ticket (ST_TTL_SECONDS), and never more than a minute', async () => {
    t = await createCasTestApp(); // ST_TTL_SECONDS defaults to 10
    const browser = new Browser(t.app);
    const late = (await postCredentials(browser)).headers.location!;
    t.clock.advance(10_500);
    expect((await browser.get(late, EN)).statusCode).toBe(410);
    await t.close();

    t = await createCasTestApp({ ST_TTL_SECONDS: '300' });
    const patient = new Browser(t.app);
    const inTime = (await postCredentials(patient)).headers.location!;
    t.clock.advance(59_000);
    expect((await patient.get(inTime, EN)).statusCode).toBe(302);
    const tooLate = (await postCredentials(patient, `?service=${enc(S)}&renew=true`)).headers.location!;
    t.clock.advance(60_500);
    expect((await patient.get(tooLate, EN)).statusCode).toBe(410);
  });

  it("a browser's navigation gets a page that moves on by itself to the service with the ticket, and a Continue link; the page posts nowhere", async () => {
    t = await createCasTestApp();
    const browser = new Browser(t.app);
    const continuation = (await postCredentials(browser)).headers.location!;
    const page = await browser.get(continuation, NAVIGATE);
    expect(page.statusCode).toBe(200);
    expect(page.headers.location).toBeUndefined();
    const refresh = /<meta http-equiv="refresh" content="0; url=([^"]+)">/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
    expect(refresh).toMatch(new RegExp(`^${S.replace(/[.?]/g, '\\$&')}\\?ticket=ST-[A-Za-z0-9-]+$`));
    expect(page.body).toContain(`href="${refresh}"`);
    expect(page.body).toContain('Continuing to the application');
    expect(csp(page)).toContain("form-action 'self';");
    expect(await validates(ticketFrom(refresh))).toBe('alice');
  });

  it("sign-in pages allow form-action 'self' only, whatever service they are for", async () => {
    t = await createCasTestApp();
    const browser = new Browser(t.app);
    for (const tab of ['password', 'sms']) {
      const page = await browser.get(`/cas/login?service=${enc(S)}&tab=${tab}`, EN);
      expect(page.statusCode).toBe(200);
      expect(csp(page)).toContain("form-action 'self';");
      expect(csp(page)).not.toContain('app.example.org');
    }
  });

  it('method=POST: the continuation is the page that posts the ticket to the service', async () => {
    t = await createCasTestApp();
    const browser = new Browser(t.app);
    const posted = await postCredentials(browser, `?service=${enc(S)}&method=POST`);
    expect(posted.statusCode).toBe(303);
    const page = await browser.get(posted.headers.location!, NAVIGATE);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`<form method="post" action="${S}" id="autosubmit">`);
    expect(csp(page)).toContain("form-action 'self' https://app.example.org;");
    const ticket = /name="ticket" value="(ST-[A-Za-z0-9-]+)"/.exec(page.body)?.[1];
    expect(await validates(ticket!)).toBe('alice');
  });

  it('method=HEADER: the POST answers the ticket in headers itself (no redirect to hold back)', async () => {
    t = await createCasTestApp();
    const res = await postCredentials(new Browser(t.app), `?service=${enc(S)}&method=HEADER`);
    expect(res.statusCode).toBe(200);
    expect(res.headers.location).toBeUndefined();
    expect(res.headers.service).toBe(S);
    expect(await validates(String(res.headers.ticket))).toBe('alice');
  });

  it('without a service the POST shows the signed-in page itself', async () => {
    t = await createCasTestApp();
    const res = await postCredentials(new Browser(t.app), '');
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('You are signed in');
  });

  it('is not held back by the login request limit: the POST was counted, the sign-in it completes is not lost', async () => {
    t = await createCasTestApp({ RATE_LIMIT_LOGIN_PER_MINUTE: '2' });
    const browser = new Browser(t.app);
    const posted = await postCredentials(browser); // the form and the POST: the limit reached
    expect(posted.statusCode).toBe(303);
    expect((await browser.get(`/cas/login?service=${enc(S)}`, EN)).statusCode).toBe(429);
    const onward = await browser.get(posted.headers.location!, EN);
    expect(onward.statusCode).toBe(302);
    expect(ticketFrom(onward.headers.location)).toMatch(/^ST-/);
  });
});
