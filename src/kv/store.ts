/**
 * A small shared key-value store for short-lived state: login transactions, WeChat `state`, pending identities,
 * SMS codes and rate-limit counters. Values are JSON-serialisable. Every key has a time to live.
 * One contract suite runs against every implementation; in Redis each operation is one atomic command or script.
 */
export interface KeyValueStore {
  /** Stores a value, replacing any previous one. */
  put(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  /** Stores a value only if the key is absent (or expired). Returns whether it was stored. */
  putIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean>;
  get<T>(key: string): Promise<T | undefined>;
  /** Atomically reads and deletes: of concurrent callers, exactly one receives the value. */
  take<T>(key: string): Promise<T | undefined>;
  delete(key: string): Promise<void>;
  /**
   * Adds one to a counter and returns the new value. The first increment starts the window:
   * the counter expires `ttlSeconds` after it (a fixed window, as Redis INCR + EXPIRE NX gives).
   */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /**
   * Takes one back from a live counter (never below 0), leaving its window as it is; nothing when it is absent or
   * expired. For counts of attempts in flight that turn out not to count (a successful sign-in).
   */
  decrement(key: string): Promise<void>;
  /** Current value of a counter (0 when absent or expired). */
  counter(key: string): Promise<number>;
  /** Seconds until the key expires, or 0 when absent. */
  ttl(key: string): Promise<number>;
  /** Drops expired entries where the backend does not expire them itself. */
  sweep?(): Promise<unknown>;
  close(): Promise<void>;
}
