// What every directory promises (src/directories/directory.ts), whatever holds its accounts: one suite, run
// against each kind (local tables, LDAP/AD, an existing SQL table) in directories.test.ts and beside each kind.
import { describe, expect, it } from 'vitest';
import { type Directory, DirectoryUnavailable } from '../../src/directories/directory.js';

/** An account the fixture's store holds, as the suite will look for it. */
export interface KnownAccount {
  login: string;
  password: string;
  /** E.164, as wecas reads it (the store may hold it in another form, e.g. `138 1234 5678`). */
  phone: string;
  displayName: string;
  /** Groups it is in (a subset is enough). */
  groups: string[];
}

export interface DirectoryFixture {
  directory: Directory;
  /** An active account with a phone and groups. */
  active: KnownAccount;
  /** Another active account: the suite checks one account's password does not open another. */
  other: KnownAccount;
  /** An account the directory itself marks disabled; its password is right. */
  disabled: Pick<KnownAccount, 'login' | 'password'>;
  /** The same directory pointed at a server that cannot answer (a closed port), when the kind has a server. */
  unreachable?: () => Promise<Directory>;
  close(): Promise<void>;
}

export function directoryContract(name: string, setup: () => Promise<DirectoryFixture>): void {
  describe(`the ${name} directory`, () => {
    async function withFixture(test: (f: DirectoryFixture) => Promise<void>) {
      const fixture = await setup();
      try {
        await test(fixture);
      } finally {
        await fixture.close();
      }
    }

    it('finds an account by login name, whatever its case, with what wecas needs of it', () =>
      withFixture(async ({ directory, active }) => {
        const account = await directory.findByLogin(active.login.toUpperCase());
        expect(account).toMatchObject({
          directory: directory.name,
          login: active.login,
          displayName: active.displayName,
          phone: active.phone,
          disabled: false,
        });
        expect(account!.id.length).toBeGreaterThan(0);
        expect(account!.groups).toEqual(expect.arrayContaining(active.groups));
        expect(await directory.findByLogin(`${active.login}-nobody`)).toBeUndefined();
      }));

    it('finds the same account by its stable id and by its phone', () =>
      withFixture(async ({ directory, active }) => {
        const account = (await directory.findByLogin(active.login))!;
        expect((await directory.findById(account.id))?.login).toBe(active.login);
        expect((await directory.findByPhone(active.phone))?.id).toBe(account.id);
        expect(await directory.findByPhone('+8613000000000')).toBeUndefined();
        expect(await directory.findById(`${account.id}x`)).toBeUndefined();
      }));

    it("checks a password: the right one, not a wrong one, not another account's", () =>
      withFixture(async ({ directory, active, other }) => {
        const account = (await directory.findByLogin(active.login))!;
        expect(await directory.verifyPassword(account, active.password)).toBe(true);
        expect(await directory.verifyPassword(account, `${active.password}x`)).toBe(false);
        expect(await directory.verifyPassword(account, other.password)).toBe(false);
        expect(await directory.verifyPassword(account, '')).toBe(false);
      }));

    it('reports a disabled account as disabled (its password still checks: the caller decides what to say)', () =>
      withFixture(async ({ directory, disabled }) => {
        const account = await directory.findByLogin(disabled.login);
        expect(account?.disabled).toBe(true);
        expect(await directory.verifyPassword(account!, disabled.password)).toBe(true);
      }));

    it('answers its readiness check, and one that cannot reach its server says so as DirectoryUnavailable', () =>
      withFixture(async ({ directory, active, unreachable }) => {
        await expect(directory.check()).resolves.toBeUndefined();
        if (!unreachable) return;
        const down = await unreachable();
        try {
          await expect(down.check()).rejects.toBeInstanceOf(DirectoryUnavailable);
          await expect(down.findByLogin(active.login)).rejects.toMatchObject({
            directory: down.name,
            kind: expect.stringMatching(/unreachable|timeout/),
          });
        } finally {
          await down.close();
        }
      }));
  });
}
