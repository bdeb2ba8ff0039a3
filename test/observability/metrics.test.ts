// /metrics after real requests: sign-ins, tickets issued and validated, the validation histogram, the live-TGT
// gauge and rate-limit refusals move; WeChat calls and SMS sends are counted through their seams.
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { observeAuditLog, observeVerificationCodes } from '../../src/observability/observers.js';
import { SmsSendError } from '../../src/sms/sender.js';
import { createVerificationCodes } from '../../src/sms/verification-codes.js';
import { createWeChatClient } from '../../src/wechat/client.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ALICE, Browser, type CasTestApp, createCasTestApp, S, ticketFrom } from '../support/cas-app.js';
import { ManualClock } from '../support/clock.js';
import { sample } from './prometheus-text.js';

let t: CasTestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function scrape(app: CasTestApp['app']): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.body;
}

describe('/metrics on the main port', () => {
  it('is not served unless METRICS_ENABLED', async () => {
    t = await createCasTestApp();
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  });

  it('counts a password sign-in, the tickets it issued, their validation and its latency, and the live TGT', async () => {
    t = await createCasTestApp({ METRICS_ENABLED: 'true' });
    const before = await scrape(t.app);
    expect(sample(before, 'wecas_sign_ins_total', { method: 'password', result: 'success' })).toBe(0);

    const browser = new Browser(t.app);
    const ticket = ticketFrom((await browser.signIn(S)).headers.location);
    const ok = await t.app.inject({ method: 'GET', url: `/cas/p3/serviceValidate?service=${encodeURIComponent(S)}&ticket=${ticket}` });
    expect(ok.body).toContain('authenticationSuccess');
    const replay = await t.app.inject({ method: 'GET', url: `/cas/p3/serviceValidate?service=${encodeURIComponent(S)}&ticket=${ticket}` });
    expect(replay.body).toContain('INVALID_TICKET');

    const after = await scrape(t.app);
    expect(sample(after, 'wecas_sign_ins_total', { method: 'password', result: 'success' })).toBe(1);
    expect(sample(after, 'wecas_tickets_issued_total', { type: 'TGT' })).toBe(1);
    expect(sample(after, 'wecas_tickets_issued_total', { type: 'ST' })).toBe(1);
    expect(sample(after, 'wecas_tickets_validated_total', { type: 'ST', result: 'success' })).toBe(1);
    expect(sample(after, 'wecas_tickets_validated_total', { type: 'ST', result: 'INVALID_TICKET' })).toBe(1);
    expect(sample(after, 'wecas_ticket_validation_duration_seconds_count', { endpoint: 'p3/serviceValidate' })).toBe(2);
    expect(after).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(after).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it('counts refused validations and refused services without writing an audit row for each (anyone can make them)', async () => {
    t = await createCasTestApp({ METRICS_ENABLED: 'true' });
    const rows = async () =>
      Number(
        (
          await t!.ctx.db
            .selectFrom('audit_events')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await rows();
    for (let i = 0; i < 25; i++) {
      await t.app.inject({ method: 'GET', url: `/cas/serviceValidate?service=${encodeURIComponent(S)}&ticket=ST-forged${i}` });
      await t.app.inject({ method: 'GET', url: `/cas/login?service=${encodeURIComponent(`https://evil.example.com/${i}`)}` });
    }
    await t.ctx.audit.record({ type: 'logout', userId: 'flush' }); // the audit log writes in batches: wait for one to land
    expect(await rows()).toBe(before + 1);
    const after = await scrape(t.app);
    expect(sample(after, 'wecas_tickets_validated_total', { type: 'ST', result: 'INVALID_TICKET' })).toBe(25);
    expect(sample(after, 'wecas_service_refusals_total', { reason: 'unregistered' })).toBe(25);
  });

  it('shows the live SSO sessions, counted at scrape time', async () => {
    t = await createCasTestApp({ METRICS_ENABLED: 'true' });
    await new Browser(t.app).signIn(S);
    await new Browser(t.app).signIn(undefined);
    expect(sample(await scrape(t.app), 'wecas_live_tgts')).toBe(2);
  });

  it('counts refused passwords by reason, and the login throttle as a rate-limit refusal', async () => {
    t = await createCasTestApp({ METRICS_ENABLED: 'true', LOGIN_FAILURES_PER_USER: '2' });
    const browser = new Browser(t.app);
    for (let i = 0; i < 3; i++) await browser.signIn(S, ALICE.username, 'wrong-password');
    const text = await scrape(t.app);
    expect(sample(text, 'wecas_sign_ins_total', { method: 'password', result: 'invalid_credentials' })).toBe(2);
    expect(sample(text, 'wecas_sign_ins_total', { method: 'password', result: 'throttled' })).toBe(1);
    expect(sample(text, 'wecas_rate_limit_refusals_total', { limit: 'login' })).toBe(1);
  });
});

describe('metrics at the seams', () => {
  it('WeChat API calls by endpoint and errcode, with latency, through the client observer', async () => {
    const metrics = createMetrics();
    const answers = [
      () => new Response(JSON.stringify({ access_token: 'a', refresh_token: 'r', openid: 'o1', expires_in: 7200, scope: 'snsapi_login' })),
      () => new Response(JSON.stringify({ errcode: 40029, errmsg: 'invalid code' })),
      () => {
        throw new TypeError('fetch failed');
      },
    ];
    const fakeFetch = (async () => answers.shift()!()) as unknown as typeof fetch;
    const config = {
      appId: 'wx0123456789abcdef',
      appSecret: 's',
      openBaseUrl: 'http://127.0.0.1:9',
      apiBaseUrl: 'http://127.0.0.1:9',
      timeoutMs: 1000,
    };
    const client = createWeChatClient(config, fakeFetch, (call) => metrics.wechatCall(call));
    await client.exchangeCode('c1');
    await expect(client.exchangeCode('c2')).rejects.toThrow(/40029/);
    await expect(client.exchangeCode('c3')).rejects.toThrow(/could not be reached/);

    const text = await metrics.registry.metrics();
    const endpoint = 'sns/oauth2/access_token';
    expect(sample(text, 'wecas_wechat_api_calls_total', { endpoint, errcode: '0' })).toBe(1);
    expect(sample(text, 'wecas_wechat_api_calls_total', { endpoint, errcode: '40029' })).toBe(1);
    expect(sample(text, 'wecas_wechat_api_calls_total', { endpoint, errcode: 'unavailable' })).toBe(1);
    expect(sample(text, 'wecas_wechat_api_duration_seconds_count', { endpoint })).toBe(3);
  });

  it('WeChat sign-ins: a code WeChat refused counts as code_refused, like a malformed one; WeChat failing as wechat_error', async () => {
    const metrics = createMetrics();
    const audit = observeAuditLog({ record: async () => undefined }, metrics);
    const endpoint = 'sns/oauth2/access_token';
    for (const kind of ['code_invalid', 'code_used', 'code_expired', 'unavailable', 'system_error'])
      await audit.record({ type: 'wechat.error', kind, endpoint, errcode: null });
    await audit.record({ type: 'login.failure', method: 'wechat', reason: 'code_refused' });
    const text = await metrics.registry.metrics();
    expect(sample(text, 'wecas_sign_ins_total', { method: 'wechat', result: 'code_refused' })).toBe(4);
    expect(sample(text, 'wecas_sign_ins_total', { method: 'wechat', result: 'wechat_error' })).toBe(2);
  });

  it('SMS sends by provider and result, and the SMS limits as rate-limit refusals', async () => {
    const metrics = createMetrics();
    const clock = new ManualClock(Date.now());
    const sender = new CapturingSmsSender();
    const audit = observeAuditLog({ record: async () => undefined }, metrics);
    const codes = observeVerificationCodes(
      createVerificationCodes({ kv: new MemoryKeyValueStore(clock), sender, audit, clock, secret: 'x'.repeat(32), limits: { maxAttempts: 1 } }),
      metrics,
    );
    const phone = '+8613812345678';
    expect((await codes.send({ phone, ip: '192.0.2.1', purpose: 'bind' })).ok).toBe(true);
    expect(await codes.send({ phone, ip: '192.0.2.1', purpose: 'bind' })).toMatchObject({ ok: false, reason: 'too_soon' });
    expect(await codes.verify({ phone, purpose: 'bind', code: 'nope00' })).toMatchObject({ ok: false, reason: 'too_many_attempts' });
    sender.failNext(new SmsSendError({ kind: 'invalid_number', provider: 'capturing' }));
    expect(await codes.send({ phone: '+8613912345678', ip: '192.0.2.1', purpose: 'bind' })).toMatchObject({ ok: false, reason: 'provider_error' });

    const text = await metrics.registry.metrics();
    expect(sample(text, 'wecas_sms_sends_total', { provider: 'capturing', result: 'sent' })).toBe(1);
    expect(sample(text, 'wecas_sms_sends_total', { provider: 'capturing', result: 'invalid_number' })).toBe(1);
    expect(sample(text, 'wecas_rate_limit_refusals_total', { limit: 'sms_resend' })).toBe(1);
    expect(sample(text, 'wecas_rate_limit_refusals_total', { limit: 'sms_attempts' })).toBe(1);
  });

  it("the SMS daily budget: today's count across nodes and the budget; a used-up provider quota and a spent budget are counted", async () => {
    t = await createCasTestApp({ METRICS_ENABLED: 'true', SMS_DAILY_BUDGET: '2' }, { smsSender: new CapturingSmsSender() });
    const sender = t.ctx.sms.sender as CapturingSmsSender;
    const send = (phone: string) => t!.ctx.sms.codes.send({ phone, ip: '192.0.2.1', purpose: 'login', browser: 'metricsBrowserAbcdefghijkl' });
    let text = await scrape(t.app);
    expect(sample(text, 'wecas_sms_daily_budget')).toBe(2);
    expect(sample(text, 'wecas_sms_daily_sent')).toBe(0);
    expect(await send('+8613700000001')).toMatchObject({ ok: true });
    sender.failNext(new SmsSendError({ kind: 'quota_exhausted', provider: 'capturing', providerCode: 'isv.DAY_LIMIT_CONTROL' }));
    expect(await send('+8613700000002')).toMatchObject({ reason: 'provider_error', kind: 'quota_exhausted' });
    expect(await send('+8613700000003')).toMatchObject({ ok: true });
    expect(await send('+8613700000004')).toEqual({ ok: false, reason: 'budget_spent' });
    text = await scrape(t.app);
    expect(sample(text, 'wecas_sms_daily_sent')).toBe(2);
    expect(sample(text, 'wecas_sms_sends_total', { provider: 'capturing', result: 'quota_exhausted' })).toBe(1);
    expect(sample(text, 'wecas_rate_limit_refusals_total', { limit: 'sms_daily_budget' })).toBe(1);
  });

  it('reads the live-TGT count at most once per interval', async () => {
    const metrics = createMetrics();
    let reads = 0;
    metrics.countLiveTgts(async () => ++reads, 60_000);
    await metrics.registry.metrics();
    const text = await metrics.registry.metrics();
    expect(reads).toBe(1);
    expect(sample(text, 'wecas_live_tgts')).toBe(1);
  });
});
