import { queryAuditEvents, type StoredAuditEvent } from '../audit/queries.js';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { normaliseUsername } from '../users/username.js';
import { EXIT, type Printer, parseOptions, runCommand, UsageError, wholeNumber } from './args.js';

export interface AuditCommandContext extends Printer {
  db: Db;
  clock: Clock;
}

const USAGE = [
  'usage:',
  '  wecas audit [--user <username|id>] [--type <type>] [--since <ISO time | 30m | 1h | 7d>] [--limit <n>] [--json]',
  '  newest first; --limit defaults to 50',
];

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 100_000;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `wecas audit …`: prints matching audit events, one per line (or JSON lines with --json). Returns the exit code. */
export async function runAuditCommand(args: string[], ctx: AuditCommandContext): Promise<number> {
  return runCommand(USAGE, ctx, async () => {
    const { values, positionals } = parseOptions(args, {
      user: { type: 'string' },
      type: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const limit = values.limit === undefined ? DEFAULT_LIMIT : wholeNumber(values.limit, '--limit', 1);
    if (limit > MAX_LIMIT) throw new UsageError(`--limit must be at most ${MAX_LIMIT}`);
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
    return EXIT.ok;
  });
}

/** `7d`, `1h`, `30m`, `45s` before now, or an ISO 8601 time. */
export function parseSince(text: string, now: number): number {
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]!]!;
  const at = /^\d{4}-\d{2}-\d{2}/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) throw new UsageError(`--since must be an ISO time (2025-01-31T12:00:00Z) or an age like 30m, 1h, 7d; got "${text}"`);
  return at;
}

/** A username names its user; anything else is taken as a user id (a deleted account's events carry its pseudonym, deleted-…). */
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
