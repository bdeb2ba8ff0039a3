import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { createLoginThrottle, type LoginThrottle } from '../../src/login/throttle.js';
import { ManualClock } from '../support/clock.js';

const WINDOW = 900;

describe('login throttle', () => {
  let clock: ManualClock;
  let kv: MemoryKeyValueStore;
  let throttle: LoginThrottle;

  beforeEach(() => {
    clock = new ManualClock();
    kv = new MemoryKeyValueStore(clock);
    throttle = createLoginThrottle({ kv, maxFailuresPerUser: 3, maxFailuresPerIp: 5, windowSeconds: WINDOW });
  });

  /** One attempt with a wrong password, as the authenticator makes it: counted by check, never given back. */
  async function fail(username: string, ip: string) {
    return throttle.check(username, ip);
  }

  it('refuses a username after its limit of attempts, from any IP, until its window ends', async () => {
    await fail('alice', '10.0.0.1');
    await fail('Alice', '10.0.0.2');
    clock.advance(100_000);
    expect((await fail('ALICE ', '10.0.0.3')).allowed).toBe(true);
    expect(await throttle.check('alice', '10.0.0.4')).toEqual({ allowed: false, retryAfterSeconds: WINDOW - 100 });
    expect(await kv.counter('login-fail:user:alice')).toBeGreaterThan(3);
    expect((await throttle.check('bob', '10.0.0.4')).allowed).toBe(true);

    clock.advance((WINDOW - 100) * 1000 - 1);
    expect((await throttle.check('alice', '10.0.0.5')).allowed).toBe(false);
    clock.advance(1);
    expect((await throttle.check('alice', '10.0.0.5')).allowed).toBe(true);
  });

  it('refuses an IP that has failed against many usernames, for every username, until its window ends', async () => {
    for (const username of ['u1', 'u2', 'u3', 'u4', 'u5']) expect((await fail(username, '10.0.0.9')).allowed).toBe(true);
    expect(await kv.counter('login-fail:ip:10.0.0.9')).toBe(5);
    expect(await throttle.check('u6', '10.0.0.9')).toEqual({ allowed: false, retryAfterSeconds: WINDOW });
    expect((await throttle.check('u6', '10.0.0.10')).allowed).toBe(true);
    clock.advance(WINDOW * 1000);
    expect((await throttle.check('u6', '10.0.0.9')).allowed).toBe(true);
  });

  it('does not count a refused IP against the username it tried', async () => {
    for (const username of ['u1', 'u2', 'u3', 'u4', 'u5']) await fail(username, '10.0.0.9');
    for (let i = 0; i < 5; i++) await throttle.check('alice', '10.0.0.9');
    expect(await kv.counter('login-fail:user:alice')).toBe(0);
  });

  it('counts an IPv6 client by its /64', async () => {
    for (let i = 1; i <= 5; i++) await fail(`u${i}`, `2001:db8:1:2::${i}`);
    expect((await throttle.check('u6', '2001:db8:1:2:ffff::1')).allowed).toBe(false);
    expect((await throttle.check('u6', '2001:db8:1:3::1')).allowed).toBe(true);
  });

  it('clears the username count on success, and gives the IP back the successful attempt only', async () => {
    await fail('alice', '10.0.0.1');
    await fail('alice', '10.0.0.1');
    await throttle.check('alice', '10.0.0.1');
    await throttle.recordSuccess('Alice', '10.0.0.1');
    expect(await kv.counter('login-fail:user:alice')).toBe(0);
    expect(await kv.counter('login-fail:ip:10.0.0.1')).toBe(2);
    for (let i = 0; i < 3; i++) expect((await fail('alice', '10.0.0.2')).allowed).toBe(true);
  });

  it('lets only the IP limit through when 400 guesses over many usernames arrive at once: the IP is counted before hashing', async () => {
    const decisions = await Promise.all(Array.from({ length: 400 }, (_, i) => throttle.check(`user${i}`, '10.0.0.66')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(5);
  });

  it('lets everyone behind one address sign in: successes do not use up the IP limit', async () => {
    for (let i = 0; i < 50; i++) {
      expect((await throttle.check(`staff${i}`, '10.0.0.77')).allowed).toBe(true);
      await throttle.recordSuccess(`staff${i}`, '10.0.0.77');
    }
    expect(await kv.counter('login-fail:ip:10.0.0.77')).toBe(0);
  });

  it('lets only the limit through when many guesses at one username arrive at once', async () => {
    const decisions = await Promise.all(Array.from({ length: 20 }, () => throttle.check('alice', '10.0.0.1')));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(3);
  });
});
