// Runs one demo application: node --import tsx examples/demo-app/main.ts --port 9001 --name "App A"
// Settings come from arguments or the environment: PORT, CAS_URL, APP_NAME, PUBLIC_URL, HOST.
import { parseArgs } from 'node:util';
import { startDemoApp } from './app.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'cas-url': { type: 'string' },
    name: { type: 'string' },
    'public-url': { type: 'string' },
    host: { type: 'string' },
  },
});

const port = Number(values.port ?? process.env.PORT ?? 9000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be a port number (got ${values.port ?? process.env.PORT})`);
  process.exit(2);
}
const publicUrl = values['public-url'] ?? process.env.PUBLIC_URL;

const app = await startDemoApp({
  port,
  casUrl: values['cas-url'] ?? process.env.CAS_URL ?? 'http://localhost:8080/cas',
  name: values.name ?? process.env.APP_NAME ?? `Demo app ${port}`,
  host: values.host ?? process.env.HOST ?? '127.0.0.1',
  ...(publicUrl ? { publicUrl } : {}),
  log: (line) => console.log(`[demo-app] ${line}`),
});
console.log(`[demo-app] open ${app.url}/ in a browser`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void app.close().then(() => process.exit(0)));
}
