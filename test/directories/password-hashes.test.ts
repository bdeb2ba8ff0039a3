// The password hashes existing user tables hold (src/directories/password-hashes.ts): every vector of
// hash-vectors.ts with wrong passwords, the legacy switch, and the bounds on what a stored hash may ask for.
import { afterAll, describe, expect, it } from 'vitest';
import { createPasswordHashVerifier, identifyHash, UnusableHash } from '../../src/directories/password-hashes.js';
import { hashPassword } from '../../src/users/password.js';
import { LEGACY, VECTORS } from './hash-vectors.js';

const strict = createPasswordHashVerifier({ legacyUnsaltedHashes: false });
const legacy = createPasswordHashVerifier({ legacyUnsaltedHashes: true });
afterAll(() => Promise.all([strict.close(), legacy.close()]));

/** The UnusableHash a verification throws (failing the test if it resolves). */
async function unusable(stored: string, verifier = strict): Promise<UnusableHash> {
  const err = await verifier.verify(stored, 'password').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UnusableHash);
  return err as UnusableHash;
}

describe('password hashes of existing user tables', () => {
  it.each(VECTORS)('$format: $source', async ({ format, hash, password }) => {
    expect(identifyHash(hash)).toBe(format);
    expect(await strict.verify(hash, password)).toBe(true);
    expect(await strict.verify(hash, `${password}x`)).toBe(false);
    expect(await strict.verify(hash, 'wrong password')).toBe(false);
  });

  it('bcrypt ignores what follows the 72nd byte, as every bcrypt that wrote such hashes did', async () => {
    const hash = '$2a$05$abcdefghijklmnopqrstuu5s2v8.iXieOjg/.AySBTTZIIVFJeBui'; // Openwall's "chars after 72 are ignored"
    const password = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789chars after 72 are ignored';
    expect(await strict.verify(hash, password)).toBe(true);
    expect(await strict.verify(hash, `${password.slice(0, 72)} anything`)).toBe(true);
    expect(await strict.verify(hash, password.slice(0, 71))).toBe(false);
  });

  it("wecas's own scrypt format is checked as src/users/password.ts checks it (NFKC: a full-width password matches)", async () => {
    const hash = await hashPassword('Secret-1');
    expect(identifyHash(hash)).toBe('scrypt');
    expect(await strict.verify(hash, 'Secret-1')).toBe(true);
    expect(await strict.verify(hash, 'Ｓｅｃｒｅｔ-1')).toBe(true);
    expect(await strict.verify(hash, 'Secret-2')).toBe(false);
  });

  it.each(LEGACY)('$format is refused unless the legacy switch is on', async ({ format, hash, password }) => {
    expect(identifyHash(hash)).toBe(format);
    const refused = await unusable(hash);
    expect(refused).toMatchObject({ reason: 'legacy_refused', format });
    expect(refused.message).toContain('legacy-hash switch');
    expect(await legacy.verify(hash, password)).toBe(true);
    expect(await legacy.verify(hash, `${password}x`)).toBe(false);
  });

  it('refuses cost parameters a planted hash could use to take minutes or gigabytes, before computing anything', async () => {
    const planted = [
      '$2b$31$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
      '$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
      '$argon2id$v=19$m=65536,t=1000,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
      '$argon2id$v=19$m=65536,t=2,p=255$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
      'pbkdf2_sha256$2000000000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=',
      `pbkdf2_sha256$1000$seasalt$${Buffer.alloc(4096).toString('base64')}`, // a 4 KiB key is 128 PBKDF2 runs
      '$scrypt$ln=30,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea.fVr03sWV770kp5wLOLoEakziKhqE',
      'scrypt$N=1073741824,r=8,p=1$AAECAwQFBgcICQoLDA0ODw==$nfkj3u1fRTHCea+fVr03sWV770kp5wLOLoEakziKhqE=',
    ];
    for (const hash of planted) expect((await unusable(hash)).reason).toMatch(/out_of_bounds|malformed/);
    expect((await unusable(planted[0]!)).message).toBe('bcrypt hash: cost 31 is outside 4-14');
  });

  it('names an unrecognised or malformed hash by its shape, never quoting it', async () => {
    const sha512crypt = '$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21';
    const cases: Array<[string, RegExp]> = [
      [sha512crypt, new RegExp(`^unrecognised password hash format \\(starts with \\$6\\$, ${sha512crypt.length} characters\\)$`)],
      ['plain-text-password', /^unrecognised password hash format \(19 characters\)$/],
      ['{SSHA}not base64!', /ldap-salted-sha hash: \{SSHA\} value is not base64/],
      ['{SSHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', /has 20 bytes, not a sha1 digest and a salt/],
      ['$2b$10$tooshort', /bcrypt hash: not \$2b\$/],
      ['$argon2id$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', /version 16 is not supported/],
      ['$argon2id$v=19$m=65536,t=2,p=1,keyid=abc$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc', /unsupported parameters keyid/],
    ];
    for (const [hash, message] of cases) {
      const err = await unusable(hash);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain(hash.slice(8));
    }
    expect(identifyHash(sha512crypt)).toBeUndefined();
  });
});
