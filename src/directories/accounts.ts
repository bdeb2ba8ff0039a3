import { UserConflictError } from '../users/errors.js';
import type { UserStore } from '../users/store.js';
import type { User } from '../users/types.js';
import type { Directory, DirectoryAccount } from './directory.js';
import { localAccountOf } from './local.js';

export type Accounts = ReturnType<typeof createAccounts>;

/**
 * The directories, in their configured order (first match wins), and the wecas record each account's links hang
 * on. An account in wecas's own tables is its own record; an account elsewhere gets a record the first time it is
 * used, named by its directory and that directory's stable id, holding no copy of its password.
 */
export function createAccounts({ directories, users }: { directories: Directory[]; users: UserStore }) {
  const byName = new Map(directories.map((d) => [d.name, d]));

  async function first(find: (d: Directory) => Promise<DirectoryAccount | undefined>): Promise<DirectoryAccount | undefined> {
    for (const directory of directories) {
      const found = await find(directory);
      if (found) return found;
    }
    return undefined;
  }

  return {
    directories,
    directory: (name: string) => byName.get(name),

    findByLogin: (login: string) => first((d) => d.findByLogin(login)),
    /**
     * The account with this phone in the first directory that has it; else the account whose wecas record holds it
     * as a phone binding (an administrator merged a WeChat-made account, and its number, into a directory account).
     */
    async findByPhone(phone: string): Promise<DirectoryAccount | undefined> {
      const found = await first((d) => d.findByPhone(phone));
      if (found) return found;
      const record = await users.findByPhone(phone);
      if (!record || record.directory === 'local' || !record.directoryId) return undefined;
      return byName.get(record.directory)?.findById(record.directoryId);
    },

    /** The wecas record of an account, made the first time an account of another directory is used. */
    async recordOf(account: DirectoryAccount): Promise<User> {
      if (account.directory === 'local') {
        const own = await users.findById(account.id);
        if (!own) throw new Error(`local account ${account.id} has no record`);
        return own;
      }
      const existing = await users.findByDirectoryId(account.directory, account.id);
      if (existing) return existing;
      try {
        return await users.create({
          directory: { name: account.directory, id: account.id },
          ...(account.displayName ? { displayName: account.displayName } : {}),
        });
      } catch (err) {
        // Two first sign-ins at once: the unique (directory, id) index lets one create; the other takes its record.
        const made = await users.findByDirectoryId(account.directory, account.id);
        if (made) return made;
        throw err instanceof UserConflictError ? new Error(`the record of ${account.directory} account ${account.id} could not be made`) : err;
      }
    },

    /** The account a wecas record stands for, read again from its directory; undefined when it is gone from there. */
    async accountOf(user: User): Promise<DirectoryAccount | undefined> {
      if (user.directory === 'local' || !user.directoryId) return byName.get('local')?.findById(user.id) ?? localAccountOf(user);
      const directory = byName.get(user.directory);
      return directory?.findById(user.directoryId);
    },

    async close(): Promise<void> {
      await Promise.all(directories.map((d) => d.close()));
    },
  };
}
