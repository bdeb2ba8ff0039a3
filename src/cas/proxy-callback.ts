import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

/** What a proxy callback (pgtUrl) answered: its HTTP status, or why there was none. */
export type CallbackOutcome = { answered: true; status: number } | { answered: false; reason: string };

/** GETs a pgtUrl, already carrying `pgtIou` and `pgtId`. Never follows a redirect. */
export type ProxyCallbackClient = (url: string) => Promise<CallbackOutcome>;

export const PROXY_CALLBACK_TIMEOUT_MS = 5000;

export interface ProxyCallbackClientOptions {
  timeoutMs?: number;
  /**
   * PEM certificates trusted besides Node's default store (tests' self-signed CA). Without it the default store is
   * used as is, which includes NODE_EXTRA_CA_CERTS: the way to trust a private CA in a deployment.
   */
  extraCa?: string[];
}

/**
 * The HTTP client of the proxy callback (docs/cas-protocol.md §3.3): node:https with normal PKIX verification (chain, host name,
 * expiry), one GET, a deadline for the whole exchange, the body left unread. node:http never follows redirects.
 */
export function createProxyCallbackClient(options: ProxyCallbackClientOptions = {}): ProxyCallbackClient {
  const timeoutMs = options.timeoutMs ?? PROXY_CALLBACK_TIMEOUT_MS;
  // Giving `ca` replaces the default store, so the extra certificates are added to Node's own roots.
  const ca = options.extraCa?.length ? [...rootCertificates, ...options.extraCa] : undefined;

  return (url) =>
    new Promise<CallbackOutcome>((resolve) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? https.get : http.get;
      const request = send(
        target,
        {
          agent: false,
          headers: { 'user-agent': 'wecas proxy callback', accept: '*/*' },
          signal: AbortSignal.timeout(timeoutMs),
          ...(ca && target.protocol === 'https:' ? { ca } : {}),
        },
        (res) => {
          res.on('error', () => undefined); // the deadline may still cut the unread body: nothing to report then
          res.resume();
          resolve({ answered: true, status: res.statusCode ?? 0 });
        },
      );
      request.on('error', (err: NodeJS.ErrnoException) => {
        const reason = err.name === 'AbortError' ? `no answer within ${timeoutMs} ms` : (err.code ?? err.message);
        resolve({ answered: false, reason });
      });
    });
}
