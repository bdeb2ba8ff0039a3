import { dummyVerify, verifyPassword } from '../users/password.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import type { Directory, DirectoryAccount } from './directory.js';

/** wecas's own accounts (the `users` table) as a directory: the one every deployment has, named `local`. */
export function createLocalDirectory(users: UserStore): Directory {
  const name = 'local';
  // The users table also holds the records of other directories' accounts (their links hang on them): not local accounts.
  const account = (user: User | null): DirectoryAccount | undefined => (user && user.directory === 'local' ? toAccount(name, user) : undefined);
  return {
    name,
    findByLogin: async (login) => account(await users.findByUsername(login)),
    findByPhone: async (phone) => account(await users.findByPhone(phone)),
    findById: async (id) => account(await users.findById(id)),
    async verifyPassword(found, password) {
      const stored = found.login ? await users.findForSignIn(found.login) : null;
      if (!stored?.passwordHash || stored.user.id !== found.id) return dummyVerify(password);
      return verifyPassword(stored.passwordHash, password);
    },
    async check() {},
    async close() {},
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
