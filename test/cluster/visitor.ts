import http from 'node:http';
import { CookieJar } from '../support/cookie-jar.js';

export interface Answer {
  url: string;
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The Location header resolved against the request URL. */
  location: string | undefined;
  /** nginx's `X-Wecas-Upstream`: which node(s) it tried (absent when a node was called directly). */
  upstream: string | undefined;
}

/**
 * A person's browser over real sockets. Every server of the cluster listens on 127.0.0.1, and browsers send a
 * host's cookies to each of its ports, so one jar serves the load balancer, each node directly, and the demo app.
 * A new connection per request: killing a node never strands a pooled socket.
 */
export class Visitor {
  readonly jar = new CookieJar();

  get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
    return this.request('GET', url, undefined, headers);
  }

  postForm(url: string, form: Record<string, string>): Promise<Answer> {
    return this.request('POST', url, new URLSearchParams(form).toString());
  }

  /**
   * POSTs a form and, as a browser does, follows the 303 a successful sign-in answers with to wecas's continuation
   * (on the node that answered); returns the continuation's answer (a 302 to the service), or the POST's otherwise.
   */
  async submit(url: string, form: Record<string, string>): Promise<Answer> {
    const posted = await this.postForm(url, form);
    if (posted.status !== 303 || !posted.location || new URL(posted.location).pathname !== '/cas/login/continue') return posted;
    return this.get(posted.location);
  }

  /** GETs the URL and every Location after it; returns every response, the last one last. */
  async follow(url: string, max = 10): Promise<Answer[]> {
    const hops: Answer[] = [];
    let next: string | undefined = url;
    while (next) {
      if (hops.length >= max) throw new Error(`more than ${max} redirects: ${hops.map((h) => `${h.status} ${h.url}`).join(' -> ')}`);
      const res: Answer = await this.get(next);
      hops.push(res);
      next = res.status >= 300 && res.status < 400 ? res.location : undefined;
    }
    return hops;
  }

  request(method: 'GET' | 'POST', url: string, form?: string, extraHeaders: Record<string, string> = {}): Promise<Answer> {
    const headers: Record<string, string> = { 'accept-language': 'en', 'user-agent': 'wecas-cluster-test', ...extraHeaders };
    const cookie = this.jar.header();
    if (cookie) headers.cookie = cookie;
    if (form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(form));
    }
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, headers, agent: false, timeout: 20_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          this.jar.store(res.headers['set-cookie']);
          const upstream = res.headers['x-wecas-upstream'];
          resolve({
            url,
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            location: res.headers.location ? new URL(res.headers.location, url).href : undefined,
            upstream: Array.isArray(upstream) ? upstream.join(', ') : upstream,
          });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      req.end(form);
    });
  }

  /** A second browser tab's view: the same cookies, a separate jar (for racing the same request). */
  clone(): Visitor {
    const copy = new Visitor();
    for (const [name, value] of this.jar.cookies) copy.jar.cookies.set(name, value);
    return copy;
  }
}

/** `url` with its origin replaced: the same request sent to one node directly, or to the load balancer. */
export function at(origin: string, url: string): string {
  const u = new URL(url);
  return origin + u.pathname + u.search;
}
