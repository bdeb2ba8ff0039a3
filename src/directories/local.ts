import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../users/password.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import type { Directory, DirectoryAccount } from './directory.js';
import { createPasswordHashVerifier, type PasswordHashVerifier, UnusableHash } from './password-hashes.js';

/** wecas's own accounts (the `users` table) as a directory: the one every deployment has, named `local`. */
export function createLocalDirectory(users: UserStore): Directory {
  const name = 'local';
  // The users table also holds the records of other directories' accounts (their links hang on them): not local accounts.
  const account = (user: User | null): DirectoryAccount | undefined => (user && user.directory === 'local' ? toAccount(name, user) : undefined);
  // Hashes of other formats (bcrypt, PBKDF2, Argon2… put there by an import) are checked by the existing table's
  // verifier, made the first time one is met (its worker threads only then); unsalted ones stay refused.
  let legacy: PasswordHashVerifier | undefined;
  async function verifyLegacy(hash: string, password: string): Promise<boolean> {
    if (/^scrypt\$N=/.test(hash)) return verifyPassword(hash, password);
    legacy ??= createPasswordHashVerifier({ legacyUnsaltedHashes: false });
    return legacy.verify(hash, password).catch((err: unknown) => {
      if (err instanceof UnusableHash) return false;
      throw err;
    });
  }
  return {
    name,
    findByLogin: async (login) => account(await users.findByUsername(login)),
    findByPhone: async (phone) => account(await users.findByPhone(phone)),
    findById: async (id) => account(await users.findById(id)),
    async verifyPassword(found, password) {
      const stored = found.login ? await users.findForSignIn(found.login) : null;
      if (!stored?.passwordHash || stored.user.id !== found.id) return dummyVerify(password);
      const hash = stored.passwordHash;
      if (!needsRehash(hash)) return verifyPassword(hash, password);
      // A legacy hash: checked as it is, and on a match upgraded to the current one (wecas owns this record).
      const matches = await verifyLegacy(hash, password);
      if (matches) await users.setPasswordHash(found.id, await hashPassword(password));
      return matches;
    },
    async check() {},
    async close() {
      await legacy?.close();
    },
  };
}

/** A wecas user as the local directory's account: `memberOf` and `mail` come from its extra attributes, the rest stays there. */
export function localAccountOf(user: User): DirectoryAccount {
  return toAccount('local', user);
}

function toAccount(directory: string, user: User): DirectoryAccount {
  const { memberOf = [], mail = [], ...attributes } = user.attributes;
  return {
    directory,
    id: user.id,
    login: user.username,
    displayName: user.displayName,
    phone: user.phone,
    mail: mail[0] ?? null,
    groups: memberOf,
    attributes,
    disabled: user.status !== 'active',
  };
}
