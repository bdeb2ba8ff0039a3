// The yardstick for idle memory: Fastify's hello world in plain Node, as the production node runs (no tsx loader,
// no IPC channel), listening on PORT. bench/bare-fastify.ts is the throughput yardstick.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void app.close().then(() => process.exit(0)));
