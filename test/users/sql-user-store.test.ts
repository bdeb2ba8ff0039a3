import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidUserError, UserConflictError } from '../../src/users/errors.js';
import { verifyPassword } from '../../src/users/password.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';
import { databaseBackends } from '../support/database-backends.js';

const backends = await databaseBackends();

describe.each(backends)('SqlUserStore on $name', (backend) => {
  let clock: ManualClock;
  let store: SqlUserStore;
  let close: () => Promise<void>;

  beforeEach(async () => {
    const opened = await backend.open();
    close = opened.close;
    clock = new ManualClock();
    store = new SqlUserStore(opened.db, clock);
  });
  afterEach(() => close());

  it('creates a user and finds it by id, by username regardless of case, and by phone', async () => {
    const created = await store.create({
      username: '  Alice.Wang ',
      phone: '+8613812345678',
      password: 'pw-1',
      displayName: '王爱丽',
      avatarUrl: 'https://img.example/a.png',
      attributes: { mail: ['alice@example.cn'], memberOf: ['staff', 'library'] },
    });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      username: 'alice.wang',
      phone: '+8613812345678',
      displayName: '王爱丽',
      avatarUrl: 'https://img.example/a.png',
      attributes: { mail: ['alice@example.cn'], memberOf: ['staff', 'library'] },
      status: 'active',
      hasPassword: true,
      provedPhone: null,
      directory: 'local',
      directoryId: null,
      createdAt: clock.now(),
      updatedAt: clock.now(),
    });
    expect(await store.findById(created.id)).toEqual(created);
    expect(await store.findByUsername('ALICE.WANG')).toEqual(created);
    expect(await store.findByPhone('+8613812345678')).toEqual(created);
    expect(await store.findById('no-such-id')).toBeNull();
    expect(await store.findByUsername('bob')).toBeNull();
    expect(await store.findByUsername('not a username!')).toBeNull();
    expect(await store.findByPhone('+8613900000000')).toBeNull();
  });

  it('keeps the password hash off the user record and hands it out only for sign-in', async () => {
    const user = await store.create({ username: 'alice', password: 'pw-1' });
    expect(JSON.stringify(user)).not.toContain('scrypt');
    const found = await store.findForSignIn('Alice');
    expect(found?.user).toEqual(user);
    expect(await verifyPassword(found?.passwordHash ?? '', 'pw-1')).toBe(true);
    const phoneOnly = await store.create({ phone: '+8613812345678' });
    expect(phoneOnly).toMatchObject({ username: null, hasPassword: false, attributes: {} });
    expect(await store.findForSignIn('nobody')).toBeNull();
  });

  it('refuses malformed fields with a message naming the field', async () => {
    const cases = [
      [{ username: '' }, 'username'],
      [{ username: 'a'.repeat(65) }, 'username'],
      [{ username: 'alice wang' }, 'username'],
      [{ username: 'alice', phone: '13812345678' }, 'phone'],
      [{ username: 'alice', phone: '+0123456789' }, 'phone'],
      [{ username: 'alice', password: '' }, 'password'],
      [{ username: 'alice', attributes: { mail: 'a@b' } as unknown as Record<string, string[]> }, 'attributes'],
      [{ displayName: 'nobody can find me' }, 'user'],
    ] as const;
    for (const [input, field] of cases) {
      const error = await store.create(input).catch((e: unknown) => e);
      expect(error, JSON.stringify(input)).toBeInstanceOf(InvalidUserError);
      expect((error as InvalidUserError).field).toBe(field);
    }
    expect(await store.list()).toEqual([]);
  });

  it('refuses a second user whose username differs only by case', async () => {
    await store.create({ username: 'alice' });
    const error = await store.create({ username: 'ALICE' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserConflictError);
    expect((error as UserConflictError).field).toBe('username');
  });

  it('refuses a second user with the same phone', async () => {
    await store.create({ username: 'alice', phone: '+8613812345678' });
    const error = await store.create({ username: 'bob', phone: '+8613812345678' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserConflictError);
    expect((error as UserConflictError).field).toBe('phone');
  });

  it('lets exactly one of several concurrent creates of one username win', async () => {
    const results = await Promise.allSettled(
      ['carol', 'Carol', 'CAROL', ' carol', 'caRol'].map((username) => store.create({ username, password: 'pw' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect(r.reason).toBeInstanceOf(UserConflictError);
    expect(await store.list()).toHaveLength(1);
  });

  it('lists users oldest first, a page at a time', async () => {
    for (const username of ['u1', 'u2', 'u3']) {
      await store.create({ username });
      clock.advance(1000);
    }
    expect((await store.list()).map((u) => u.username)).toEqual(['u1', 'u2', 'u3']);
    expect((await store.list({ limit: 2 })).map((u) => u.username)).toEqual(['u1', 'u2']);
    expect((await store.list({ limit: 2, offset: 2 })).map((u) => u.username)).toEqual(['u3']);
  });

  it('disables and enables a user, moving updatedAt', async () => {
    const user = await store.create({ username: 'alice' });
    clock.advance(5000);
    expect(await store.setStatus(user.id, 'disabled')).toBe(true);
    expect(await store.findById(user.id)).toMatchObject({ status: 'disabled', createdAt: user.createdAt, updatedAt: clock.now() });
    expect(await store.setStatus(user.id, 'active')).toBe(true);
    expect((await store.findById(user.id))?.status).toBe('active');
    expect(await store.setStatus('no-such-id', 'disabled')).toBe(false);
  });

  it('sets a password on a user who had none, and replaces it', async () => {
    const user = await store.create({ username: 'alice' });
    expect(user.hasPassword).toBe(false);
    expect(await store.setPassword(user.id, 'first')).toBe(true);
    expect((await store.findById(user.id))?.hasPassword).toBe(true);
    await store.setPassword(user.id, 'second');
    const hash = (await store.findForSignIn('alice'))?.passwordHash ?? '';
    expect(await verifyPassword(hash, 'second')).toBe(true);
    expect(await verifyPassword(hash, 'first')).toBe(false);
    expect(await store.setPassword('no-such-id', 'x')).toBe(false);
    await expect(store.setPassword(user.id, '')).rejects.toBeInstanceOf(InvalidUserError);
  });

  it('updates the profile, phone and attributes, and refuses a phone another user has', async () => {
    const alice = await store.create({ username: 'alice', phone: '+8613812345678', displayName: 'Alice' });
    await store.create({ username: 'bob', phone: '+8613900000000' });
    clock.advance(1000);
    const updated = await store.update(alice.id, {
      displayName: '爱丽',
      avatarUrl: 'https://img.example/b.png',
      phone: '+8613711112222',
      attributes: { memberOf: ['staff'] },
    });
    expect(updated).toMatchObject({
      displayName: '爱丽',
      avatarUrl: 'https://img.example/b.png',
      phone: '+8613711112222',
      attributes: { memberOf: ['staff'] },
      updatedAt: clock.now(),
    });
    const error = await store.update(alice.id, { phone: '+8613900000000' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserConflictError);
    expect((error as UserConflictError).field).toBe('phone');
    expect((await store.update(alice.id, { phone: null, displayName: null }))?.phone).toBeNull();
    expect(await store.findByPhone('+8613711112222')).toBeNull();
    expect(await store.update('no-such-id', { displayName: 'x' })).toBeNull();
  });
});
