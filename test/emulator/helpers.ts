// Shared set-up for the emulator's tests: two registered apps, an in-process handle on the state.
import { createServer } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import {
  buildEmulatorApp,
  createEmulator,
  type EmulatorAppConfig,
  type EmulatorOptions,
  type EmulatorSettings,
  emulatorPlugin,
} from '../../emulator/app.js';
import type { Emulator } from '../../emulator/emulator.js';

export const APP: EmulatorAppConfig = {
  appId: 'wx1a2b3c4d5e6f7081',
  appSecret: '0123456789abcdef0123456789abcdef',
  name: '测试站点',
  callbackDomain: 'localhost:8080',
};
export const OTHER_APP: EmulatorAppConfig = {
  appId: 'wx9f8e7d6c5b4a3921',
  appSecret: 'fedcba9876543210fedcba9876543210',
  name: 'Other Site',
  callbackDomain: 'other.example',
  legacyDenyRedirect: true,
};
/** An Official Account (服务号) on the same Open Platform account, with its own secret and 网页授权域名. */
export const OA_APP: EmulatorAppConfig = {
  kind: 'official-account',
  appId: 'wx3c5e7a9b1d2f4680',
  appSecret: 'aa11bb22cc33dd44ee55ff6600778899',
  name: '测试服务号',
  callbackDomain: 'sso.example.edu',
};
export const OA_CALLBACK = 'https://sso.example.edu/cas/login/wechat-oa/callback?service=x';
export const CALLBACK = 'http://localhost:8080/login/wechat/callback';
export const BASE_URL = 'http://emulator.test';

export interface TestEmulator {
  app: FastifyInstance;
  emulator: Emulator;
}

export async function startEmulator(overrides: Partial<EmulatorOptions> = {}, settings: Partial<EmulatorSettings> = {}): Promise<TestEmulator> {
  const options: EmulatorOptions = { apps: [APP, OTHER_APP, OA_APP], publicBaseUrl: BASE_URL, testControl: true, ...overrides };
  const emulator = createEmulator(options, settings);
  const app = await buildEmulatorApp({ ...options, emulator });
  return { app, emulator };
}

export function qrconnectPath(params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  const all: Record<string, string | undefined> = {
    appid: APP.appId,
    redirect_uri: CALLBACK,
    response_type: 'code',
    scope: 'snsapi_login',
    state: 'st4te',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) query.set(k, v);
  return `/connect/qrconnect?${query}`;
}

/** Opens a QR session the way a scraper does (`f=xml`) and returns its uuid. */
export async function startQr(app: FastifyInstance, params: Record<string, string | undefined> = {}): Promise<string> {
  const response = await app.inject(qrconnectPath({ ...params, f: 'xml' }));
  const uuid = /<uuid><!\[CDATA\[(\w+)\]\]><\/uuid>/.exec(response.body)?.[1];
  if (!uuid) throw new Error(`no uuid in ${response.body}`);
  return uuid;
}

export interface SnsResponse {
  status: number;
  contentType: string | undefined;
  raw: string;
  json: Record<string, unknown>;
}

export async function sns(app: FastifyInstance, path: string, query: Record<string, string | undefined>): Promise<SnsResponse> {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
  const response = await app.inject(`${path}?${q}`);
  return {
    status: response.statusCode,
    contentType: response.headers['content-type'] as string | undefined,
    raw: response.body,
    json: JSON.parse(response.body) as Record<string, unknown>,
  };
}

/** A full login up to the code, driven in-process. */
export async function codeFor(t: TestEmulator, persona = 'zhangwei', appId = APP.appId): Promise<string> {
  const redirect = appId === OTHER_APP.appId ? 'https://other.example/cb' : CALLBACK;
  const uuid = await startQr(t.app, { appid: appId, redirect_uri: redirect });
  return t.emulator.confirm(uuid, persona).code;
}

export async function exchange(t: TestEmulator, code: string, app: EmulatorAppConfig = APP): Promise<SnsResponse> {
  return sns(t.app, '/sns/oauth2/access_token', {
    appid: app.appId,
    secret: app.appSecret,
    code,
    grant_type: 'authorization_code',
  });
}

export async function tokensFor(t: TestEmulator, persona = 'zhangwei', app: EmulatorAppConfig = APP): Promise<Record<string, string>> {
  const response = await exchange(t, await codeFor(t, persona, app.appId), app);
  return response.json as Record<string, string>;
}

export const RID = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;

/** A loopback port nobody listens on now (browser tests need it before the server starts: it is in the URLs). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** The value of every `attribute="…"` in a page, decoded as a browser reads it (`&#38;` → `&`). */
export function attributeValues(body: string, attribute: string): string[] {
  const decode = (v: string): string => v.replace(/&#(\d+);/g, (_m, code: string) => String.fromCharCode(Number(code))).replaceAll('&amp;', '&');
  return [...body.matchAll(new RegExp(`\\s${attribute}="([^"]*)"`, 'g'))].map((m) => decode(m[1] ?? ''));
}

export const hrefs = (body: string): string[] => attributeValues(body, 'href');

/** wecas's own Content-Security-Policy: the emulator's pages, which wecas frames and links to, must work under it. */
export const WECAS_CSP = "default-src 'self'; img-src 'self' data:; script-src 'self'; style-src 'self'";

/** The emulator over HTTP on a loopback port for the browser tests, every answer under WECAS_CSP. */
export async function serveEmulatorUnderCsp(
  options: EmulatorOptions,
  port: number,
  settings: Partial<EmulatorSettings> = {},
): Promise<{ emulator: Emulator; server: FastifyInstance }> {
  const emulator = createEmulator(options, settings);
  const server = Fastify();
  server.addHook('onSend', async (_request, reply) => {
    reply.header('content-security-policy', WECAS_CSP);
  });
  await server.register(emulatorPlugin, { ...options, emulator });
  await server.listen({ port, host: '127.0.0.1' });
  return { emulator, server };
}
