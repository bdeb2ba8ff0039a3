import type { Clock } from '../clock.js';
import type { KeyValueStore } from './store.js';

interface Entry {
  value: unknown;
  counter: number;
  expiresAt: number;
}

/** In-process store for one node (tests, `TICKET_REGISTRY=memory`). Synchronous bodies make each call atomic. */
export class MemoryKeyValueStore implements KeyValueStore {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly clock: Clock) {}

  private live(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (e && e.expiresAt <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return e;
  }

  async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    this.entries.set(key, { value: structuredClone(value), counter: 0, expiresAt: this.clock.now() + ttlSeconds * 1000 });
  }

  async putIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    if (this.live(key)) return false;
    await this.put(key, value, ttlSeconds);
    return true;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const e = this.live(key);
    return e ? (structuredClone(e.value) as T) : undefined;
  }

  async take<T>(key: string): Promise<T | undefined> {
    const e = this.live(key);
    if (!e) return undefined;
    this.entries.delete(key);
    return e.value as T;
  }

  async delete(key: string): Promise<void> {
    this.entries.delete(key);
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const e = this.live(key);
    if (e) return ++e.counter;
    this.entries.set(key, { value: null, counter: 1, expiresAt: this.clock.now() + ttlSeconds * 1000 });
    return 1;
  }

  async decrement(key: string): Promise<void> {
    const e = this.live(key);
    if (e && e.counter > 0) e.counter--;
  }

  async counter(key: string): Promise<number> {
    return this.live(key)?.counter ?? 0;
  }

  async ttl(key: string): Promise<number> {
    const e = this.live(key);
    return e ? Math.ceil((e.expiresAt - this.clock.now()) / 1000) : 0;
  }

  /** Drops expired entries; called by the sweeper. */
  async sweep(): Promise<void> {
    const now = this.clock.now();
    for (const [k, e] of this.entries) if (e.expiresAt <= now) this.entries.delete(k);
  }

  async close(): Promise<void> {}
}
