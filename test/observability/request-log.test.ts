// One JSON line per request with its id, method, loggable URL, status and duration; no ticket or secret in any line.
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { startAdminServer } from '../../src/http/observability.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { ALICE, Browser, S } from '../support/cas-app.js';
import { testConfig } from '../support/config.js';
import { sample } from './prometheus-text.js';

let ctx: Wecas | undefined;
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  await ctx?.close();
  app = ctx = undefined;
});

async function loggingApp(env: Record<string, string> = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  ctx = await createWecas(testConfig({ TICKET_REGISTRY: 'memory', LOG_LEVEL: 'info', ...env }));
  await ctx.users.create({ username: ALICE.username, password: ALICE.password });
  await ctx.services.add({ name: 'S', pattern: S, matchType: 'prefix', attributes: [] });
  const built = await buildApp(ctx, {
    logger: {
      level: 'info',
      stream: {
        write: (line: string) => {
          raw.push(line);
          lines.push(JSON.parse(line) as Record<string, unknown>);
        },
      },
    },
  });
  app = built;
  return { app: built, lines, raw };
}

describe('request log', () => {
  it('writes one line per request, with its id, method, URL (ticket by prefix), status and duration', async () => {
    const { app, lines, raw } = await loggingApp();
    const ticket = 'ST-1a2b3c4d5e6f7g8h9i0jklmnopqr';
    await app.inject({ method: 'GET', url: `/cas/p3/serviceValidate?service=${encodeURIComponent(S)}&ticket=${ticket}` });
    await app.inject({ method: 'GET', url: '/no/such/page' });

    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests).toHaveLength(2);
    const [validation, missing] = requests;
    expect(validation).toMatchObject({
      level: 30,
      method: 'GET',
      status: 200,
      url: `/cas/p3/serviceValidate?service=${encodeURIComponent(S)}&ticket=ST-1a2b3c%E2%80%A6`,
    }); // loggableUrl: the prefix and an (encoded) ellipsis
    expect(typeof validation!.reqId).toBe('string');
    expect(typeof validation!.ms).toBe('number');
    expect(missing).toMatchObject({ url: '/no/such/page', status: 404 });
    expect(missing!.reqId).not.toBe(validation!.reqId);
    // A line the handler writes (request.log, made when first written) carries the same request id.
    const failed = lines.filter((l) => l.msg === 'ticket validation failed');
    expect(failed).toEqual([expect.objectContaining({ reqId: validation!.reqId, code: 'INVALID_TICKET' })]);
    // Fastify's own "incoming request" / "request completed" lines are gone.
    expect(lines.some((l) => l.msg === 'incoming request' || l.msg === 'request completed')).toBe(false);
    expect(raw.join('')).not.toContain(ticket);
  });

  it('never logs the password, the login form token, the TGC or the ST of a sign-in', async () => {
    const { app, raw } = await loggingApp();
    const browser = new Browser(app);
    const res = await browser.signIn(S);
    expect(res.statusCode).toBe(302);
    const st = new URL(res.headers.location!).searchParams.get('ticket')!;
    const all = raw.join('');
    expect(all).not.toContain(ALICE.password);
    expect(all).not.toContain(st);
    expect(all).not.toContain(browser.jar.get('TGC')!);
    expect(all).not.toMatch(/LT-[A-Za-z0-9-]{10,}/);
  });

  it('writes nothing per request at LOG_LEVEL=warn', async () => {
    ctx = await createWecas(testConfig({ TICKET_REGISTRY: 'memory' }));
    const lines: string[] = [];
    app = await buildApp(ctx, { logger: { level: 'warn', stream: { write: (line: string) => lines.push(line) } } });
    await app.inject({ method: 'GET', url: '/health/live' });
    expect(lines).toEqual([]);
  });
});

describe('admin port (METRICS_PORT)', () => {
  it('serves /metrics and the health endpoints on its own listener, and the main port has no /metrics', async () => {
    ctx = await createWecas(testConfig({ TICKET_REGISTRY: 'memory', METRICS_ENABLED: 'true', METRICS_PORT: '0' }));
    app = await buildApp(ctx, { logger: false });
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    const admin = await startAdminServer({ port: 0, host: '127.0.0.1', metrics: ctx.metrics, readiness: ctx.readiness });
    try {
      ctx.metrics.signIn('password', 'success');
      const base = `http://127.0.0.1:${(admin.server.address() as { port: number }).port}`;
      const metrics = await fetch(`${base}/metrics`);
      expect(metrics.status).toBe(200);
      expect(sample(await metrics.text(), 'wecas_sign_ins_total', { method: 'password', result: 'success' })).toBe(1);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
    } finally {
      await admin.close();
    }
  });
});
