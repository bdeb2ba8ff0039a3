import { describe, expect, it } from 'vitest';
import { isWellFormedTicketId, newTicketId, randomToken } from '../../src/tickets/ids.js';

describe('ticket ids', () => {
  it('are the prefix, a dash and 27 base62 characters (an ST stays at 30 characters)', () => {
    for (const prefix of ['TGT', 'ST', 'PT', 'PGT', 'PGTIOU', 'LT', 'LR'] as const) {
      const id = newTicketId(prefix);
      expect(id).toMatch(new RegExp(`^${prefix}-[A-Za-z0-9]{27}$`));
      expect(isWellFormedTicketId(id)).toBe(true);
    }
    expect(newTicketId('ST')).toHaveLength(30);
  });

  it('never repeat and use every character about equally (chi-square over 200k characters)', () => {
    const counts = new Map<string, number>();
    const seen = new Set<string>();
    for (let i = 0; i < 5_000; i++) {
      const token = randomToken(40);
      seen.add(token);
      for (const c of token) counts.set(c, (counts.get(c) ?? 0) + 1);
    }
    expect(seen.size).toBe(5_000);
    expect(counts.size).toBe(62);
    const expected = 200_000 / 62;
    const chiSquare = [...counts.values()].reduce((sum, n) => sum + (n - expected) ** 2 / expected, 0);
    // 61 degrees of freedom: p = 1e-6 at about 122; a biased modulo (256 % 62) gives over a thousand.
    expect(chiSquare).toBeLessThan(122);
  });
});
