import { parseArgs } from 'node:util';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { normaliseUsername } from '../users/username.js';
import { queryAuditEvents, type StoredAuditEvent } from './queries.js';

export interface AuditCommandContext {
  db: Db;
  clock: Clock;
  print(line: string): void;
}

const USAGE = [
  'usage:',
  '  wecas audit [--user <username|id>] [--type <type>] [--since <ISO time | 30m | 1h | 7d>] [--limit <n>] [--json]',
  '  newest first; --limit defaults to 50',
];

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

class UsageError extends Error {}

/** `wecas audit …`: prints matching audit events, one per line (or JSON lines with --json). Returns the exit code. */
export async function runAuditCommand(args: string[], ctx: AuditCommandContext): Promise<number> {
  try {
    const { values } = parseOptions(args);
    const limit = values.limit === undefined ? DEFAULT_LIMIT : parseLimit(values.limit);
    const since = values.since === undefined ? undefined : parseSince(values.since, ctx.clock.now());
    const userId = values.user === undefined ? undefined : await userIdOf(ctx.db, values.user);
    const events = await queryAuditEvents(ctx.db, {
      limit,
      ...(userId !== undefined ? { userId } : {}),
      ...(values.type !== undefined ? { type: values.type } : {}),
      ...(since !== undefined ? { since } : {}),
    });
    for (const event of events) ctx.print(values.json ? JSON.stringify({ ...event, at: new Date(event.at).toISOString() }) : formatEvent(event));
    if (!values.json && events.length === 0) ctx.print('no matching audit events');
    return 0;
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    ctx.print(`error: ${err.message}`);
    USAGE.forEach((line) => ctx.print(line));
    return 2;
  }
}

function parseOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { user: { type: 'string' }, type: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
      allowPositionals: false,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function parseLimit(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}`);
  return n;
}

/** `7d`, `1h`, `30m`, `45s` before now, or an ISO 8601 time. */
export function parseSince(text: string, now: number): number {
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) throw new UsageError(`--since must be an ISO time (2025-01-31T12:00:00Z) or an age like 30m, 1h, 7d; got "${text}"`);
  return at;
}

/** A username names its user; anything else is taken as a user id (events of deleted users keep theirs). */
async function userIdOf(db: Db, user: string): Promise<string> {
  const username = normaliseUsername(user);
  const row = username === null ? undefined : await db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst();
  return row?.id ?? user;
}

function formatEvent(e: StoredAuditEvent): string {
  const who = e.username ?? e.userId ?? '-';
  const detail = Object.keys(e.detail).length > 0 ? JSON.stringify(e.detail) : '';
  return [new Date(e.at).toISOString(), e.type.padEnd(16), who, e.ip ?? '-', detail].join('  ').trimEnd();
}
