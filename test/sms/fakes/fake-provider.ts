import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One SendSms the fake accepted: the number as E.164 and the code it carried. */
export interface FakeDelivery {
  phone: string;
  code: string;
  /** The template it was sent with, and its parameters, when it was not the verification-code template. */
  template?: string;
  params?: Record<string, string> | string[];
}

/** What the next SendSms gets instead of the normal checks-then-success, queued per test. */
export type FakeOutcome =
  /** A provider error code; each fake puts it where its provider does (business body, gateway error, per-number status). */
  | { type: 'error'; code: string; message?: string /** Tencent: as `Response.Error` even for a per-number code. */; wholeRequest?: boolean }
  /** No answer at all: the sender's timeout must fire. */
  | { type: 'hang' }
  /** A raw HTTP answer, e.g. a 503 HTML page from a proxy. */
  | { type: 'raw'; status: number; contentType: string; body: string };

/** Parts shared by the Aliyun and Tencent fakes: a loopback server, the outcome queue and the delivery log. */
export abstract class FakeSmsProvider {
  readonly delivered: FakeDelivery[] = [];
  /** Requests refused before the business checks (bad signature, unknown key…), by provider code. */
  readonly refused: string[] = [];
  private readonly outcomes: FakeOutcome[] = [];
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  protected port = 0;

  /** Next SendSms answers with this provider code (after the signature check passed). */
  failNext(code: string, message?: string): void {
    this.enqueue({ type: 'error', code, ...(message ? { message } : {}) });
  }
  hangNext(): void {
    this.enqueue({ type: 'hang' });
  }
  respondNext(status: number, contentType: string, body: string): void {
    this.enqueue({ type: 'raw', status, contentType, body });
  }

  protected enqueue(outcome: FakeOutcome): void {
    this.outcomes.push(outcome);
  }

  protected nextOutcome(): FakeOutcome | undefined {
    return this.outcomes.shift();
  }

  protected hang(res: ServerResponse): void {
    this.hanging.add(res);
  }

  protected abstract handle(req: IncomingMessage, body: Buffer, res: ServerResponse): void;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, Buffer.concat(chunks), res));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Lower-cased header names; repeated headers joined with `,` as signatures want them. */
export function headerMap(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headersDistinct)) if (value) headers[name] = value.join(',');
  return headers;
}
