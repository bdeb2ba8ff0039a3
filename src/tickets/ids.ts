import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 27 base62 characters = 160 bits of CSPRNG randomness; an ST id stays at 30 chars, under strict clients' 32. */
const RANDOM_CHARS = 27;

/** Every prefix wecas mints: the CAS tickets, the login form token (LT) and a logout request's id (LR). */
export type TicketPrefix = 'TGT' | 'ST' | 'PT' | 'PGT' | 'PGTIOU' | 'LT' | 'LR';

/**
 * Random base62 string from a CSPRNG, with rejection sampling so every character is uniform. The characters are
 * written into one buffer: a string grown by `+=` is a rope of many small pieces in V8, which cost about 460 bytes
 * more per ticket held in memory (measured with 100k TGTs) and must be flattened before every Map lookup.
 */
export function randomToken(length = RANDOM_CHARS): string {
  return randomCharacters(Buffer.allocUnsafe(length), 0).toString('latin1');
}

/** A CAS ticket id: prefix, dash, random part. Only [A-Za-z0-9-], as the protocol requires. */
export function newTicketId(prefix: TicketPrefix): string {
  const id = Buffer.allocUnsafe(prefix.length + 1 + RANDOM_CHARS);
  id.write(`${prefix}-`, 'latin1');
  return randomCharacters(id, prefix.length + 1).toString('latin1');
}

/** Fills `out` from `start` with uniform base62 characters. */
function randomCharacters(out: Buffer, start: number): Buffer {
  let n = start;
  while (n < out.length) {
    const byte = randomByte();
    if (byte >= 248) continue; // 248 = 62 * 4: keeps the modulo unbiased
    out[n++] = ALPHABET.charCodeAt(byte % 62);
  }
  return out;
}

/**
 * CSPRNG bytes drawn 4 KiB at a time, each used once: a call into OpenSSL costs far more than the bytes it returns
 * (randomFillSync was 15% of an SSO issuance's CPU with a call per id). Node's own randomUUID keeps such a cache.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]!;
}

/** Syntax check before any lookup: the spec's character set and at most 256 characters (docs/cas-protocol.md §0.6, §3.1). */
export function isWellFormedTicketId(id: string): boolean {
  return id.length <= 256 && /^[A-Z]+-[A-Za-z0-9-]+$/.test(id);
}
