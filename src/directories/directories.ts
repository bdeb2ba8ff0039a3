import type { Config } from '../config.js';
import type { UserStore } from '../users/store.js';
import type { Directory } from './directory.js';
import { createLocalDirectory } from './local.js';

/** The configured directories, in the configured order. */
export function createDirectories(settings: Config['directories'], { users }: { users: UserStore }): Directory[] {
  return settings.order.map((kind) => {
    switch (kind) {
      case 'local':
        return createLocalDirectory(users);
      default:
        throw new Error(`DIRECTORIES names ${kind}, which this build cannot reach yet`);
    }
  });
}
