import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { CookieJar } from './cookie-jar.js';

export interface HttpResponse {
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The Location header resolved against the request URL. */
  location: string | undefined;
}

/**
 * What a person's browser does over real sockets, without a browser: one cookie jar per origin (so the app's
 * cookies never reach wecas and the other way round, as ports make them different sites here), redirects
 * followed by hand so a test sees every hop. Trusts the given CA file for https.
 */
export class HttpAgent {
  readonly jars = new Map<string, CookieJar>();
  private readonly ca: Buffer | undefined;

  constructor(options: { caFile?: string | undefined } = {}) {
    this.ca = options.caFile ? readFileSync(options.caFile) : undefined;
  }

  jar(url: string): CookieJar {
    const origin = new URL(url).origin;
    let jar = this.jars.get(origin);
    if (!jar) {
      jar = new CookieJar();
      this.jars.set(origin, jar);
    }
    return jar;
  }

  get(url: string): Promise<HttpResponse> {
    return this.request('GET', url);
  }

  postForm(url: string, form: Record<string, string>): Promise<HttpResponse> {
    return this.request('POST', url, new URLSearchParams(form).toString());
  }

  /** GETs the URL and every Location after it, up to `max` hops; returns every response, the last one last. */
  async follow(url: string, max = 10): Promise<HttpResponse[]> {
    const hops: HttpResponse[] = [];
    let next: string | undefined = url;
    while (next) {
      if (hops.length >= max) throw new Error(`more than ${max} redirects:\n${hops.map((h) => `${h.status} ${h.url}`).join('\n')}`);
      const res: HttpResponse = await this.get(next);
      hops.push(res);
      next = res.status >= 300 && res.status < 400 ? res.location : undefined;
    }
    return hops;
  }

  request(method: 'GET' | 'POST', url: string, form?: string): Promise<HttpResponse> {
    const target = new URL(url);
    const jar = this.jar(url);
    const headers: Record<string, string> = { 'accept-language': 'en', 'user-agent': 'wecas-interop-test' };
    const cookie = jar.header();
    if (cookie) headers.cookie = cookie;
    if (form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(form));
    }
    const send = target.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      const req = send(target, { method, headers, ...(this.ca ? { ca: this.ca } : {}), agent: false, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          jar.store(res.headers['set-cookie']);
          const location = res.headers.location ? new URL(res.headers.location, url).href : undefined;
          resolve({ url, status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), location });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      req.end(form);
    });
  }
}
