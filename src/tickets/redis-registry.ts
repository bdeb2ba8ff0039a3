import type { ChainableCommander, Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import { escapeGlob } from '../store/redis.js';
import { type ConsumedTicket, MAX_GRANTS_PER_SESSION, type TicketRegistry } from './registry.js';
import type { ServiceTicket, SsoGrant, Ticket, TicketGrantingTicket, TicketKind, TicketOfKind } from './types.js';

/**
 * Lua that records a grant: appended only while its TGT exists, the list living exactly as long as the TGT. The
 * list keeps one grant per service (an earlier one of the same service is removed) and at most `max` grants (the
 * oldest, at the head, go). A script runs atomically, so a grant cannot be added after a concurrent removeSession
 * took the TGT, nor two grants of one service interleave. When the newest grant is already the service's (a
 * person back at the application they last signed in to), it is replaced where it stands: the list already lives
 * as long as the TGT (update stretches it), and no other entry can be the service's. PTTL is -2 for a missing key
 * (-1, no expiry, never happens: every ticket key gets one). Arguments are Lua expressions (KEYS[i], ARGV[i]) of the
 * script it ends; `result` is what that script returns (by default 1 when the grant was recorded, 0 when the TGT is
 * gone).
 */
function recordGrantLua(a: {
  tgtKey: string;
  grantsKey: string;
  grant: string;
  service: string;
  max: string;
  result?: string;
  /** A local already holding the TGT's PTTL, when the script read it. */
  tgtTtl?: string;
}): string {
  const recorded = a.result ?? '1';
  const notRecorded = a.result ?? '0';
  return `
local ttl = ${a.tgtTtl ?? `redis.call('PTTL', ${a.tgtKey})`}
if ttl <= 0 then return ${notRecorded} end
local newest = redis.call('LINDEX', ${a.grantsKey}, -1)
if newest and cjson.decode(newest).service == ${a.service} then
  redis.call('LSET', ${a.grantsKey}, -1, ${a.grant})
  return ${recorded}
end
for _, held in ipairs(redis.call('LRANGE', ${a.grantsKey}, 0, -1)) do
  if cjson.decode(held).service == ${a.service} then redis.call('LREM', ${a.grantsKey}, 0, held) end
end
redis.call('RPUSH', ${a.grantsKey}, ${a.grant})
redis.call('LTRIM', ${a.grantsKey}, -tonumber(${a.max}), -1)
redis.call('PEXPIRE', ${a.grantsKey}, ttl)
return ${recorded}`;
}

/** KEYS: TGT key, grants key; ARGV: grant JSON, service, MAX_GRANTS_PER_SESSION. */
const ADD_GRANT = recordGrantLua({ tgtKey: 'KEYS[1]', grantsKey: 'KEYS[2]', grant: 'ARGV[1]', service: 'ARGV[2]', max: 'ARGV[3]' });

/**
 * consumeWithSession in one round trip: GETDEL of the ST key, else the PT key (atomic: of concurrent callers on
 * any node exactly one receives the ticket), the ticket's entry in its TGT's children set removed, and the TGT
 * read. KEYS: the ST and PT keys; ARGV[1]: the key prefix. The children and TGT keys are derived from the ticket
 * inside the script (a single Redis, not a cluster: every other multi-key step here assumes one too).
 * Returns nil, or {ticket JSON, TGT JSON or nil}.
 */
const CONSUME_WITH_SESSION = `
local kind = 'ST'
local json = redis.call('GETDEL', KEYS[1])
if not json then
  kind = 'PT'
  json = redis.call('GETDEL', KEYS[2])
end
if not json then return nil end
local ticket = cjson.decode(json)
redis.call('SREM', ARGV[1] .. 'children:' .. ticket.tgtId, kind .. ':' .. ticket.id)
return {json, redis.call('GET', ARGV[1] .. 't:TGT:' .. ticket.tgtId)}`;

/**
 * addServiceTicket in one round trip: the ST stored with its TTL and listed among its TGT's children (as add
 * does), then its grant recorded as recordGrantLua records one. KEYS: ST key, children key, TGT key, grants key; ARGV:
 * ST JSON, ST TTL (ms), children member, grant JSON, service, MAX_GRANTS_PER_SESSION.
 */
const ADD_SERVICE_TICKET = `
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[2], 'NX')
redis.call('PEXPIRE', KEYS[2], ARGV[2], 'GT')
${recordGrantLua({ tgtKey: 'KEYS[3]', grantsKey: 'KEYS[4]', grant: 'ARGV[4]', service: 'ARGV[5]', max: 'ARGV[6]' })}`;

/**
 * addServiceTicketFromSession in one round trip: the TGT read and, while it is live by our clock (its expiresAt
 * against ARGV[7], as reads compare it), the ST stored as ADD_SERVICE_TICKET stores it, neither its expiresAt nor its
 * TTL past the TGT's. KEYS: TGT key, ST key, children key, grants key; ARGV: the ST's JSON without its expiresAt
 * (appended here), the ST's expiresAt, children member, grant JSON, service, MAX_GRANTS_PER_SESSION, now (ms).
 * Returns the TGT JSON, or nil with nothing stored.
 */
const ADD_SERVICE_TICKET_FROM_SESSION = `
local tgt = redis.call('GET', KEYS[1])
if not tgt then return nil end
local now = tonumber(ARGV[7])
local expiresAt = math.min(tonumber(ARGV[2]), cjson.decode(tgt).expiresAt)
if expiresAt <= now then return nil end
local tgtTtl = redis.call('PTTL', KEYS[1])
local stTtl = math.min(expiresAt - now, tgtTtl)
if stTtl <= 0 then return nil end
redis.call('SET', KEYS[2], string.sub(ARGV[1], 1, -2) .. ',"expiresAt":' .. string.format('%d', expiresAt) .. '}', 'PX', stTtl)
redis.call('SADD', KEYS[3], ARGV[3])
redis.call('PEXPIRE', KEYS[3], stTtl, 'NX')
redis.call('PEXPIRE', KEYS[3], stTtl, 'GT')
${recordGrantLua({ tgtKey: 'KEYS[1]', grantsKey: 'KEYS[4]', grant: 'ARGV[4]', service: 'ARGV[5]', max: 'ARGV[6]', result: 'tgt', tgtTtl: 'tgtTtl' })}`;

/** The scripts, defined once per client (ioredis runs them by EVALSHA, loading them on a NOSCRIPT reply). */
interface TicketScripts {
  wecasConsumeWithSession(st: string, pt: string, prefix: string): Promise<[string, string | null] | null>;
  wecasAddServiceTicket(...args: Array<string | number>): Promise<number>;
  wecasAddServiceTicketFromSession(...args: Array<string | number>): Promise<string | null>;
}

function withScripts(redis: Redis): Redis & TicketScripts {
  const scripted = redis as Redis & Partial<TicketScripts>;
  if (!scripted.wecasConsumeWithSession) redis.defineCommand('wecasConsumeWithSession', { numberOfKeys: 2, lua: CONSUME_WITH_SESSION });
  if (!scripted.wecasAddServiceTicket) redis.defineCommand('wecasAddServiceTicket', { numberOfKeys: 4, lua: ADD_SERVICE_TICKET });
  if (!scripted.wecasAddServiceTicketFromSession) {
    redis.defineCommand('wecasAddServiceTicketFromSession', { numberOfKeys: 4, lua: ADD_SERVICE_TICKET_FROM_SESSION });
  }
  return redis as Redis & TicketScripts;
}

/** SCAN batch size for count(). */
const SCAN_COUNT = 1000;

type EndedSession = { tgt: TicketGrantingTicket; grants: SsoGrant[] };

/**
 * Tickets in Redis, shared by every node. Keys (under the prefix, default `wecas:`):
 * - `t:<kind>:<id>`: the ticket as JSON. The kind in the key makes get/consume/removeSession of the wrong kind
 *   miss instead of touching the ticket.
 * - `children:<tgtId>`: set of `<kind>:<id>` of tickets descending from a TGT (for the cascade).
 * - `grants:<tgtId>`: list of SsoGrant JSON (for single logout), one per service, oldest first.
 * - `sessions:<userId>`: set of the user's TGT ids.
 * Every key has a TTL: a ticket's is `expiresAt - clock.now()`, a set lives as long as its longest-lived member,
 * grants as long as their TGT. Redis deletes them itself, so `sweep` has nothing to do; reads still compare
 * `expiresAt` with the injected clock, so a ticket is never returned after its expiry by our clock either.
 * The client is shared: closing the registry does not close it.
 */
export class RedisTicketRegistry implements TicketRegistry {
  private readonly scripts: TicketScripts;

  constructor(
    private readonly redis: Redis,
    private readonly clock: Clock,
    private readonly prefix = 'wecas:',
  ) {
    this.scripts = withScripts(redis);
  }

  private ticketKey(kind: TicketKind, id: string): string {
    return `${this.prefix}t:${kind}:${id}`;
  }
  private childrenKey(tgtId: string): string {
    return `${this.prefix}children:${tgtId}`;
  }
  private grantsKey(tgtId: string): string {
    return `${this.prefix}grants:${tgtId}`;
  }
  private sessionsKey(userId: string): string {
    return `${this.prefix}sessions:${userId}`;
  }
  /** Milliseconds the ticket has left by our clock (at least 1: Redis refuses a zero TTL). */
  private ttlOf(ticket: Ticket): number {
    return Math.max(1, ticket.expiresAt - this.clock.now());
  }
  private isLive(ticket: Ticket): boolean {
    return ticket.expiresAt > this.clock.now();
  }

  async add(ticket: Ticket): Promise<void> {
    const ttl = this.ttlOf(ticket);
    const tx = this.redis.multi().set(this.ticketKey(ticket.kind, ticket.id), JSON.stringify(ticket), 'PX', ttl);
    if (ticket.kind === 'TGT') addMember(tx, this.sessionsKey(ticket.userId), ticket.id, ttl);
    else addMember(tx, this.childrenKey(ticket.tgtId), `${ticket.kind}:${ticket.id}`, ttl);
    await execOrThrow(tx);
  }

  async get<K extends TicketKind>(id: string, kind: K): Promise<TicketOfKind<K> | undefined> {
    const json = await this.redis.get(this.ticketKey(kind, id));
    const ticket = json === null ? undefined : (JSON.parse(json) as TicketOfKind<K>);
    return ticket && this.isLive(ticket) ? ticket : undefined;
  }

  async update(ticket: Ticket): Promise<void> {
    const ttl = this.ttlOf(ticket);
    // XX: replace only a ticket that still exists. The sets and the grants list are stretched to cover it.
    const tx = this.redis.multi().set(this.ticketKey(ticket.kind, ticket.id), JSON.stringify(ticket), 'PX', ttl, 'XX');
    if (ticket.kind === 'TGT') tx.pexpire(this.sessionsKey(ticket.userId), ttl, 'GT').pexpire(this.grantsKey(ticket.id), ttl);
    else tx.pexpire(this.childrenKey(ticket.tgtId), ttl, 'GT');
    await execOrThrow(tx);
  }

  async consume(id: string): Promise<Ticket | undefined> {
    // GETDEL is atomic, so of concurrent callers on any node exactly one receives the ticket. Only ST and PT
    // keys are tried: a TGT or PGT with this id is left alone.
    const [st, pt] = await execOrThrow(this.redis.multi().getdel(this.ticketKey('ST', id)).getdel(this.ticketKey('PT', id)));
    const json = (st ?? pt) as string | null;
    if (json === null) return undefined;
    const ticket = JSON.parse(json) as Ticket & { kind: 'ST' | 'PT' };
    await this.redis.srem(this.childrenKey(ticket.tgtId), `${ticket.kind}:${ticket.id}`);
    return ticket;
  }

  async consumeWithSession(id: string): Promise<ConsumedTicket | undefined> {
    const found = await this.scripts.wecasConsumeWithSession(this.ticketKey('ST', id), this.ticketKey('PT', id), this.prefix);
    if (!found) return undefined;
    const [json, tgtJson] = found;
    const tgt = tgtJson ? (JSON.parse(tgtJson) as TicketGrantingTicket) : undefined;
    return { ticket: JSON.parse(json) as ConsumedTicket['ticket'], tgt: tgt && this.isLive(tgt) ? tgt : undefined };
  }

  async addServiceTicket(ticket: ServiceTicket, grant: SsoGrant): Promise<void> {
    await this.scripts.wecasAddServiceTicket(
      this.ticketKey('ST', ticket.id),
      this.childrenKey(ticket.tgtId),
      this.ticketKey('TGT', grant.tgtId),
      this.grantsKey(grant.tgtId),
      JSON.stringify(ticket),
      this.ttlOf(ticket),
      `ST:${ticket.id}`,
      JSON.stringify(grant),
      grant.service,
      MAX_GRANTS_PER_SESSION,
    );
  }

  async addServiceTicketFromSession(ticket: ServiceTicket, grant: SsoGrant): Promise<TicketGrantingTicket | undefined> {
    const tgtJson = await this.scripts.wecasAddServiceTicketFromSession(
      this.ticketKey('TGT', ticket.tgtId),
      this.ticketKey('ST', ticket.id),
      this.childrenKey(ticket.tgtId),
      this.grantsKey(grant.tgtId),
      JSON.stringify({ ...ticket, expiresAt: undefined }),
      ticket.expiresAt,
      `ST:${ticket.id}`,
      JSON.stringify(grant),
      grant.service,
      MAX_GRANTS_PER_SESSION,
      this.clock.now(),
    );
    return tgtJson === null ? undefined : (JSON.parse(tgtJson) as TicketGrantingTicket);
  }

  async addGrant(grant: SsoGrant): Promise<void> {
    const keys = [this.ticketKey('TGT', grant.tgtId), this.grantsKey(grant.tgtId)];
    await this.redis.eval(ADD_GRANT, 2, ...keys, JSON.stringify(grant), grant.service, MAX_GRANTS_PER_SESSION);
  }

  async grants(tgtId: string): Promise<SsoGrant[]> {
    const list = await this.redis.lrange(this.grantsKey(tgtId), 0, -1);
    return list.map((g) => JSON.parse(g) as SsoGrant);
  }

  async removeSession(tgtId: string): Promise<EndedSession | undefined> {
    // GETDEL of the TGT decides who ends the session: of concurrent removers (on any node) one gets it and
    // deletes the rest; the others get null and return undefined. addGrant cannot add to a session once its TGT is gone.
    const json = await this.redis.getdel(this.ticketKey('TGT', tgtId));
    if (json === null) return undefined;
    const tgt = JSON.parse(json) as TicketGrantingTicket;
    const [children, grants] = (await execOrThrow(
      this.redis
        .multi()
        .smembers(this.childrenKey(tgtId))
        .lrange(this.grantsKey(tgtId), 0, -1)
        .del(this.childrenKey(tgtId), this.grantsKey(tgtId))
        .srem(this.sessionsKey(tgt.userId), tgtId),
    )) as [string[], string[], ...unknown[]];
    if (children.length > 0) await this.redis.del(...children.map((member) => `${this.prefix}t:${member}`));
    return { tgt, grants: grants.map((g) => JSON.parse(g) as SsoGrant) };
  }

  async sessionsOf(userId: string): Promise<TicketGrantingTicket[]> {
    const key = this.sessionsKey(userId);
    const ids = await this.redis.smembers(key);
    if (ids.length === 0) return [];
    const values = await this.redis.mget(...ids.map((id) => this.ticketKey('TGT', id)));
    const gone = ids.filter((_, i) => values[i] === null);
    if (gone.length > 0) await this.redis.srem(key, ...gone); // their TGT keys expired: drop the ids lazily
    return values
      .filter((v): v is string => v !== null)
      .map((v) => JSON.parse(v) as TicketGrantingTicket)
      .filter((t) => this.isLive(t))
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  /**
   * Counts the keys of one kind with SCAN: O(all keys in the Redis database) and one round trip per
   * SCAN_COUNT keys, without blocking Redis (unlike KEYS). Fine for a gauge read every few seconds; keep a
   * counter instead if the keyspace grows to millions. Expiry here is Redis's own clock.
   */
  /** A SCAN of the per-user session sets (run every few minutes, not per request); sets whose TGTs all expired are skipped. */
  async usersWithSessions(): Promise<string[]> {
    const start = `${this.prefix}sessions:`;
    const keys = new Set<string>(); // SCAN may return a key more than once
    let cursor = '0';
    do {
      const [next, found] = await this.redis.scan(cursor, 'MATCH', `${escapeGlob(start)}*`, 'COUNT', SCAN_COUNT);
      for (const k of found) keys.add(k);
      cursor = next;
    } while (cursor !== '0');
    const users: string[] = [];
    for (const key of keys) {
      const userId = key.slice(start.length);
      if ((await this.sessionsOf(userId)).length > 0) users.push(userId);
    }
    return users;
  }

  async count(kind: TicketKind): Promise<number> {
    const pattern = `${escapeGlob(this.prefix)}t:${kind}:*`;
    const seen = new Set<string>(); // SCAN may return a key more than once
    let cursor = '0';
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', SCAN_COUNT);
      for (const k of keys) seen.add(k);
      cursor = next;
    } while (cursor !== '0');
    return seen.size;
  }

  /**
   * Redis expires keys itself, so there is nothing to sweep. An expired TGT is therefore not reported for single
   * logout: that would need keyspace notifications, which Redis does not enable by default.
   */
  async sweep(): Promise<EndedSession[]> {
    return [];
  }

  async close(): Promise<void> {}
}

/** Adds a member to a set whose TTL stretches to cover its longest-lived member (NX: first TTL; GT: only longer). */
function addMember(tx: ChainableCommander, key: string, member: string, ttl: number): void {
  tx.sadd(key, member).pexpire(key, ttl, 'NX').pexpire(key, ttl, 'GT');
}

/** MULTI/EXEC reports a failed command in its result list instead of rejecting; turn that into an error. */
async function execOrThrow(tx: ChainableCommander): Promise<unknown[]> {
  const results = await tx.exec();
  if (!results) throw new Error('Redis transaction was aborted');
  return results.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}
