import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { APP, CALLBACK, exchange, sns, startEmulator, startQr, type TestEmulator, tokensFor } from './helpers.js';

let t: TestEmulator;
beforeEach(async () => {
  t = await startEmulator();
});
afterEach(async () => {
  await t.app.close();
});

const control = async (path: string, body?: object) => {
  const response = await t.app.inject(
    body === undefined ? { method: 'POST', url: `/__control${path}` } : { method: 'POST', url: `/__control${path}`, payload: body },
  );
  return { status: response.statusCode, json: JSON.parse(response.body) as Record<string, unknown> };
};

describe('test control: QR sessions', () => {
  it('confirms the newest QR without a browser and returns the redirect the page would follow', async () => {
    const uuid = await startQr(t.app);
    const { status, json } = await control('/qr/latest/confirm', { persona: 'lina' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ uuid, status: 'confirmed', persona: 'lina' });
    expect(json.redirectUrl).toBe(`${CALLBACK}?code=${String(json.code)}&state=st4te`);
    expect((await exchange(t, String(json.code))).json.access_token).toBeTypeOf('string');
  });

  it('scans, denies (today’s behaviour: the page stays) and lists QRs', async () => {
    const uuid = await startQr(t.app);
    expect((await control(`/qr/${uuid}/scan`)).json).toMatchObject({ status: 'scanned', persona: 'zhangwei' });
    expect((await control(`/qr/${uuid}/deny`)).json).toMatchObject({ status: 'cancelled' });
    const list = JSON.parse((await t.app.inject('/__control/qr')).body) as Array<Record<string, unknown>>;
    expect(list[0]).toMatchObject({ uuid, status: 'cancelled', appId: APP.appId, phoneUrl: `http://emulator.test/connect/confirm?uuid=${uuid}` });
  });

  it('explains refusals: unknown QR 404, expired or used QR 409, unknown persona 404, bad body 400', async () => {
    expect((await control('/qr/nope/confirm')).status).toBe(404);
    const uuid = await startQr(t.app);
    expect((await control(`/qr/${uuid}/scan`, { persona: 'nobody' })).json).toMatchObject({ error: 'unknown_persona' });
    expect((await control(`/qr/${uuid}/scan`, { persona: 7 })).status).toBe(400);
    await control(`/qr/${uuid}/confirm`);
    expect((await control(`/qr/${uuid}/deny`)).json).toEqual({ error: 'qr_used' });
    const other = await startQr(t.app);
    await control(`/qr/${other}/expire`);
    expect((await control(`/qr/${other}/scan`)).json).toEqual({ error: 'qr_expired' });
  });

  it('switches an app to the legacy deny redirect', async () => {
    expect((await control(`/apps/${APP.appId}`, { legacyDenyRedirect: true })).json).toMatchObject({ legacyDenyRedirect: true });
    expect((await control('/apps/wxnope', { legacyDenyRedirect: true })).status).toBe(404);
    const uuid = await startQr(t.app);
    const session = t.emulator.deny(uuid);
    expect(t.emulator.redirectAfterLegacyDeny(session)).toBe(`${CALLBACK}?state=st4te`);
  });
});

describe('test control: personas, settings, clock, reset', () => {
  it('creates a persona who can log in, with per-app openids', async () => {
    const { json: persona } = await control('/personas', { nickname: 'Test 用户', sex: 1, region: 'sh-pudong' });
    expect(persona).toMatchObject({ nickname: 'Test 用户', sex: 1, region: 'sh-pudong' });
    const tokens = await tokensFor(t, String(persona.id));
    expect(tokens.openid).toBe((persona.openids as Record<string, string>)[APP.appId]);
    expect(tokens.unionid).toBe(persona.unionid);
    const { json: changed } = await control(`/personas/${String(persona.id)}/avatar`);
    expect(changed.headimgurl).not.toBe(persona.headimgurl);
  });

  it('changes settings and refuses unknown ones', async () => {
    expect((await control('/settings', { profileMode: 'legacy', qrLifetimeMs: 1000 })).json).toMatchObject({
      profileMode: 'legacy',
      qrLifetimeMs: 1000,
    });
    expect((await control('/settings', { nonsense: 1 })).status).toBe(400);
    expect((await control('/settings', { autoApprovePersonaId: 'nobody' })).status).toBe(404);
  });

  it('moves the clock: a code is expired ten minutes later', async () => {
    const uuid = await startQr(t.app);
    const { json } = await control(`/qr/${uuid}/confirm`);
    const before = t.emulator.clock.now();
    expect(((await control('/clock', { advanceSeconds: 600 })).json.now as number) - before).toBeGreaterThanOrEqual(600_000);
    expect((await exchange(t, String(json.code))).json.errcode).toBe(42003);
    expect((await control('/clock', {})).status).toBe(400);
    expect((await control('/clock', { advanceMs: -5 })).status).toBe(400);
  });

  it('resets everything to the start', async () => {
    const tokens = await tokensFor(t);
    const { json: persona } = await control('/personas', { nickname: 'Temp' });
    await control('/settings', { profileMode: 'placeholder' });
    await control('/faults', { api: 'userinfo', fault: { type: 'errcode', errcode: -1 } });
    await control('/clock', { advanceSeconds: 3600 });
    await control('/reset');
    const state = JSON.parse((await t.app.inject('/__control/state')).body) as Record<string, unknown>;
    expect(state).toMatchObject({ qr: [], faults: [], settings: { profileMode: 'current' } });
    expect((state.personas as Array<{ id: string }>).map((p) => p.id)).not.toContain(persona.id);
    expect(Math.abs((state.now as number) - Date.now())).toBeLessThan(60_000);
    expect((await sns(t.app, '/sns/auth', { access_token: tokens.access_token, openid: tokens.openid })).json.errcode).toBe(40014);
    expect(JSON.stringify(state)).not.toContain(APP.appSecret);
  });

  it('is absent unless enabled', async () => {
    const closed = await startEmulator({ testControl: false });
    expect((await closed.app.inject('/__control/state')).statusCode).toBe(404);
    expect((await closed.app.inject({ method: 'POST', url: '/__control/reset' })).statusCode).toBe(404);
    await closed.app.close();
  });
});

describe('test control: fault injection', () => {
  const userinfo = async () => {
    const tokens = await tokensFor(t);
    return () => t.app.inject(`/sns/userinfo?access_token=${tokens.access_token}&openid=${tokens.openid}`);
  };

  it('fails the next N calls with an errcode, then answers normally', async () => {
    const call = await userinfo();
    await control('/faults', { api: 'userinfo', times: 2, fault: { type: 'errcode', errcode: 45011 } });
    for (let i = 0; i < 2; i++) {
      const response = await call();
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body).errmsg).toMatch(/^api minute-quota reach limit, must slower, retry next minute, rid: /);
    }
    expect(JSON.parse((await call()).body).nickname).toBe('张伟');
  });

  it('answers with an HTTP 5xx page, or with malformed JSON', async () => {
    const call = await userinfo();
    await control('/faults', { api: 'userinfo', fault: { type: 'http', status: 502 } });
    await control('/faults', { api: 'userinfo', fault: { type: 'malformed' } });
    const bad = await call();
    expect(bad.statusCode).toBe(502);
    expect(bad.body).toContain('502 Bad Gateway');
    const malformed = await call();
    expect(malformed.statusCode).toBe(200);
    expect(() => JSON.parse(malformed.body)).toThrow();
  });

  it('a faulted exchange does not consume the code; a delayed one does', async () => {
    const uuid = await startQr(t.app);
    const { json } = await control(`/qr/${uuid}/confirm`);
    await control('/faults', { api: 'access_token', fault: { type: 'errcode', errcode: -1 } });
    expect((await exchange(t, String(json.code))).json.errmsg).toMatch(/^system error, rid:/);
    await control('/faults', { api: 'access_token', fault: { type: 'delay', ms: 5 } });
    expect((await exchange(t, String(json.code))).json.access_token).toBeTypeOf('string');
    expect((await exchange(t, String(json.code))).json.errcode).toBe(40163);
  });

  it('refuses unknown APIs and fault types', async () => {
    expect((await control('/faults', { api: 'cgi-bin/token', fault: { type: 'hang' } })).status).toBe(400);
    expect((await control('/faults', { api: 'auth', fault: { type: 'explode' } })).status).toBe(400);
  });

  it('hangs a call over real HTTP until reset drops the connection', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const address = t.app.server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const base = `http://127.0.0.1:${address.port}`;
    const tokens = await tokensFor(t);
    await control('/faults', { api: 'auth', fault: { type: 'hang' } });
    const hung = fetch(`${base}/sns/auth?access_token=${tokens.access_token}&openid=${tokens.openid}`);
    const outcome = hung.then(
      () => 'answered',
      () => 'dropped',
    );
    await vi.waitFor(() => expect(t.emulator.faults.pending()).toHaveLength(0)); // the call has taken its fault
    await fetch(`${base}/__control/reset`, { method: 'POST' });
    expect(await outcome).toBe('dropped');
  });
});
