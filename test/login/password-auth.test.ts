import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAccounts } from '../../src/directories/accounts.js';
import { createLocalDirectory } from '../../src/directories/local.js';
import { MemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { createHashGate } from '../../src/login/hash-gate.js';
import { createPasswordAuthenticator, type PasswordCredentials } from '../../src/login/methods/password.js';
import type { Authenticator, AuthOutcome } from '../../src/login/outcome.js';
import { createLoginThrottle } from '../../src/login/throttle.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import * as passwords from '../../src/users/password.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';

vi.mock('../../src/users/password.js', { spy: true });

const IP = '198.51.100.4';

describe('password sign-in', () => {
  let db: Db;
  let clock: ManualClock;
  let users: SqlUserStore;
  let authenticator: Authenticator<'password', PasswordCredentials>;
  const auth = {
    authenticate: (username: string, password: string, ip: string): Promise<AuthOutcome<'password'>> =>
      authenticator.authenticate({ username, password }, { client: { ip, userAgent: null }, browserId: undefined }),
  };

  beforeEach(async () => {
    ({ db } = openDatabase('sqlite::memory:'));
    await migrateToLatest(db);
    clock = new ManualClock();
    users = new SqlUserStore(db, clock);
    const throttle = createLoginThrottle({
      kv: new MemoryKeyValueStore(clock),
      maxFailuresPerUser: 3,
      maxFailuresPerIp: 10,
      windowSeconds: 900,
    });
    const accounts = createAccounts({ directories: [createLocalDirectory(users)], users });
    authenticator = createPasswordAuthenticator({ accounts, throttle, gate: createHashGate({ perIp: 2 }) });
    await users.create({ username: 'alice', password: 'right', phone: '+8613812345678' });
    vi.clearAllMocks();
  });
  afterEach(() => db.destroy());

  it('signs in with the right password, whatever the case of the username', async () => {
    const result = await auth.authenticate('Alice', 'right', IP);
    expect(result).toEqual({
      kind: 'authenticated',
      method: 'password',
      user: expect.objectContaining({ username: 'alice', phone: '+8613812345678' }),
      account: expect.objectContaining({ directory: 'local', login: 'alice', phone: '+8613812345678', disabled: false }),
    });
  });

  it('answers a wrong password and an unknown username alike, spending a hash on each', async () => {
    expect(await auth.authenticate('alice', 'wrong', IP)).toMatchObject({ kind: 'refused', reason: 'invalid_credentials' });
    expect(passwords.verifyPassword).toHaveBeenCalledTimes(1);
    expect(await auth.authenticate('mallory', 'right', IP)).toMatchObject({ kind: 'refused', reason: 'invalid_credentials' });
    expect(passwords.dummyVerify).toHaveBeenCalledTimes(1);
  });

  it('does not let a user without a password in with any password, and spends a hash on it', async () => {
    await users.create({ username: 'wechat-only', phone: '+8613900000000' });
    expect(await auth.authenticate('wechat-only', 'anything', IP)).toMatchObject({ kind: 'refused', reason: 'invalid_credentials' });
    expect(passwords.dummyVerify).toHaveBeenCalledTimes(1);
  });

  it('says "disabled" only to someone who gave the right password', async () => {
    const alice = await users.findByUsername('alice');
    await users.setStatus(alice?.id ?? '', 'disabled');
    expect(await auth.authenticate('alice', 'wrong', IP)).toMatchObject({ kind: 'refused', reason: 'invalid_credentials' });
    expect(await auth.authenticate('alice', 'right', IP)).toMatchObject({ kind: 'refused', reason: 'disabled' });
  });

  it('refuses a throttled username without checking the password, even the right one', async () => {
    for (let i = 0; i < 3; i++) await auth.authenticate('alice', `guess-${i}`, IP);
    vi.clearAllMocks();
    expect(await auth.authenticate('alice', 'right', '203.0.113.1')).toMatchObject({
      kind: 'refused',
      reason: 'throttled',
      retryAfterSeconds: 900,
    });
    expect(passwords.verifyPassword).not.toHaveBeenCalled();
    expect(passwords.dummyVerify).not.toHaveBeenCalled();
  });

  it('refuses a throttled IP for every username', async () => {
    for (let i = 0; i < 10; i++) await auth.authenticate(`user${i}`, 'password1', IP);
    expect(await auth.authenticate('alice', 'right', IP)).toMatchObject({ kind: 'refused', reason: 'throttled' });
    expect(await auth.authenticate('alice', 'right', '203.0.113.1')).toMatchObject({ kind: 'authenticated' });
  });

  it('forgives earlier failures once the right password is given', async () => {
    await auth.authenticate('alice', 'wrong', IP);
    await auth.authenticate('alice', 'wrong', IP);
    expect((await auth.authenticate('alice', 'right', IP)).kind).toBe('authenticated');
    for (let i = 0; i < 3; i++) await auth.authenticate('alice', 'wrong', IP);
    expect(await auth.authenticate('alice', 'right', IP)).toMatchObject({ reason: 'throttled' });
  });

  it('checks no more than the IP limit of 400 parallel wrong passwords over many usernames, and another IP still signs in', async () => {
    const burst = Array.from({ length: 400 }, (_, i) => auth.authenticate(`guess${i}`, 'Password1', IP));
    const other = auth.authenticate('alice', 'right', '203.0.113.50');
    const outcomes = await Promise.all(burst);
    expect(outcomes.filter((o) => o.kind === 'refused' && o.reason === 'invalid_credentials')).toHaveLength(10);
    expect(outcomes.filter((o) => o.kind === 'refused' && o.reason === 'throttled')).toHaveLength(390);
    // Unknown usernames each cost one dummy hash: exactly the 10 the IP limit let through were hashed.
    expect(vi.mocked(passwords.dummyVerify).mock.calls.length + vi.mocked(passwords.verifyPassword).mock.calls.length).toBe(11);
    expect((await other).kind).toBe('authenticated');
  });
});
