import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { SelfSignedCertificate } from './tls.js';

/** One request a receiver got, body read in full. */
export interface ReceivedRequest {
  method: string;
  /** Path and query, as sent. */
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** How a receiver answers: a status (and headers), after whatever the test awaits first. */
export type Answer = { status: number; headers?: Record<string, string> };

export interface Receiver {
  /** e.g. `https://127.0.0.1:41234` */
  origin: string;
  requests: ReceivedRequest[];
  /** Replaces the answer for the requests that follow (default: 200). */
  answer(fn: (request: ReceivedRequest) => Answer | Promise<Answer>): void;
  /** Resolves once `count` requests have arrived in all. */
  received(count: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

/**
 * A real HTTP(S) server on loopback that records every request: the other end of a proxy callback or of a
 * back-channel logout, so tests see exactly what wecas sent over a socket.
 */
export async function startReceiver(options: { tls?: SelfSignedCertificate } = {}): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const waiters: Array<{ count: number; resolve: (r: ReceivedRequest[]) => void }> = [];
  let answer: (request: ReceivedRequest) => Answer | Promise<Answer> = () => ({ status: 200 });

  const handler: http.RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received: ReceivedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(received);
      for (const w of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve([...requests]);
      }
      void Promise.resolve(answer(received)).then(
        ({ status, headers }) => {
          if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end('ok');
        },
        () => res.destroy(),
      );
    });
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    requests,
    answer(fn) {
      answer = fn;
    },
    received(count) {
      if (requests.length >= count) return Promise.resolve([...requests]);
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
