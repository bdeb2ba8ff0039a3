import { scrypt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dummyVerify, hashPassword, verifyPassword } from '../../src/users/password.js';

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] = (bytes[0] ?? 0) ^ 0xff;
  return bytes.toString('base64');
}

describe('password hashes', () => {
  it('writes a self-describing scrypt hash with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse');
    const b = await hashPassword('correct horse');
    expect(a).toMatch(/^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(a).not.toBe(b);
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse');
    expect(await verifyPassword(hash, 'correct horse')).toBe(true);
    expect(await verifyPassword(hash, 'correct horsE')).toBe(false);
    expect(await verifyPassword(hash, '')).toBe(false);
  });

  it('refuses the right password against a tampered key or salt', async () => {
    const hash = await hashPassword('correct horse');
    const [scheme, params, salt, key] = hash.split('$') as [string, string, string, string];
    expect(await verifyPassword([scheme, params, salt, flipFirstByte(key)].join('$'), 'correct horse')).toBe(false);
    expect(await verifyPassword([scheme, params, flipFirstByte(salt), key].join('$'), 'correct horse')).toBe(false);
  });

  it('reads the cost parameters back from the hash, so hashes made with other parameters still verify', async () => {
    const salt = Buffer.from('0123456789abcdef');
    const key = await new Promise<Buffer>((resolve, reject) =>
      scrypt('old password', salt, 32, { N: 1024, r: 4, p: 2 }, (e, k) => (e ? reject(e) : resolve(k))),
    );
    const old = `scrypt$N=1024,r=4,p=2$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(await verifyPassword(old, 'old password')).toBe(true);
    expect(await verifyPassword(old.replace('N=1024', 'N=2048'), 'old password')).toBe(false);
  });

  it('refuses to run a hash whose parameters would exhaust the server, and names an unknown format', async () => {
    const hash = await hashPassword('pw');
    await expect(verifyPassword(hash.replace('N=32768', 'N=1073741824'), 'pw')).rejects.toThrow(/out-of-range/);
    await expect(verifyPassword(hash.replace('N=32768', 'N=1000'), 'pw')).rejects.toThrow(/out-of-range/);
    await expect(verifyPassword('$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 'pw')).rejects.toThrow(/unrecognised/);
  });

  it('treats a password typed in full-width letters (a Chinese input method) as the same password', async () => {
    const hash = await hashPassword('Secret123');
    expect(await verifyPassword(hash, 'Ｓｅｃｒｅｔ１２３')).toBe(true);
  });

  it('dummyVerify always answers false', async () => {
    expect(await dummyVerify('anything')).toBe(false);
    expect(await dummyVerify('')).toBe(false);
  });
});
