// `npm run cluster`: two wecas nodes on a fresh PostgreSQL database and a shared Redis (own key prefix), behind
// nginx, with one WeChat emulator and a demo CAS application; runs until Ctrl-C, then removes everything it made.
//   CLUSTER_PORT          nginx's port (default: a free one)
//   CLUSTER_NODES         how many wecas nodes (default 2)
//   CLUSTER_POSTGRES_URL  where to create the database (default postgres://postgres@127.0.0.1:5432/test)
//   CLUSTER_REDIS_URL     the Redis to share (default redis://127.0.0.1:6379); CLUSTER_REDIS=own runs a redis-server
import { startDemoApp } from '../../examples/demo-app/app.js';
import { systemClock } from '../../src/clock.js';
import { SqlServiceRegistry } from '../../src/services/registry.js';
import { SqlUserStore } from '../../src/users/store.js';
import { startCluster } from './cluster.js';

const DEMO_USER = { username: 'alice', password: 'alice-cluster-pw', displayName: 'Alice 王' };

const cluster = await startCluster({
  nodes: Number(process.env.CLUSTER_NODES ?? 2),
  redis: process.env.CLUSTER_REDIS === 'own' ? 'own' : 'shared',
  logLevel: process.env.LOG_LEVEL ?? 'info',
  ...(process.env.CLUSTER_PORT ? { port: Number(process.env.CLUSTER_PORT) } : {}),
});
const app = await startDemoApp({ port: 0, casUrl: cluster.casUrl, name: 'Demo app', log: (line) => console.log(`[demo-app] ${line}`) });
const escaped = app.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
await new SqlServiceRegistry(cluster.db, systemClock).add({
  name: 'Demo app',
  pattern: `^${escaped}(/.*)?$`,
  matchType: 'regex',
  attributes: ['displayName'],
});
await new SqlUserStore(cluster.db, systemClock).create(DEMO_USER);

console.log(`
wecas cluster running
  load balancer (nginx)  ${cluster.url}/cas/login
${cluster.nodes.map((n) => `  node ${n.name}                 ${n.url}   (kill -9 it: kill -9 <pid>, or Ctrl-C everything)`).join('\n')}
  WeChat emulator        ${cluster.emulator.url}/__control/state
  PostgreSQL database    ${cluster.database.name}
  Redis                  ${cluster.redis.url}, keys ${cluster.redis.prefix}*
  demo app               ${app.url}/
Sign in as ${DEMO_USER.username} / ${DEMO_USER.password}, or with WeChat (the emulator's phone page). Ctrl-C stops everything.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    void (async () => {
      await app.close();
      await cluster.stop();
      process.exit(0);
    })().catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
  });
}
