import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { REDIS_SERVER_BINARY } from '../../scripts/cluster/backends.js';
import { NGINX_BINARY } from '../../scripts/cluster/nginx.js';
import { postgresAvailable } from '../support/postgres.js';
import { redisAvailable } from '../support/redis.js';
import { type Availability, requireServer } from '../support/servers.js';

/**
 * Whether the cluster tests can run: PostgreSQL, the shared Redis, nginx and redis-server. Locally a missing one
 * skips them with the reason printed; under CI=true it fails the file (requireServer).
 */
export async function clusterCanRun(): Promise<boolean> {
  const [postgres, redis] = await Promise.all([postgresAvailable(), redisAvailable()]);
  const checks: Array<[string, Availability]> = [
    ['PostgreSQL', postgres],
    ['Redis', redis],
    ['nginx', executable(NGINX_BINARY)],
    ['redis-server', executable(REDIS_SERVER_BINARY)],
  ];
  return checks.map(([name, availability]) => requireServer(name, availability)).every(Boolean);
}

function executable(command: string): Availability {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '').split(':').map((dir) => path.join(dir, command));
  for (const file of candidates) {
    try {
      accessSync(file, constants.X_OK);
      return { reachable: true };
    } catch {
      // try the next directory
    }
  }
  return { reachable: false, reason: `${command} is not installed (apt-get install nginx-light redis-server)` };
}
