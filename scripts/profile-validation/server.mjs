// The compiled wecas (dist/, `npm run build`) with the memory registry (or $TICKET_REGISTRY: sql keeps them in the
// SQLite file; with $REDIS_URL, Redis keeps them) and TICKETS pre-issued service tickets, written one a line to
// $OUT/tickets.txt for wrk (load.lua); with MODE=sso, its sessions' ids instead (one each of $ACCOUNTS accounts,
// 100 by default, the tickets issued round-robin among them; SIGN_INS_EVERY_MS: see signIn). SIGUSR1 starts the
// measurement (CPU time, and with PROFILE=1 a CPU profile through the inspector, so start-up and the ticket stock
// are left out); SIGTERM ends it: it prints the validations (with MODE=sso, the sign-ons) that succeeded and the
// CPU time, writes $OUT/validation.cpuprofile, and deletes this run's Redis keys (left behind, they would slow every
// later SCAN of the database: the tests' among them).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const dist = process.env.DIST ?? path.resolve('dist');
const out = process.env.OUT ?? '.';
const { loadConfig } = await import(`${dist}/config.js`);
const { buildApp } = await import(`${dist}/http/app.js`);
const { createWecas } = await import(`${dist}/wecas.js`);
const config = loadConfig({
  NODE_ENV: 'test',
  DATABASE_URL: `sqlite:${out}/wecas.db`,
  TICKET_REGISTRY: process.env.TICKET_REGISTRY ?? 'memory',
  PUBLIC_URL: 'https://cas.example.org',
  PORT: '18555',
  LOG_LEVEL: 'warn',
  RATE_LIMIT_VALIDATION_PER_MINUTE: '100000000',
  RATE_LIMIT_LOGIN_PER_MINUTE: '100000000',
  ST_TTL_SECONDS: '600',
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL, REDIS_PREFIX: `profile-${process.pid}:` } : {}),
});
const ctx = await createWecas(config);
const app = await buildApp(ctx);
await app.listen({ port: 18555, host: '127.0.0.1' });
const APP = 'https://app.example.org/cb';
const service = await ctx.services.add({ name: 'Bench', pattern: APP, matchType: 'prefix', attributes: ['mail', 'displayName'] });
const sessions = [];
const accounts = Number(process.env.ACCOUNTS ?? 100);
for (let i = 0; i < accounts; i++) {
  const user = await ctx.users.create({ username: `bench-${i}` });
  const attributes = { mail: [`bench-${i}@example.org`], displayName: [`Bench ${i}`] };
  sessions.push(await ctx.sessions.start({ userId: user.id, principal: `bench-${i}`, attributes, method: 'password', authTime: Date.now() }));
}
// MODE=sso: the sessions' ids, the TGC cookies wrk signs on with; else the pre-issued service tickets.
const sso = process.env.MODE === 'sso';
const ids = [];
if (sso) ids.push(...sessions.map((s) => s.id));
else {
  for (let i = 0; i < Number(process.env.TICKETS ?? 200000); i++) {
    ids.push((await ctx.sessions.grantServiceTicket(sessions[i % accounts], { url: APP, id: service.id }, false)).id);
  }
}
writeFileSync(`${out}/tickets.txt`, `${ids.join('\n')}\n`);

const session = new Session();
const profiling = process.env.PROFILE === '1';
let base;
// How long the event loop was held up at a time (the tail of every request's latency), in ms.
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
process.on('SIGUSR1', async () => {
  if (profiling) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
  }
  base = process.cpuUsage();
  loopDelay.enable();
  if (signInsEveryMs > 0) setInterval(signIn, signInsEveryMs).unref();
});
// SIGN_INS_EVERY_MS: a sign-in's audit row written on that interval during the measurement (the synchronous kind,
// on the main connection, waiting for the SQLite thread's write lock), each write timed.
const signInsEveryMs = Number(process.env.SIGN_INS_EVERY_MS ?? 0);
const signInWrites = [];
async function signIn() {
  const started = performance.now();
  await ctx.audit.record({ type: 'login.success', userId: sessions[signInWrites.length % accounts].userId, method: 'password' });
  signInWrites.push(performance.now() - started);
}
process.on('SIGTERM', async () => {
  const used = process.cpuUsage(base);
  if (profiling) writeFileSync(`${out}/validation.cpuprofile`, JSON.stringify((await session.post('Profiler.stop')).profile));
  const metrics = await ctx.metrics.registry.metrics();
  // What a request achieves: a ticket validated, or with MODE=sso one issued (the setup issues none then).
  const counted = sso ? /wecas_tickets_issued_total\{type="ST"\} (\d+)/ : /wecas_tickets_validated_total\{type="ST",result="success"\} (\d+)/;
  const succeeded = Number(counted.exec(metrics)?.[1] ?? 0);
  const cpuMs = (used.user + used.system) / 1000;
  const ms = (ns) => Math.round(ns / 1e5) / 10;
  const loop = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
  const result = { succeeded, cpuMs, cpuMicrosPerValidation: Math.round((cpuMs * 1000) / succeeded), loopDelayMs: loop };
  if (signInWrites.length > 0) {
    const sorted = signInWrites.sort((a, b) => a - b);
    const at = (q) => Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10;
    result.signInWriteMs = { n: sorted.length, p50: at(0.5), p99: at(0.99), max: Math.round(sorted.at(-1) * 10) / 10 };
  }
  console.log(JSON.stringify(result));
  await app.close();
  if (ctx.redis) await deleteKeys(ctx.redis, `${config.storage.redis.prefix}*`);
  await ctx.close();
  process.exit(0);
});
console.log('ready');

async function deleteKeys(redis, pattern) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
