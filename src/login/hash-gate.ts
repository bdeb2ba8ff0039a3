import { ipBucket } from '../kv/ip-bucket.js';

/**
 * At most `perIp` password hashes at once for one client address (IPv6: its /64) on this node; further ones wait
 * their turn. scrypt runs on libuv's small thread pool (4 threads by default): without a gate, one client's burst
 * fills it and everyone else's sign-in waits behind it.
 */
export function createHashGate({ perIp }: { perIp: number }) {
  const running = new Map<string, number>();
  const waiting = new Map<string, Array<() => void>>();

  async function enter(key: string): Promise<void> {
    const now = running.get(key) ?? 0;
    if (now < perIp) {
      running.set(key, now + 1);
      return;
    }
    await new Promise<void>((resolve) => waiting.set(key, [...(waiting.get(key) ?? []), resolve]));
  }

  function leave(key: string): void {
    const queue = waiting.get(key);
    const next = queue?.shift();
    if (next) {
      if (queue?.length === 0) waiting.delete(key);
      next(); // the slot passes straight to the next in line
      return;
    }
    const now = (running.get(key) ?? 1) - 1;
    if (now > 0) running.set(key, now);
    else running.delete(key);
  }

  return {
    async run<T>(ip: string, hash: () => Promise<T>): Promise<T> {
      const key = ipBucket(ip);
      await enter(key);
      try {
        return await hash();
      } finally {
        leave(key);
      }
    },
  };
}

export type HashGate = ReturnType<typeof createHashGate>;
