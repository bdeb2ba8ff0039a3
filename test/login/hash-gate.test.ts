import { describe, expect, it } from 'vitest';
import { createHashGate } from '../../src/login/hash-gate.js';

describe('the hash gate', () => {
  it('runs at most perIp hashes at once for one address (an IPv6 /64 counts as one), the rest in turn; other addresses are not held up', async () => {
    const gate = createHashGate({ perIp: 2 });
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    const hash = (name: string) => () =>
      new Promise<string>((resolve) => {
        started.push(name);
        releases.set(name, () => resolve(name));
      });
    const tick = () => new Promise((r) => setImmediate(r));

    const a = ['a1', 'a2', 'a3', 'a4'].map((name, i) => gate.run(`2001:db8:1:2::${i + 1}`, hash(name)));
    const b = gate.run('198.51.100.9', hash('b1'));
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1']);

    releases.get('b1')!();
    expect(await b).toBe('b1');
    releases.get('a1')!();
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3']);
    releases.get('a2')!();
    releases.get('a3')!();
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3', 'a4']);
    releases.get('a4')!();
    expect(await Promise.all(a)).toEqual(['a1', 'a2', 'a3', 'a4']);
  });

  it('frees the slot when a hash fails', async () => {
    const gate = createHashGate({ perIp: 1 });
    await expect(gate.run('10.0.0.1', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await gate.run('10.0.0.1', async () => 'after')).toBe('after');
  });
});
