// The operations on the hot paths, each one step on every registry: a validation takes the ticket with its session
// (consumeWithSession), an SSO issuance stores the ticket with its grant (addServiceTicket), from the session it
// reads in the same step (addServiceTicketFromSession). With Redis, each is one round trip, counted here with
// MONITOR on a second connection.
import type { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newTicketId } from '../../src/tickets/ids.js';
import { MAX_GRANTS_PER_SESSION, type TicketRegistry } from '../../src/tickets/registry.js';
import type { ProxyTicket, ServiceTicket, SsoGrant, TicketGrantingTicket } from '../../src/tickets/types.js';
import { type OpenedStorage, storageBackends } from '../contract/storage-backends.js';
import { Browser, type CasTestApp, createCasTestApp, S, ticketFrom } from '../support/cas-app.js';
import type { ManualClock } from '../support/clock.js';
import { REDIS_URL, redisAvailable, requireServer, withRedisPrefix } from '../support/redis.js';

const HOUR = 3_600_000;

for (const backend of await storageBackends()) {
  describe.skipIf(!backend.available)(`one-step ticket operations: ${backend.name}`, () => {
    let opened: OpenedStorage;
    let registry: TicketRegistry;
    let clock: ManualClock;
    beforeEach(async () => {
      opened = await backend.open();
      registry = opened.storage.tickets;
      clock = opened.clock;
    });
    afterEach(async () => opened.cleanup());

    const tgt = (): TicketGrantingTicket => ({
      kind: 'TGT',
      id: newTicketId('TGT'),
      userId: 'u-alice',
      principal: 'alice',
      attributes: { mail: ['alice@example.org'] },
      method: 'password',
      authTime: clock.now(),
      createdAt: clock.now(),
      lastUsedAt: clock.now(),
      expiresAt: clock.now() + 8 * HOUR,
    });
    const st = (session: TicketGrantingTicket, service = 'https://app.example.org/'): ServiceTicket => ({
      kind: 'ST',
      id: newTicketId('ST'),
      tgtId: session.id,
      service,
      serviceId: 1,
      fromNewLogin: true,
      createdAt: clock.now(),
      expiresAt: clock.now() + 10_000,
    });
    const grantOf = (ticket: ServiceTicket): SsoGrant => ({
      tgtId: ticket.tgtId,
      ticketId: ticket.id,
      service: ticket.service,
      serviceId: ticket.serviceId,
      createdAt: ticket.createdAt,
    });

    it('addServiceTicket stores the ticket and its grant; consumeWithSession hands it out once, with its session', async () => {
      const session = tgt();
      await registry.add(session);
      const ticket = st(session);
      await registry.addServiceTicket(ticket, grantOf(ticket));
      expect(await registry.get(ticket.id, 'ST')).toEqual(ticket);
      expect(await registry.grants(session.id)).toEqual([grantOf(ticket)]);
      expect(await registry.consumeWithSession(ticket.id)).toEqual({ ticket, tgt: session });
      expect(await registry.consumeWithSession(ticket.id)).toBeUndefined();
      expect(await registry.get(session.id, 'TGT')).toEqual(session); // the session stays
    });

    it('addServiceTicket keeps one grant per service, the latest ticket', async () => {
      const session = tgt();
      await registry.add(session);
      const first = st(session);
      await registry.addServiceTicket(first, grantOf(first));
      clock.advance(1000);
      const other = st(session, 'https://other.example.org/');
      await registry.addServiceTicket(other, grantOf(other));
      clock.advance(1000);
      const again = st(session);
      await registry.addServiceTicket(again, grantOf(again));
      expect(await registry.grants(session.id)).toEqual([grantOf(other), grantOf(again)]);
    });

    it('records no grant for a session that ended, and the ticket ends with its session', async () => {
      const session = tgt();
      await registry.add(session);
      const before = st(session);
      await registry.addServiceTicket(before, grantOf(before));
      await registry.removeSession(session.id);
      expect(await registry.consumeWithSession(before.id)).toBeUndefined();
      const late = st(session);
      await registry.addServiceTicket(late, grantOf(late));
      expect(await registry.grants(session.id)).toEqual([]);
      // Taken once, and without a session to show for it: validation refuses it. (The SQL registry gives nothing at
      // all: it keeps no record of which tickets a session had, and one whose session's row is gone is no ticket.)
      expect((await registry.consumeWithSession(late.id))?.tgt).toBeUndefined();
      expect(await registry.consumeWithSession(late.id)).toBeUndefined();
    });

    it('gives no session once it expired', async () => {
      const session = { ...tgt(), expiresAt: clock.now() + 60_000 };
      await registry.add(session);
      const ticket = { ...st(session), expiresAt: clock.now() + 120_000 };
      await registry.addServiceTicket(ticket, grantOf(ticket));
      clock.advance(61_000);
      expect(await registry.consumeWithSession(ticket.id)).toEqual({ ticket, tgt: undefined });
    });

    it('addServiceTicketFromSession reads the live session and stores the ticket with its grant', async () => {
      const session = tgt();
      await registry.add(session);
      const ticket = st(session);
      expect(await registry.addServiceTicketFromSession(ticket, grantOf(ticket))).toEqual(session);
      expect(await registry.get(ticket.id, 'ST')).toEqual(ticket);
      expect(await registry.grants(session.id)).toEqual([grantOf(ticket)]);
      clock.advance(1000);
      const again = st(session);
      expect(await registry.addServiceTicketFromSession(again, grantOf(again))).toEqual(session);
      expect(await registry.grants(session.id)).toEqual([grantOf(again)]);
      expect(await registry.consumeWithSession(again.id)).toEqual({ ticket: again, tgt: session });
    });

    it('addServiceTicketFromSession stores nothing without a live session: none, ended, or expired by the clock', async () => {
      const never = st(tgt());
      expect(await registry.addServiceTicketFromSession(never, grantOf(never))).toBeUndefined();
      expect(await registry.get(never.id, 'ST')).toBeUndefined();
      const ended = tgt();
      await registry.add(ended);
      await registry.removeSession(ended.id);
      const late = st(ended);
      expect(await registry.addServiceTicketFromSession(late, grantOf(late))).toBeUndefined();
      expect(await registry.get(late.id, 'ST')).toBeUndefined();
      const expiring = { ...tgt(), expiresAt: clock.now() + 60_000 };
      await registry.add(expiring);
      clock.advance(60_000);
      const after = st(expiring);
      expect(await registry.addServiceTicketFromSession(after, grantOf(after))).toBeUndefined();
      expect(await registry.get(after.id, 'ST')).toBeUndefined();
      expect(await registry.grants(expiring.id)).toEqual([]);
    });

    it('addServiceTicketFromSession gives the ticket no longer a life than its session', async () => {
      const session = { ...tgt(), expiresAt: clock.now() + 4_000 };
      await registry.add(session);
      const ticket = st(session); // 10 s
      expect(await registry.addServiceTicketFromSession(ticket, grantOf(ticket))).toEqual(session);
      expect(await registry.get(ticket.id, 'ST')).toEqual({ ...ticket, expiresAt: session.expiresAt });
      clock.advance(4_000);
      expect(await registry.get(ticket.id, 'ST')).toBeUndefined();
    });

    it('addServiceTicketFromSession keeps one grant per service when 20 issuances race on every node', async () => {
      const session = tgt();
      await registry.add(session);
      const others = backend.overlappingTransactions === false ? [] : opened.others;
      const nodes = [registry, ...others.map((o) => o.tickets)];
      const tickets = Array.from({ length: 20 }, () => st(session));
      const issued = await Promise.all(tickets.map((ticket, i) => nodes[i % nodes.length]!.addServiceTicketFromSession(ticket, grantOf(ticket))));
      expect(issued).toEqual(tickets.map(() => session));
      const grants = await registry.grants(session.id);
      expect(grants).toHaveLength(1);
      expect(tickets.map((t) => t.id)).toContain(grants[0]!.ticketId);
    });

    it('hands out proxy tickets, and never a TGT or PGT', async () => {
      const session = tgt();
      await registry.add(session);
      const pgt = {
        kind: 'PGT' as const,
        id: newTicketId('PGT'),
        tgtId: session.id,
        service: S,
        proxies: [],
        createdAt: clock.now(),
        expiresAt: session.expiresAt,
      };
      await registry.add(pgt);
      const pt: ProxyTicket = {
        kind: 'PT',
        id: newTicketId('PT'),
        tgtId: session.id,
        pgtId: pgt.id,
        service: 'https://backend.example.org/',
        serviceId: 2,
        proxies: ['https://app.example.org/pgt'],
        createdAt: clock.now(),
        expiresAt: clock.now() + 10_000,
      };
      await registry.add(pt);
      expect(await registry.consumeWithSession(session.id)).toBeUndefined();
      expect(await registry.consumeWithSession(pgt.id)).toBeUndefined();
      expect(await registry.get(pgt.id, 'PGT')).toEqual(pgt);
      expect(await registry.consumeWithSession(pt.id)).toEqual({ ticket: pt, tgt: session });
    });

    it(`addServiceTicket remembers at most ${MAX_GRANTS_PER_SESSION} services, forgetting the one granted longest ago`, async () => {
      const session = tgt();
      await registry.add(session);
      const granted: ServiceTicket[] = [];
      for (let i = 0; i <= MAX_GRANTS_PER_SESSION; i++) {
        clock.advance(1);
        const ticket = st(session, `https://app${i}.example.org/`);
        await registry.addServiceTicket(ticket, grantOf(ticket));
        granted.push(ticket);
      }
      expect(await registry.grants(session.id)).toEqual(granted.slice(1).map(grantOf));
    });

    it('keeps one grant per service when 20 issuances for it race on every node', async () => {
      const session = tgt();
      await registry.add(session);
      const others = backend.overlappingTransactions === false ? [] : opened.others;
      const nodes = [registry, ...others.map((o) => o.tickets)];
      const tickets = Array.from({ length: 20 }, () => st(session));
      await Promise.all(tickets.map((ticket, i) => nodes[i % nodes.length]!.addServiceTicket(ticket, grantOf(ticket))));
      const grants = await registry.grants(session.id);
      expect(grants).toHaveLength(1);
      expect(tickets.map((t) => t.id)).toContain(grants[0]!.ticketId);
      for (const ticket of tickets) expect(await registry.get(ticket.id, 'ST')).toEqual(ticket);
    });

    it('gives a service ticket to exactly one of 100 concurrent validations, on every node', async () => {
      const session = tgt();
      await registry.add(session);
      const ticket = st(session);
      await registry.addServiceTicket(ticket, grantOf(ticket));
      const nodes = [registry, ...opened.others.map((o) => o.tickets)];
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => nodes[i % nodes.length]!.consumeWithSession(ticket.id)));
      expect(results.filter((r) => r !== undefined)).toEqual([{ ticket, tgt: session }]);
    });
  });
}

/**
 * The commands one client sends, as a MONITOR on another connection sees them (scripts' own calls left out), each
 * as its name and first key with the prefix cut (`get t:TGT`, `evalsha t:ST`: ids left out).
 */
async function commandsOf(client: Redis, monitorFrom: Redis, prefix: string, run: () => Promise<unknown>): Promise<string[]> {
  const port = (client as unknown as { stream: { localPort: number } }).stream.localPort;
  const monitor = await monitorFrom.monitor();
  const seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!source.endsWith(`:${port}`)) return;
    const name = String(args[0]).toLowerCase();
    const key = (name === 'evalsha' || name === 'eval' ? args[3] : args[1]) ?? '';
    seen.push(`${name} ${key.replace(prefix, '').split(/[:-]/).slice(0, 2).join(':')}`.trim());
  });
  try {
    await run();
    // MONITOR lines arrive after the replies: a PING from the same client marks the end of what to count.
    await client.ping();
    await expect.poll(() => seen.at(-1), { interval: 5, timeout: 2000 }).toBe('ping');
    return seen.slice(0, -1);
  } finally {
    monitor.disconnect();
  }
}

describe.skipIf(!requireServer('Redis', await redisAvailable()))('Redis round trips', () => {
  let t: CasTestApp | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await t?.close();
    await cleanup?.();
    t = undefined;
  });

  it('one command per SSO ticket issuance and one per validation, through the real app', async () => {
    const r = await withRedisPrefix();
    cleanup = r.cleanup;
    t = await createCasTestApp({ REDIS_URL, REDIS_PREFIX: r.prefix });
    const client = t.ctx.redis!;
    const browser = new Browser(t.app);
    // A first sign-in and validation load the scripts (EVALSHA, then EVAL on NOSCRIPT) and the session.
    await t.app.inject({
      url: `/cas/serviceValidate?service=${encodeURIComponent(S)}&ticket=${ticketFrom((await browser.signIn(S)).headers.location)}`,
    });
    await browser.get(`/cas/login?service=${encodeURIComponent(S)}`);

    let location: string | undefined;
    // The login page's request limit, then one script that reads the cookie's session and stores the ticket and its grant.
    const issuance = await commandsOf(client, r.redis, r.prefix, async () => {
      location = (await browser.get(`/cas/login?service=${encodeURIComponent(S)}`)).headers.location;
    });
    expect(issuance).toEqual([expect.stringMatching(/^evalsha ratelimit:/), 'evalsha t:TGT']);
    const ticket = ticketFrom(location);
    let body = '';
    const validation = await commandsOf(client, r.redis, r.prefix, async () => {
      body = (await t!.app.inject({ url: `/cas/serviceValidate?service=${encodeURIComponent(S)}&ticket=${ticket}` })).body;
    });
    expect(body).toContain('<cas:user>alice</cas:user>');
    expect(validation).toEqual(['evalsha t:ST']);
    // And still single use.
    const replay = await t.app.inject({ url: `/cas/serviceValidate?service=${encodeURIComponent(S)}&ticket=${ticket}` });
    expect(replay.body).toContain('INVALID_TICKET');
  });
});
