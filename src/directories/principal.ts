import type { User } from '../users/types.js';
import type { DirectoryAccount } from './directory.js';

/** What a session keeps of the person at sign-in (as Apereo keeps the authentication in the TGT): what applications may be told. */
export interface Principal {
  /** The CAS user name applications see unless their registration names another attribute: the login name, else wecas's id. */
  id: string;
  /** Every attribute a service may be released, by name. */
  attributes: Record<string, string[]>;
}

/**
 * The person as applications may see them: the directory's account (read at sign-in) over the wecas record's own
 * attributes. `userId` is wecas's id; `stableId` the directory's (entryUUID, objectGUID, a key), for a service that
 * wants a name that survives renames.
 */
export function principalOf(user: User, account: DirectoryAccount): Principal {
  const displayName = account.displayName ?? user.displayName;
  const phone = account.phone ?? user.phone;
  const attributes: Record<string, string[]> = {
    ...user.attributes,
    ...account.attributes,
    userId: [user.id],
    stableId: [account.id],
    ...(account.login ? { username: [account.login] } : {}),
    ...(displayName ? { displayName: [displayName] } : {}),
    ...(phone ? { phone: [phone] } : {}),
    ...(account.mail ? { mail: [account.mail] } : {}),
    ...(account.groups.length > 0 ? { memberOf: account.groups } : {}),
    ...(user.avatarUrl ? { avatarUrl: [user.avatarUrl] } : {}),
    ...(account.directory !== 'local' ? { directory: [account.directory] } : {}),
  };
  return { id: account.login ?? user.id, attributes };
}
