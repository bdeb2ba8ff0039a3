import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** 27 base62 characters = 160 bits of CSPRNG randomness; an ST id stays at 30 chars, under strict clients' 32. */
const RANDOM_CHARS = 27;

/** Every prefix wecas mints: the CAS tickets, the login form token (LT) and a logout request's id (LR). */
export type TicketPrefix = 'TGT' | 'ST' | 'PT' | 'PGT' | 'PGTIOU' | 'LT' | 'LR';

/** Random base62 string from a CSPRNG, with rejection sampling so every character is uniform. */
export function randomToken(length = RANDOM_CHARS): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte >= 248) continue; // 248 = 62 * 4: keeps the modulo unbiased
      out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/** A CAS ticket id: prefix, dash, random part. Only [A-Za-z0-9-], as the protocol requires. */
export function newTicketId(prefix: TicketPrefix): string {
  return `${prefix}-${randomToken()}`;
}

/** Syntax check before any lookup: the spec's character set and at most 256 characters (docs/cas-protocol.md §0.6, §3.1). */
export function isWellFormedTicketId(id: string): boolean {
  return id.length <= 256 && /^[A-Z]+-[A-Za-z0-9-]+$/.test(id);
}
