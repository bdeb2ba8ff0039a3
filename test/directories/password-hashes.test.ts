// The password hashes existing user tables hold (src/directories/password-hashes.ts): published vectors where the
// format has them, the others computed independently with Python's hashlib (OpenSSL), each with wrong passwords.
import { afterAll, describe, expect, it } from 'vitest';
import { createPasswordHashVerifier, type HashFormat, identifyHash, UnusableHash } from '../../src/directories/password-hashes.js';
import { hashPassword } from '../../src/users/password.js';

interface Vector {
  format: HashFormat;
  hash: string;
  password: string;
  /** Where it comes from. */
  source: string;
}

const VECTORS: Vector[] = [
  {
    format: 'bcrypt',
    hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW',
    password: 'U*U',
    source: 'Openwall crypt_blowfish tests',
  },
  {
    format: 'bcrypt',
    hash: '$2a$05$XXXXXXXXXXXXXXXXXXXXXOAcXxm9kjPGEMsLznoKqmqw7tc8WCx4a',
    password: 'U*U*U',
    source: 'Openwall crypt_blowfish tests',
  },
  { format: 'bcrypt', hash: '$2a$05$CCCCCCCCCCCCCCCCCCCCC.7uG0VCzI2bS7j6ymqJi9CdcdxiRTWNy', password: '', source: 'Openwall crypt_blowfish tests' },
  // $2b$ and $2y$ name the same computation for passwords like these (they fixed bugs of other implementations).
  { format: 'bcrypt', hash: '$2b$05$CCCCCCCCCCCCCCCCCCCCC.VGOzA784oUp/Z0DY336zx7pLYAy0lwK', password: 'U*U*', source: 'Openwall, as $2b$' },
  {
    format: 'bcrypt',
    hash: '$2y$10$.vGA1O9wmRjrwAVXD98HNOgsNpDczlqm3Jq7KnEd1rVAGv3Fykk1a',
    password: 'rasmuslerdorf',
    source: "PHP manual's password_verify",
  },
  {
    format: 'argon2id',
    hash: '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc',
    password: 'password',
    source: 'phc-winner-argon2 src/test.c',
  },
  {
    format: 'argon2i',
    hash: '$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG',
    password: 'password',
    source: 'phc-winner-argon2 README',
  },
  {
    format: 'pbkdf2-sha256',
    hash: '$pbkdf2-sha256$1212$4vjV83LKPjQzk31VI4E0Vw$hsYF68OiOUPdDZ1Fg.fJPeq1h/gXXY7acBp9/6c.tmQ',
    password: 'password',
    source: "passlib's test_handlers",
  },
  {
    format: 'pbkdf2-sha256',
    hash: '$pbkdf2-sha256$1212$3SABFJGDtyhrQMVt1uABPw$WyaUoqCLgvz97s523nF4iuOqZNbp5Nt8do/cuaa7AiI',
    password: 'Ιωαννης',
    source: "passlib's test_handlers (UTF-8)",
  },
  {
    format: 'pbkdf2-sha256',
    hash: 'pbkdf2_sha256$1000$seasalt$JgZryXe2Ga8ysg6XbzkLpTdyPQrHqsinbL9BnnhgX4A=',
    password: 'lètmein',
    source: 'hashlib, Django form',
  },
  {
    format: 'pbkdf2-sha256',
    hash: '$pbkdf2-sha256$i=10000,l=32$AAECAwQFBgcICQoLDA0ODw$OASW+8cj5NzAMtQk1H40oif3kEFjlquo/DMxMyH5Uno',
    password: '密码123',
    source: 'hashlib, PHC form',
  },
  {
    format: 'scrypt',
    hash: '$scrypt$ln=10,r=8,p=1$AAECAwQFBgcICQoLDA0ODw$nfkj3u1fRTHCea.fVr03sWV770kp5wLOLoEakziKhqE',
    password: 'correct horse',
    source: 'hashlib, passlib form',
  },
  {
    format: 'scrypt',
    hash: '$scrypt$ln=10,p=1,r=8$6DKLnvUYEeXWh3JNOd3iwg==$kSrhdHaRbZ7R74q3lGBqO1xetgxRxhmWzYJ2Qvfm7JM=',
    password: 'secret',
    source: "PowerDNS dnsdist's tests (padded, parameters in another order)",
  },
  { format: 'ldap-salted-sha', hash: '{SSHA}uJDd0BIdJ9Z7yDCZNWdgYeb33+cBAgME', password: 'secret', source: 'hashlib, 4-byte salt as slappasswd' },
  { format: 'ldap-salted-sha', hash: '{SSHA256}IserxXNXvY1m0XQMFFUMWopeQKh5L2MZU7shWN7eqMFzYWx0c2FsdA==', password: '口令', source: 'hashlib' },
  {
    format: 'ldap-salted-sha',
    hash: '{ssha512}aCu7JRc+kLsuEmFs1zTY+AiP7DSGnjjG+dH28Dp+E5usqoAixeTPihKqZmkWal4mUfp63tqvCAkFV1LKTDFH6XNhbHRzYWx0',
    password: 'secret',
    source: 'hashlib, scheme in lower case',
  },
];

const LEGACY: Vector[] = [
  { format: 'ldap-unsalted', hash: '{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=', password: 'password', source: 'hashlib' },
  { format: 'md5-hex', hash: '5f4dcc3b5aa765d61d8327deb882cf99', password: 'password', source: 'hashlib' },
  { format: 'sha1-hex', hash: '5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8', password: 'password', source: 'hashlib, upper case' },
];

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
