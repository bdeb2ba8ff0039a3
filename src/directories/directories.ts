import type { Config } from '../config.js';
import type { UserStore } from '../users/store.js';
import type { Directory } from './directory.js';
import { createLocalDirectory } from './local.js';

/** The configured directories, in the configured order. A directory's client library is loaded only when it is configured. */
export async function createDirectories(
  settings: Config['directories'],
  { users, logger }: { users: UserStore; logger: { warn(details: object, message: string): void } },
): Promise<Directory[]> {
  const directories: Directory[] = [];
  for (const kind of settings.order) {
    switch (kind) {
      case 'local':
        directories.push(createLocalDirectory(users));
        break;
      case 'ldap': {
        const { createLdapDirectory } = await import('./ldap.js');
        directories.push(createLdapDirectory(settings.ldap!));
        break;
      }
      case 'sql': {
        const { createSqlDirectory } = await import('./sql.js');
        directories.push(await createSqlDirectory(settings.sql!, { logger }));
        break;
      }
    }
  }
  return directories;
}
