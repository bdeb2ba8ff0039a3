// Where a production node's memory goes: imports the modules named on the command line one by one and, after a full
// GC, prints what each added to the resident set (private and file-backed) and to the live V8 heap; `--start` then
// starts the server as `wecas start` does (its configuration from the environment) and prints the V8 heap spaces.
// One JSON object per line on stdout. It must run from a production install's root (the benchmark copies it there),
// with --expose-gc:
//   node --expose-gc import-memory.mjs fastify kysely ./dist/cli/start.js --start
// Plain JavaScript, no loader: the numbers are those of plain Node, as production runs.
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics } from 'node:v8';

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const args = process.argv.slice(2);
const start = args.includes('--start');
const specs = args.filter((a) => a !== '--start');

function reading() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (field) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), heapUsed: process.memoryUsage().heapUsed };
}

/** Two full GCs with a turn of the event loop between them, so finalisers and weak references are done with. */
async function settled() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return reading();
}

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
let last = await settled();
print({ step: 'node', ...last });
for (const spec of specs) {
  await import(spec.startsWith('.') ? new URL(spec, `file://${process.cwd()}/`).href : spec);
  const now = await settled();
  print({
    step: spec,
    ...now,
    added: { rss: now.rss - last.rss, anon: now.anon - last.anon, file: now.file - last.file, heapUsed: now.heapUsed - last.heapUsed },
  });
  last = now;
}
if (start) {
  const { loadConfig } = await import(new URL('./dist/config.js', `file://${process.cwd()}/`).href);
  const { startServer } = await import(new URL('./dist/cli/start.js', `file://${process.cwd()}/`).href);
  const server = await startServer(loadConfig());
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const now = await settled();
  const spaces = Object.fromEntries(
    getHeapSpaceStatistics()
      .filter((s) => s.physical_space_size > 0)
      .map((s) => [s.space_name, { committed: s.physical_space_size, used: s.space_used_size }]),
  );
  print({
    step: 'start',
    ...now,
    added: { rss: now.rss - last.rss, anon: now.anon - last.anon, file: now.file - last.file, heapUsed: now.heapUsed - last.heapUsed },
    spaces,
  });
  await server.close();
}
process.exit(0);
