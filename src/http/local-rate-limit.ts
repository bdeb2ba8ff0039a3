import type { FastifyReply, FastifyRequest } from 'fastify';
import { ipBucket } from '../kv/ip-bucket.js';

/**
 * A per-address request limit counted in this node's memory, in fixed windows: no store round trip on the request.
 * The validators use it: they are on every application's hot path, their tickets are single use and unguessable
 * (nothing to try in bulk), so the limit is about one node's load, and a node's own count is the one that matters.
 * Memory is bounded by the addresses seen in one window: the whole map is dropped when the window turns.
 */
export function localRateLimit(options: { max: number; windowMs: number; onExceeded: () => void; error: () => Error }) {
  let counts = new Map<string, number>();
  let windowEnds = 0;
  // A callback hook, not an async one: no promise on every validation for a check that never waits.
  return (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void => {
    const now = Date.now();
    if (now >= windowEnds) {
      counts = new Map();
      windowEnds = now + options.windowMs;
    }
    const key = ipBucket(request.ip);
    const count = (counts.get(key) ?? 0) + 1;
    counts.set(key, count);
    if (count <= options.max) {
      done();
      return;
    }
    options.onExceeded();
    reply.header('retry-after', String(Math.ceil((windowEnds - now) / 1000)));
    done(options.error());
  };
}
