import type { SqlDirectorySettings } from '../config.js';
import { redactUrl } from '../store/db.js';
import { dummyVerify } from '../users/password.js';
import { type Directory, type DirectoryAccount, DirectoryUnavailable } from './directory.js';
import { createPasswordHashVerifier, UnusableHash } from './password-hashes.js';
import { openSqlReader } from './sql-connection.js';
import { createLookups } from './sql-lookups.js';
import type { AccountRow } from './sql-rows.js';

export interface SqlDirectoryOptions {
  /** Warnings for operators (pino's shape): unsalted hashes accepted, a hash that cannot be checked, a dropped idle connection. */
  logger?: { warn(details: object, message: string): void };
}

/**
 * An existing system's user table as a directory, read through the configured SELECTs (README "An existing user
 * table"), on a read-only connection of its own. A wrong password is `false`; everything that keeps the directory
 * from answering (unreachable, timeout, a query or a stored hash it cannot use) is a DirectoryUnavailable.
 */
export async function createSqlDirectory(settings: SqlDirectorySettings, options: SqlDirectoryOptions = {}): Promise<Directory> {
  const { name } = settings;
  const { logger } = options;
  const reader = await openSqlReader(settings.databaseUrl, {
    directory: name,
    timeoutMs: settings.timeoutMs,
    onIdleConnectionError: (err) => logger?.warn({ directory: name, err: err.message }, 'directory database closed a pooled connection'),
  });
  const hashes = createPasswordHashVerifier({ legacyUnsaltedHashes: settings.legacyUnsaltedHashes });
  if (settings.legacyUnsaltedHashes)
    logger?.warn(
      { directory: name, database: redactUrl(settings.databaseUrl) },
      'directory accepts unsalted MD5/SHA-1 password hashes (legacy switch on): anyone who reads the table can reverse them; rehash and turn the switch off',
    );
  const misconfigured = (detail: string) => new DirectoryUnavailable(name, 'misconfigured', detail);
  const lookups = createLookups(name, reader, settings, misconfigured);
  // The hash of each account this directory handed out, so checking its password right after a lookup reads nothing again.
  const hashOf = new WeakMap<DirectoryAccount, string | null>();
  const remember = (row: AccountRow | undefined): DirectoryAccount | undefined => {
    if (row) hashOf.set(row.account, row.passwordHash);
    return row?.account;
  };

  /** Remembered from the lookup that made this account, else read again by its id; none for another directory's account. */
  const storedHash = async (account: DirectoryAccount): Promise<string | null> => {
    if (hashOf.has(account)) return hashOf.get(account) ?? null;
    return account.directory === name ? ((await lookups.byId(account.id))?.passwordHash ?? null) : null;
  };

  return {
    name,
    findByLogin: async (login) => remember(await lookups.byLogin(login)),
    findByPhone: async (phone) => remember(await lookups.byPhone(phone)),
    findById: async (id) => remember(await lookups.byId(id)),
    async verifyPassword(account, password) {
      const stored = await storedHash(account);
      if (!stored) return dummyVerify(password);
      try {
        return await hashes.verify(stored, password);
      } catch (err) {
        if (!(err instanceof UnusableHash)) throw err;
        logger?.warn({ directory: name, account: account.id, format: err.format, reason: err.reason }, err.message);
        throw misconfigured(`the password hash of account ${account.id}: ${err.message}`);
      }
    },
    async check() {
      await lookups.checkColumns();
    },
    async close() {
      await Promise.all([reader.close(), hashes.close()]);
    },
  };
}
