import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import type { RegisteredService } from '../../src/services/types.js';
import type { SmsSender } from '../../src/sms/sender.js';
import { createWecas, type Wecas } from '../../src/wecas.js';
import { ManualClock } from './clock.js';
import { testConfig } from './config.js';
import { CookieJar } from './cookie-jar.js';
import { parseStrictXml } from './xml.js';

/** The conformance setup of docs/cas-protocol.md §8: service S (may proxy), S2, and alice/pw with mail and memberOf released to S. */
export const S = 'https://app.example.org/cb';
export const S2 = 'https://other.example.org/';
export const ALICE = { username: 'alice', password: 'pw-alice-123' };

export interface CasTestApp {
  app: FastifyInstance;
  ctx: Wecas;
  clock: ManualClock;
  s: RegisteredService;
  s2: RegisteredService;
  close(): Promise<void>;
}

export async function createCasTestApp(
  env: Record<string, string> = {},
  deps: { smsSender?: SmsSender; proxyCallbackCa?: string[] } = {},
): Promise<CasTestApp> {
  const config = testConfig({ TICKET_REGISTRY: 'memory', ...env });
  const clock = new ManualClock(Date.now());
  const ctx = await createWecas(config, { clock, ...deps });
  const app = await buildApp(ctx, { logger: false });
  await ctx.users.create({
    username: ALICE.username,
    password: ALICE.password,
    displayName: 'Alice',
    attributes: { mail: ['alice@example.org'], memberOf: ['staff', 'faculty'] },
  });
  const s = await ctx.services.add({
    name: 'App S',
    pattern: S,
    matchType: 'prefix',
    attributes: ['mail', 'memberOf', 'displayName'],
    proxyPattern: '^https://app\\.example\\.org/.*$',
  });
  const s2 = await ctx.services.add({ name: 'Other S2', pattern: S2, matchType: 'exact', attributes: [] });
  return {
    app,
    ctx,
    clock,
    s,
    s2,
    async close() {
      await app.close();
      await ctx.close();
    },
  };
}

/** A browser: a cookie jar and the requests a person's browser would make. */
export class Browser {
  readonly jar = new CookieJar();
  constructor(private readonly app: FastifyInstance) {}

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({ method: 'GET', url, headers: { cookie: this.jar.header(), ...headers } });
    this.jar.store(res.headers['set-cookie']);
    return res;
  }

  async post(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const res = await this.app.inject({
      method: 'POST',
      url,
      payload: new URLSearchParams(form).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: this.jar.header(), ...headers },
    });
    this.jar.store(res.headers['set-cookie']);
    return res;
  }

  /**
   * Posts a form and, as a browser does, follows the 303 a successful sign-in answers with to wecas's continuation
   * (an HTTP client's GET: no Fetch Metadata, so the continuation answers with its 302 to the service). Returns the
   * continuation's response, or the POST's when it was anything else.
   */
  async submit(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const posted = await this.post(url, form, headers);
    const next = posted.headers.location;
    if (posted.statusCode !== 303 || !next?.startsWith('/cas/login/continue?')) return posted;
    return this.get(next, headers);
  }

  /** Opens /cas/login for a service, posts the form and follows wecas's continuation; returns the last response. */
  async signIn(
    service: string | undefined,
    username = ALICE.username,
    password = ALICE.password,
    extra = '',
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const url = `/cas/login${service ? `?service=${encodeURIComponent(service)}${extra}` : extra ? `?${extra.slice(1)}` : ''}`;
    const form = await this.get(url, headers);
    return this.submit(url, { execution: executionOf(form.body), username, password }, headers);
  }
}

/** A browser whose person reads English: every request says `Accept-Language: en` unless told otherwise. */
export class EnBrowser extends Browser {
  override get(url: string, headers: Record<string, string> = {}) {
    return super.get(url, { 'accept-language': 'en', ...headers });
  }
  override post(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
    return super.post(url, form, { 'accept-language': 'en', ...headers });
  }
}

export function executionOf(html: string): string {
  const m = /name="execution" value="(LT-[A-Za-z0-9-]+)"/.exec(html);
  if (!m) throw new Error('no login form token in page');
  return m[1]!;
}

export function ticketFrom(location: string | undefined, param = 'ticket'): string {
  if (!location) throw new Error('no Location header');
  const t = new URL(location).searchParams.get(param);
  if (!t) throw new Error(`no ${param} in ${location}`);
  return t;
}

export const CAS_NS = 'http://www.yale.edu/tp/cas';

/** Parses a CAS service response with a namespace-aware XML parser, strictly (see parseStrictXml). */
export function parseCasXml(xml: string) {
  const doc = parseStrictXml(xml);
  const root = doc.documentElement!;
  const one = (local: string) => root.getElementsByTagNameNS(CAS_NS, local)[0];
  const all = (local: string) => Array.from(root.getElementsByTagNameNS(CAS_NS, local));
  const success = one('authenticationSuccess');
  const failure = one('authenticationFailure') ?? one('proxyFailure');
  const attributes: Record<string, string[]> = {};
  const attrsEl = one('attributes');
  if (attrsEl)
    for (const child of Array.from(attrsEl.childNodes)) {
      if (child.nodeType !== 1) continue;
      const el = child as unknown as Element;
      if (el.namespaceURI !== CAS_NS) throw new Error(`attribute ${el.localName} outside the CAS namespace`);
      attributes[el.localName] = [...(attributes[el.localName] ?? []), el.textContent ?? ''];
    }
  return {
    rootName: root.localName,
    rootPrefix: root.prefix,
    rootNamespace: root.namespaceURI,
    success: !!success,
    user: one('user')?.textContent ?? undefined,
    failureCode: failure?.getAttribute('code') ?? undefined,
    failureText: failure?.textContent ?? undefined,
    attributes,
    hasAttributesElement: !!attrsEl,
    proxyGrantingTicket: one('proxyGrantingTicket')?.textContent ?? undefined,
    proxies: all('proxy').map((p) => p.textContent ?? ''),
    proxyTicket: one('proxyTicket')?.textContent ?? undefined,
  };
}
