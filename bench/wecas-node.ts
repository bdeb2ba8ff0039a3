// One wecas node for the benchmarks: the server `wecas start` runs (createContext + buildApp, LOG_LEVEL from the
// environment), in its own process, plus an IPC channel through which the benchmark prepares state that is not
// being measured: users, a service, sessions, pre-issued service tickets; and reads its memory.
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { sql } from 'kysely';
import { pino } from 'pino';
import { loadConfig } from '../src/config.js';
import { localAccountOf } from '../src/directories/local.js';
import { principalOf } from '../src/directories/principal.js';
import { buildApp } from '../src/http/app.js';
import { SqlTicketRegistry } from '../src/tickets/sql-registry.js';
import type { TicketGrantingTicket } from '../src/tickets/types.js';
import type { User } from '../src/users/types.js';
import { createWecas } from '../src/wecas.js';
import { fillAdminData } from './admin-data.js';

export const BENCH_SERVICE = 'https://app.example.org/cb';
export const BENCH_PASSWORD = 'bench-password-1';
const USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36';

const config = loadConfig(process.env);
/** Tickets in the database's `tickets` table (SQLite or PostgreSQL), not in memory or Redis. */
const sqlRegistry = config.storage.ticketRegistry === 'sql' && !config.storage.redis;
const logger = pino({ level: config.server.logLevel });
const ctx = await createWecas(config, { logger });
const app = await buildApp(ctx);
await app.listen({ port: config.server.port, host: '127.0.0.1' });

let serviceId = 0;
/** The tickets the last issueServiceTickets wrote: wrk validates some, the rest are left over. */
let lastIssued: string[] = [];

/**
 * The last round's tickets that wrk did not get to. A deployment validates nearly every ticket it issues, and one it
 * does not expires in ST_TTL_SECONDS (10 s by default) and is swept; the bench issues twice what a round can use,
 * with an hour's lifetime so they outlast their preparation. Kept, the leftovers would pile up round after round
 * (some 100k a round), and each round would measure a bigger heap, table or keyspace than the last.
 */
async function forgetUnvalidatedTickets(): Promise<void> {
  if (sqlRegistry) await ctx.db.deleteFrom('service_tickets').execute();
  else await inParallel(lastIssued.length, 200, (i) => ctx.tickets.consume(lastIssued[i]!));
  lastIssued = [];
}
let seeded: User[] = [];
const sessions: TicketGrantingTicket[] = [];

/** A session as a password sign-in starts it: the person's principal and attributes kept with it (login/sign-in.ts). */
const startSession = (user: User) => {
  const principal = principalOf(user, localAccountOf(user));
  return ctx.sessions.start({
    userId: user.id,
    principal: principal.id,
    attributes: principal.attributes,
    method: 'password',
    authTime: Date.now(),
    clientIp: '127.0.0.1',
    userAgent: USER_AGENT,
  });
};

/** Runs `work(i)` for i < n, `parallel` at a time (Redis gains from overlap; SQLite does not mind). */
async function inParallel(n: number, parallel: number, work: (i: number) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < n; start += parallel) {
    await Promise.all(Array.from({ length: Math.min(parallel, n - start) }, (_, k) => work(start + k)));
  }
}

const commands: Record<string, (args: Record<string, number | string>) => Promise<unknown>> = {
  /** Users bench-0 … bench-(n-1) with one password, and the benchmark's service. */
  async seed({ users }) {
    const service = await ctx.services.add({ name: 'Bench app', pattern: BENCH_SERVICE, matchType: 'prefix', attributes: ['mail', 'displayName'] });
    serviceId = service.id;
    const created = await Promise.all(
      Array.from({ length: Number(users) }, (_, i) =>
        ctx.users.create({
          username: `bench-${i}`,
          password: BENCH_PASSWORD,
          displayName: `Bench ${i}`,
          attributes: { mail: [`bench-${i}@example.org`] },
        }),
      ),
    );
    seeded = created;
    return { userIds: created.map((u) => u.id) };
  },

  /** SSO sessions of the seeded users; writes their ids (TGC values) to `file`, one per line, for wrk. */
  async startSessions({ n, file }) {
    const fresh: TicketGrantingTicket[] = [];
    await inParallel(Number(n), 50, async (i) => fresh.push(await startSession(seeded[i % seeded.length]!)));
    sessions.push(...fresh);
    if (file) await writeFile(String(file), `${fresh.map((t) => t.id).join('\n')}\n`);
    return fresh.length;
  },

  /**
   * Service tickets for the benchmark's service, granted by the sessions round-robin, written to `file` one per
   * line (wrk validates each once).
   */
  async issueServiceTickets({ n, file }) {
    if (sessions.length === 0) await commands.startSessions!({ n: 100 });
    await forgetUnvalidatedTickets();
    const ids: string[] = new Array(Number(n));
    lastIssued = ids;
    await inParallel(Number(n), 100, async (i) => {
      const st = await ctx.sessions.grantServiceTicket(sessions[i % sessions.length]!, { url: BENCH_SERVICE, id: serviceId }, false);
      ids[i] = st.id;
    });
    await writeFile(String(file), `${ids.join('\n')}\n`);
    // The issuing made garbage of its own (promises, grants replaced, strings): collected now, so the run that follows
    // pays for validating, not for collecting what preparing it left.
    collectGarbage();
    return ids.length;
  },

  /** One live session of a new user id, as fillSessions starts them: the model the bench copies into its Redis. */
  async startFillerSession() {
    const tgt = await ctx.sessions.start(wechatSignIn(randomUUID(), 0));
    return { tgtId: tgt.id, userId: tgt.userId };
  },

  /** Adds live TGTs (each of its own user id) until the registry holds `total`; PostgreSQL in transactions of 10 000. */
  async fillSessions({ total }) {
    const have = await ctx.tickets.count('TGT');
    const missing = Number(total) - have;
    const tgt = (i: number) => wechatSignIn(flatUserId(), i);
    if (sqlRegistry && ctx.dialect === 'sqlite') {
      // One writer: each TGT stored as a sign-in stores it, in a commit of its own (some 5 s for 100k).
      for (let i = 0; i < missing; i++) await ctx.tickets.add(ctx.ticketFactory.grantingTicket(tgt(have + i)));
    } else if (sqlRegistry) {
      // PostgreSQL pays a round trip per insert: four transactions at once.
      await inParallel(Math.ceil(missing / 10_000), 4, (chunk) =>
        ctx.db.transaction().execute(async (trx) => {
          const registry = new SqlTicketRegistry(trx, ctx.clock);
          const start = chunk * 10_000;
          for (let i = start; i < Math.min(missing, start + 10_000); i++) await registry.add(ctx.ticketFactory.grantingTicket(tgt(have + i)));
        }),
      );
    } else {
      await inParallel(missing, 200, (i) => ctx.sessions.start(tgt(have + i)));
    }
    return ctx.tickets.count('TGT');
  },

  /** The admin-pages data (bench/admin-data.ts), straight into the database; returns what the bench searches for. */
  async fillAdmin({ accounts, events }) {
    return fillAdminData(ctx.db, ctx.clock.now(), { accounts: Number(accounts), events: Number(events) });
  },

  /** An administrator (password, admin role) and a personal API token of theirs: the token's secret. */
  async admin({ username, password }) {
    const user = await ctx.users.create({ username: String(username), password: String(password), displayName: 'Bench admin' });
    await ctx.admin.roles.grant(user.id, 'admin', 'cli');
    const { secret } = await ctx.admin.tokens.create({ userId: user.id, role: 'admin', name: 'admin-pages bench', days: 1 });
    return { secret };
  },

  /** Resident memory after a full GC (the process runs with --expose-gc), and the database's size (files, or PostgreSQL's). */
  async memory() {
    collectGarbage();
    const file = config.storage.databaseUrl.slice('sqlite:'.length);
    const size = (f: string) => {
      try {
        return statSync(f).size;
      } catch {
        return 0;
      }
    };
    const postgres = config.storage.databaseUrl.startsWith('postgres');
    const dbBytes = postgres
      ? Number((await sql<{ bytes: string }>`select pg_database_size(current_database()) as bytes`.execute(ctx.db)).rows[0]!.bytes)
      : size(file) + size(`${file}-wal`);
    return { ...process.memoryUsage(), dbBytes };
  },
};

process.on('message', (msg: { id: number; command: string; args: Record<string, number | string> }) => {
  const command = commands[msg.command];
  if (!command) return process.send!({ id: msg.id, error: `unknown command ${msg.command}` });
  command(msg.args).then(
    (result) => process.send!({ id: msg.id, result }),
    (err: Error) => process.send!({ id: msg.id, error: err.stack ?? err.message }),
  );
});

const shutdown = async () => {
  await app.close();
  await ctx.close();
  process.exit(0);
};
process.once('SIGTERM', () => void shutdown());
process.once('disconnect', () => void shutdown());
process.send!({ ready: { port: config.server.port } });

/**
 * The session a WeChat sign-in of an account without a login name starts (login/sign-in.ts, principalOf): the
 * principal is wecas's id, and the attributes those of such an account: its ids and the nickname.
 */
function wechatSignIn(userId: string, i: number) {
  return {
    userId,
    principal: userId,
    attributes: { userId: [userId], stableId: [userId], displayName: [flat(`微信用户${i}`)] },
    method: 'wechat' as const,
    authTime: Date.now(),
    clientIp: '10.1.2.3',
    userAgent: USER_AGENT,
  };
}

/** A string as read from a database row: one flat piece, not a rope of concatenated parts. */
function flat(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

/**
 * A new user id as a session gets it from the database: one flat string. Node's randomUUID() returns a rope of
 * cached hex pieces that costs about 480 bytes of heap against 56 (measured), which would be counted against the
 * registry; a real session's user id is read from the user table, flat.
 */
function flatUserId(): string {
  return flat(randomUUID());
}

/** A full collection (the bench starts its nodes with --expose-gc). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
