import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { outboxSurface } from '../../dev/outbox-routes.js';
import { freePort } from '../../scripts/cluster/processes.js';
import { buildApp } from '../../src/http/app.js';
import type { NewService } from '../../src/services/types.js';
import { ConsoleSmsSender } from '../../src/sms/console-sender.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { testConfig } from './config.js';
import { selfSignedCertificate } from './tls.js';

export { freePort };

/** The person every interop and browser test signs in as; memberOf is multi-valued on purpose. */
export const TEST_USER = {
  username: 'alice',
  password: 'pw-alice-interop-1',
  displayName: 'Alice Liu 刘爱丽',
  attributes: { mail: ['alice@example.org'], memberOf: ['staff', 'faculty'] },
};

export interface StartWecasOptions {
  /** Serve HTTPS with a self-signed certificate for localhost and 127.0.0.1 (TLS_CERT_FILE/TLS_KEY_FILE). */
  https?: boolean;
  /** The host name in PUBLIC_URL; wecas always listens on 127.0.0.1. */
  host?: 'localhost' | '127.0.0.1';
  services?: NewService[];
  env?: Record<string, string>;
}

export interface WecasServer {
  /** e.g. `https://127.0.0.1:41234`, the PUBLIC_URL. */
  origin: string;
  port: number;
  /** origin + `/cas`: what CAS clients are configured with. */
  casUrl: string;
  /** The certificate a client must trust (https only). */
  caCertFile: string | undefined;
  ctx: Wecas;
  /** Method, path and query of every request wecas received, in order: shows which endpoints a client used. */
  requests: string[];
  /** The details of the audit events of one type, oldest first (e.g. `slo.sent`: service, status, ticket). */
  auditDetails(type: string): Promise<Array<Record<string, unknown>>>;
  /** Writes the queued background audit events (validations, single logouts) now: read rows after it, never sleep. */
  flushAudit(): Promise<void>;
  close(): Promise<void>;
}

/**
 * wecas for real on a loopback port: the app and context a deployment builds, in this process, listening.
 * PUBLIC_URL must name the real port, so a free port is picked first (and picked again if it was taken meanwhile).
 */
export async function startWecas(options: StartWecasOptions = {}): Promise<WecasServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(await freePort(), options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw err;
    }
  }
}

async function startOnce(port: number, options: StartWecasOptions): Promise<WecasServer> {
  const scheme = options.https ? 'https' : 'http';
  const origin = `${scheme}://${options.host ?? '127.0.0.1'}:${port}`;
  const tls = options.https ? await certificateFiles() : undefined;
  const config = testConfig({
    TICKET_REGISTRY: 'memory',
    PORT: String(port),
    PUBLIC_URL: origin,
    ...(tls ? { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile } : {}),
    ...options.env,
  });
  const ctx = await createWecas(config).catch(async (err: unknown) => {
    await tls?.remove();
    throw err;
  });
  let app: FastifyInstance | undefined;
  try {
    await ctx.users.create(TEST_USER);
    for (const service of options.services ?? []) await ctx.services.add(service);
    // The development outbox, as `npm start` mounts it: browser tests read SMS codes where a developer would.
    const outbox = ctx.sms.sender instanceof ConsoleSmsSender ? [outboxSurface(ctx.sms.sender)] : [];
    app = await buildApp(ctx, { logger: false, devSurfaces: outbox });
    const requests: string[] = [];
    app.addHook('onRequest', async (request) => {
      requests.push(`${request.method} ${request.url}`);
    });
    await app.listen({ port, host: '127.0.0.1' });
    const listening = app;
    return {
      origin,
      port,
      casUrl: config.server.casBaseUrl,
      caCertFile: tls?.certFile,
      ctx,
      requests,
      flushAudit: () => ctx.audit.flush(),
      async auditDetails(type) {
        await ctx.audit.flush();
        const rows = await ctx.db.selectFrom('audit_events').select('detail').where('type', '=', type).orderBy('at').execute();
        return rows.map((r) => JSON.parse(r.detail) as Record<string, unknown>);
      },
      async close() {
        await ctx.singleLogout.settled();
        await listening.close();
        await ctx.close();
        await tls?.remove();
      },
    };
  } catch (err) {
    await app?.close();
    await ctx.close();
    await tls?.remove();
    throw err;
  }
}

/** The test certificate as the PEM files TLS_CERT_FILE/TLS_KEY_FILE and the clients' CA settings name. */
async function certificateFiles() {
  const { cert, key } = await selfSignedCertificate();
  const dir = await mkdtemp(path.join(tmpdir(), 'wecas-tls-'));
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await writeFile(certFile, cert);
  await writeFile(keyFile, key, { mode: 0o600 });
  return { certFile, keyFile, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A registered service covering every URL of one loopback origin, e.g. `http://127.0.0.1:8123/…`. */
export function loopbackService(name: string, origin: string): NewService {
  const escaped = origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return { name, pattern: `^${escaped}(/.*)?$`, matchType: 'regex', attributes: ['displayName', 'mail', 'memberOf'] };
}
