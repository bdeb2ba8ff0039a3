import type { Redis } from 'ioredis';
import { redactUrl } from './db.js';

export interface OpenRedisOptions {
  /** How long the first connection may take before start-up fails. */
  connectTimeoutMs?: number;
  /** Connection errors while running (ioredis reconnects by itself meanwhile); commands fail with their own error too. */
  onError?: (err: Error) => void;
}

/**
 * Connects to REDIS_URL once, failing start-up with a clear message when Redis is unreachable.
 * Once connected, ioredis reconnects by itself after an outage; meanwhile commands fail fast
 * (no offline queue, one retry) so a request errors instead of hanging until Redis is back.
 */
export async function openRedis(url: string, options: OpenRedisOptions = {}): Promise<Redis> {
  // Loaded only when Redis is configured: a node without it never carries the client.
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 3000,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
  });
  // connect() rejects with a bare "Connection is closed."; the cause arrives as an 'error' event.
  let lastError: Error | undefined;
  redis.on('error', (err: Error) => {
    lastError = err;
    options.onError?.(err);
  });
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect(); // stop ioredis retrying in the background
    const cause = lastError ?? (err instanceof Error ? err : new Error(String(err)));
    throw new Error(`Redis at ${redactUrl(url)} is unreachable: ${cause.message}`, { cause });
  }
  return redis;
}

/** SCAN MATCH reads * ? [ ] \ as glob syntax; escape them to match a key prefix literally. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
