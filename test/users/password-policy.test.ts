import { describe, expect, it } from 'vitest';
import { createLocalDirectory, localAccountOf } from '../../src/directories/local.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { hashPassword, needsRehash } from '../../src/users/password.js';
import { characterClasses, commonPasswords, createPasswordPolicy, DEFAULT_PASSWORD_POLICY } from '../../src/users/password-policy.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';

describe('the password policy', () => {
  const policy = createPasswordPolicy(DEFAULT_PASSWORD_POLICY);

  it('refuses by length, kinds of character, the own name and phone, and the bundled common list', () => {
    expect(policy.check('Ab1-xyz')).toEqual({ reason: 'too_short', minLength: 8 });
    expect(policy.check('abcdefghij')).toEqual({ reason: 'too_few_classes', minClasses: 2 });
    expect(policy.check('zhangwei-2025', { login: 'zhangwei' })).toEqual({ reason: 'contains_name' });
    expect(policy.check('ZhangWei2025', { login: 'zhangwei' })).toEqual({ reason: 'contains_name' });
    expect(policy.check('x13812345678', { phone: '+8613812345678' })).toEqual({ reason: 'contains_name' });
    expect(policy.check('Wang Fang', { displayName: 'wangfang' })).toEqual({ reason: 'contains_name' });
    expect(policy.check('woaini1314')).toEqual({ reason: 'common' });
    expect(policy.check('Password1')).toEqual({ reason: 'common' });
    expect(policy.check(`${'x'.repeat(257)}1`)).toEqual({ reason: 'too_long', maxLength: 256 });
    expect(policy.check('Plum-blossom-25', { login: 'mei', phone: '+8613811112222' })).toBeUndefined();
  });

  it('counts characters after NFKC, as the hash sees them: full-width letters are letters', () => {
    expect(characterClasses('ＡＢＣ１２３')).toBe(2);
    expect(createPasswordPolicy({ ...DEFAULT_PASSWORD_POLICY, minLength: 6 }).check('ＸＹＺ７８９ｑ')).toBeUndefined();
    // …and a common password typed full-width is still the common one.
    expect(createPasswordPolicy(DEFAULT_PASSWORD_POLICY).check('ｗｏａｉｎｉ１３１４')).toEqual({ reason: 'common' });
  });

  it('is configurable: longer, more kinds, the checks off', () => {
    const strict = createPasswordPolicy({ minLength: 12, minClasses: 3, refuseOwnName: false, refuseCommon: false });
    expect(strict.check('abcdefgh1234')).toEqual({ reason: 'too_few_classes', minClasses: 3 });
    expect(strict.check('Abcdefgh1234')).toBeUndefined();
    const lax = createPasswordPolicy({ minLength: 4, minClasses: 1, refuseOwnName: false, refuseCommon: false });
    expect(lax.check('123456')).toBeUndefined();
  });

  it('bundles over a thousand common passwords, lower-cased, Chinese sites’ first', () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThan(1000);
    for (const p of ['123456', '5201314', 'woaini1314', 'qwerty', 'iloveyou']) expect(list.has(p)).toBe(true);
  });
});

describe('a legacy hash of a wecas account', () => {
  it('is checked, then upgraded to the current scrypt on the next successful sign-in; a wrong password changes nothing', async () => {
    const { db } = openDatabase('sqlite::memory:');
    await migrateToLatest(db);
    const users = new SqlUserStore(db, new ManualClock(Date.now()));
    const user = await users.create({ username: 'old.timer' });
    // bcrypt of "U*U" (Openwall's crypt_blowfish test vector), as an import from an older system would leave it.
    const bcrypt = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW';
    await users.setPasswordHash(user.id, bcrypt);
    const local = createLocalDirectory(users);
    const account = localAccountOf((await users.findById(user.id))!);
    try {
      expect(await local.verifyPassword(account, 'wrong')).toBe(false);
      expect((await users.findForSignIn('old.timer'))!.passwordHash).toBe(bcrypt);
      expect(await local.verifyPassword(account, 'U*U')).toBe(true);
      const upgraded = (await users.findForSignIn('old.timer'))!.passwordHash!;
      expect(upgraded).toMatch(/^scrypt\$N=32768,r=8,p=1\$/);
      expect(needsRehash(upgraded)).toBe(false);
      expect(await local.verifyPassword(account, 'U*U')).toBe(true);
      // A weaker scrypt of our own is upgraded too.
      expect(needsRehash((await hashPassword('x')).replace('N=32768', 'N=1024'))).toBe(true);
    } finally {
      await local.close();
      await db.destroy();
    }
  });
});
