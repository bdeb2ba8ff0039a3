import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../../src/kv/store.js';
import type { ManualClock } from '../support/clock.js';
import type { ContractOptions } from './ticket-registry.contract.js';

export type { ContractOptions };

export interface KeyValueStoreUnderTest {
  store: KeyValueStore;
  clock: ManualClock;
  /** The same storage through other connections, as other wecas nodes see it; the race cases spread callers over all. */
  others?: KeyValueStore[];
  cleanup(): Promise<void>;
}

/** One suite every KeyValueStore implementation must pass. */
export function describeKeyValueStoreContract(name: string, factory: () => Promise<KeyValueStoreUnderTest>, options: ContractOptions = {}): void {
  const ownClock = options.expiresOnItsOwnClock ?? false;

  describe.skipIf(options.skip ?? false)(`KeyValueStore contract: ${name}`, () => {
    let t: KeyValueStoreUnderTest;
    let store: KeyValueStore;
    beforeEach(async () => {
      t = await factory();
      store = t.store;
    });
    afterEach(async () => {
      await t.cleanup();
    });

    /**
     * Lets `seconds` pass: moves the test clock, and where the backend expires keys on its own clock (Redis)
     * also waits that long for real. Callers keep such TTLs at one second.
     */
    async function letTimePass(seconds: number): Promise<void> {
      t.clock.advance(seconds * 1000);
      if (ownClock) await new Promise((r) => setTimeout(r, seconds * 1000 + 100));
    }
    const nodes = () => [store, ...(t.others ?? [])];
    const spread = <T>(n: number, call: (s: KeyValueStore, i: number) => Promise<T>) =>
      Promise.all(Array.from({ length: n }, (_, i) => call(nodes()[i % nodes().length]!, i)));

    it('stores, replaces and deletes values', async () => {
      expect(await store.get('state:a')).toBeUndefined();
      await store.put('state:a', { service: 'https://app.example.org/', nonce: 'n1', tries: [1, 2] }, 600);
      expect(await store.get('state:a')).toEqual({ service: 'https://app.example.org/', nonce: 'n1', tries: [1, 2] });
      await store.put('state:a', 'second', 600);
      expect(await store.get('state:a')).toBe('second');
      await store.put('state:b', null, 600);
      expect(await store.get('state:b')).toBeNull();
      await store.delete('state:a');
      expect(await store.get('state:a')).toBeUndefined();
      await store.delete('state:never');
    });

    it('takes a value once', async () => {
      await store.put('state:t', { n: 1 }, 600);
      expect(await store.take('state:t')).toEqual({ n: 1 });
      expect(await store.take('state:t')).toBeUndefined();
      expect(await store.get('state:t')).toBeUndefined();
    });

    it('gives a value to exactly one of 100 concurrent takers, on every node', async () => {
      for (let round = 0; round < 5; round++) {
        await store.put(`state:race${round}`, { round }, 600);
        const results = await spread(100, (s) => s.take<{ round: number }>(`state:race${round}`));
        expect(results.filter((r) => r !== undefined)).toEqual([{ round }]);
      }
    });

    it('reports the seconds a key has left, and 0 when absent', async () => {
      await store.put('state:ttl', 1, 600);
      expect(await store.ttl('state:ttl')).toBe(600);
      expect(await store.ttl('state:none')).toBe(0);
    });

    it('forgets a value when its time is up', async () => {
      await store.put('state:short', 'v', 1);
      await store.put('state:long', 'w', 600);
      await letTimePass(1);
      expect(await store.get('state:short')).toBeUndefined();
      expect(await store.take('state:short')).toBeUndefined();
      expect(await store.ttl('state:short')).toBe(0);
      expect(await store.get('state:long')).toBe('w');
    });

    it('counts, and starts again after the window', async () => {
      expect(await store.counter('rate:ip')).toBe(0);
      expect(await store.increment('rate:ip', 1)).toBe(1);
      expect(await store.increment('rate:ip', 1)).toBe(2);
      expect(await store.increment('rate:ip', 1)).toBe(3);
      expect(await store.counter('rate:ip')).toBe(3);
      expect(await store.ttl('rate:ip')).toBe(1);
      await letTimePass(1);
      expect(await store.counter('rate:ip')).toBe(0);
      expect(await store.increment('rate:ip', 1)).toBe(1);
    });

    it('keeps a fixed window: later increments do not extend it', async () => {
      await store.increment('rate:fixed', 1);
      await letTimePass(0.6);
      expect(await store.increment('rate:fixed', 1)).toBe(2);
      await letTimePass(0.5);
      expect(await store.counter('rate:fixed')).toBe(0);
    });

    it('decrements a live counter, never below 0 and never creating one, keeping its window', async () => {
      await store.decrement('rate:none');
      expect(await store.counter('rate:none')).toBe(0);
      expect(await store.ttl('rate:none')).toBe(0);
      await store.increment('rate:back', 60);
      await store.increment('rate:back', 60);
      await store.decrement('rate:back');
      expect(await store.counter('rate:back')).toBe(1);
      await store.decrement('rate:back');
      await store.decrement('rate:back');
      expect(await store.counter('rate:back')).toBe(0);
      expect(await store.ttl('rate:back')).toBeGreaterThan(55);
      expect(await store.increment('rate:back', 60)).toBe(1);
    });

    it('returns exactly 1..200 to 200 concurrent increments', async () => {
      const results = await spread(200, (s) => s.increment('rate:burst', 60));
      expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
      expect(await store.counter('rate:burst')).toBe(200);
    });

    it('stores with putIfAbsent only when the key is absent or expired', async () => {
      expect(await store.putIfAbsent('lock:a', 'first', 1)).toBe(true);
      expect(await store.putIfAbsent('lock:a', 'second', 1)).toBe(false);
      expect(await store.get('lock:a')).toBe('first');
      await letTimePass(1);
      expect(await store.putIfAbsent('lock:a', 'third', 600)).toBe(true);
      expect(await store.get('lock:a')).toBe('third');
    });

    it('lets exactly one of 50 concurrent putIfAbsent callers store', async () => {
      const results = await spread(50, (s, i) => s.putIfAbsent('lock:race', { caller: i }, 600));
      const winners = results.flatMap((stored, i) => (stored ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await store.get('lock:race')).toEqual({ caller: winners[0] });
    });

    it('keeps its own copy of values', async () => {
      const value = { phone: '+8613800138000', attempts: [1] };
      await store.put('sms:code', value, 600);
      value.attempts.push(2);
      const read = await store.get<typeof value>('sms:code');
      expect(read).toEqual({ phone: '+8613800138000', attempts: [1] });
      read!.attempts.push(3);
      expect(await store.get('sms:code')).toEqual({ phone: '+8613800138000', attempts: [1] });
    });

    it.skipIf(ownClock)('sweeps without touching live entries', async () => {
      await store.put('state:old', 'x', 1);
      await store.put('state:live', 'y', 600);
      await store.increment('rate:live', 600);
      t.clock.advance(1000);
      await store.sweep?.();
      expect(await store.get('state:live')).toBe('y');
      expect(await store.counter('rate:live')).toBe(1);
      expect(await store.get('state:old')).toBeUndefined();
    });
  });
}
