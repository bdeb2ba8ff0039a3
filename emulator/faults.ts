// Fault injection for the sns/* APIs: make the next N calls misbehave the way networks and WeChat do.
import { STATUS_CODES } from 'node:http';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { snsError } from './sns-errors.js';

export const SNS_APIS = ['access_token', 'refresh_token', 'auth', 'userinfo'] as const;
export type SnsApi = (typeof SNS_APIS)[number];

export const faultSchema = z.discriminatedUnion('type', [
  /** A WeChat error body (HTTP 200), e.g. -1 system error or 45011 minute quota. */
  z.object({ type: z.literal('errcode'), errcode: z.number().int(), errmsg: z.string().optional() }),
  /** An HTTP error from the front proxy (WeChat itself answers 200, its edge may not). */
  z.object({ type: z.literal('http'), status: z.number().int().min(400).max(599) }),
  /** A body cut short: not parseable JSON. */
  z.object({ type: z.literal('malformed') }),
  /** Wait, then answer normally (the call still takes effect, e.g. consumes the code). */
  z.object({ type: z.literal('delay'), ms: z.number().int().min(0).max(600_000) }),
  /** Never answer; the connection is dropped on reset or shutdown. */
  z.object({ type: z.literal('hang') }),
]);
export type Fault = z.infer<typeof faultSchema>;

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

export class FaultInjector {
  readonly #queues = new Map<SnsApi, QueuedFault[]>();
  readonly #hung = new Set<FastifyReply>();

  /** The next `times` calls to `api` get `fault` (after faults queued earlier have been used up). */
  inject(api: SnsApi, fault: Fault, times = 1): void {
    const queue = this.#queues.get(api) ?? [];
    queue.push({ fault, remaining: times });
    this.#queues.set(api, queue);
  }

  pending(): Array<{ api: SnsApi; fault: Fault; remaining: number }> {
    return [...this.#queues].flatMap(([api, queue]) => queue.map((q) => ({ api, ...q })));
  }

  take(api: SnsApi): Fault | undefined {
    const queue = this.#queues.get(api);
    const head = queue?.[0];
    if (!queue || !head) return undefined;
    head.remaining -= 1;
    if (head.remaining <= 0) queue.shift();
    return head.fault;
  }

  /**
   * Applies `fault` to the reply. Returns true when the reply is taken care of (sent, or hung);
   * false when the API should go on and answer normally (a delay).
   */
  async apply(fault: Fault, reply: FastifyReply, contentType: string): Promise<boolean> {
    switch (fault.type) {
      case 'errcode':
        await reply.type(contentType).send(JSON.stringify(snsError(fault.errcode, fault.errmsg)));
        return true;
      case 'http': {
        const title = `${fault.status} ${STATUS_CODES[fault.status] ?? 'Error'}`;
        await reply
          .code(fault.status)
          .type('text/html')
          .send(`<html><head><title>${title}</title></head><body><center><h1>${title}</h1></center></body></html>`);
        return true;
      }
      case 'malformed':
        await reply.type(contentType).send('{"errcode":0,"errmsg":"o');
        return true;
      case 'delay':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        return false;
      case 'hang':
        reply.hijack();
        this.#hung.add(reply);
        reply.raw.on('close', () => this.#hung.delete(reply));
        return true;
    }
  }

  /** Drops queued faults and the connections of hung calls. */
  reset(): void {
    this.#queues.clear();
    for (const reply of this.#hung) reply.raw.destroy();
    this.#hung.clear();
  }
}
