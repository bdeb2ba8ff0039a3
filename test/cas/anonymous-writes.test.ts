// An anonymous view of the login page writes nothing: the form's one-time token is signed, not stored, and the
// WeChat `state` is made only when the QR frame asks for it. Using a token records it once.
import { afterEach, describe, expect, it } from 'vitest';
import { Browser, type CasTestApp, createCasTestApp, executionOf, S } from '../support/cas-app.js';

// 100 views from one address: over the login pages' request limit, which is not what this file is about.
const WECHAT = { WECHAT_APP_ID: 'wx0a1b2c3d4e5f6071', WECHAT_APP_SECRET: 'secret', TICKET_REGISTRY: 'sql', RATE_LIMIT_LOGIN_PER_MINUTE: '1000' };

let t: CasTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function rows(app: CasTestApp): Promise<Record<string, number>> {
  const counted: Record<string, number> = {};
  for (const table of ['kv', 'tickets', 'service_tickets', 'audit_events', 'users'] as const) {
    const { n } = await app.ctx.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    counted[table] = Number(n);
  }
  return counted;
}

describe('what an anonymous login page view writes', () => {
  it('nothing: 50 views of the login page (with WeChat, both tabs, with and without a service) leave every table as it was', async () => {
    t = await createCasTestApp(WECHAT);
    const before = await rows(t);
    for (let i = 0; i < 50; i++) {
      const browser = new Browser(t.app);
      const page = await browser.get(`/cas/login?service=${encodeURIComponent(S)}${i % 2 ? '&tab=sms' : ''}`);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('/cas/login/wechat/frame?service=');
      await browser.get('/cas/login');
    }
    expect(await rows(t)).toEqual(before);
  });

  it('the QR frame makes the WeChat state when the browser asks for it, and a used form token is recorded once', async () => {
    t = await createCasTestApp(WECHAT);
    const browser = new Browser(t.app);
    const form = await browser.get(`/cas/login?service=${encodeURIComponent(S)}`);
    const before = await rows(t);

    const frame = await browser.get(`/cas/login/wechat/frame?service=${encodeURIComponent(S)}`);
    expect(frame.statusCode).toBe(302);
    const qr = new URL(frame.headers.location!);
    expect(qr.origin + qr.pathname).toBe('https://open.weixin.qq.com/connect/qrconnect');
    expect(qr.searchParams.get('state')).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await rows(t)).kv).toBe((before.kv ?? 0) + 1);

    const signIn = await browser.post(`/cas/login?service=${encodeURIComponent(S)}`, {
      execution: executionOf(form.body),
      username: 'alice',
      password: 'pw-alice-123',
    });
    expect(signIn.statusCode).toBe(303);
    const replay = await browser.post(`/cas/login?service=${encodeURIComponent(S)}`, {
      execution: executionOf(form.body),
      username: 'alice',
      password: 'pw-alice-123',
    });
    expect(replay.statusCode).toBe(400);
    expect(replay.body).toContain('登录表单已过期或已提交过');
  });

  it('refuses a form token shown to another browser, a tampered one and an expired one', async () => {
    t = await createCasTestApp();
    const mine = new Browser(t.app);
    const theirs = new Browser(t.app);
    const token = executionOf((await mine.get('/cas/login')).body);
    await theirs.get('/cas/login');
    const post = (browser: Browser, execution: string) => browser.post('/cas/login', { execution, username: 'alice', password: 'pw-alice-123' });

    expect((await post(theirs, token)).statusCode).toBe(400);
    const [prefix, nonce, expiry] = token.split('-') as [string, string, string, string];
    expect((await post(mine, `${prefix}-${nonce}-${(Number.parseInt(expiry, 36) + 60_000).toString(36)}-${'0'.repeat(32)}`)).statusCode).toBe(400);
    t.clock.advance(31 * 60_000);
    expect((await post(mine, token)).statusCode).toBe(400);
    const fresh = executionOf((await mine.get('/cas/login')).body);
    expect((await post(mine, fresh)).statusCode).toBe(200); // signed in: the signed-in page
  });
});
