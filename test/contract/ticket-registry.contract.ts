import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { newTicketId } from '../../src/tickets/ids.js';
import { MAX_GRANTS_PER_SESSION, type TicketRegistry } from '../../src/tickets/registry.js';
import type { ProxyGrantingTicket, ProxyTicket, ServiceTicket, SsoGrant, TicketGrantingTicket } from '../../src/tickets/types.js';
import type { ManualClock } from '../support/clock.js';

export interface TicketRegistryUnderTest {
  registry: TicketRegistry;
  clock: ManualClock;
  /**
   * The same storage through other connections, as other wecas nodes see it. The race cases on single-statement
   * operations (consume) spread their callers over all of them.
   */
  others?: TicketRegistry[];
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** Skip the whole suite (a server that is unreachable locally; see requireServer). */
  skip?: boolean;
  /**
   * The backend deletes expired entries itself, on its own clock (Redis): sweep reports nothing, and the cases
   * about the backend's own cleanup wait out a short real TTL besides moving the test clock.
   */
  expiresOnItsOwnClock?: boolean;
}

const SECOND = 1000;
const HOUR = 3600 * SECOND;

/** Apereo's BaseTicketRegistryTests idea: one suite every TicketRegistry implementation must pass. */
export function describeTicketRegistryContract(name: string, factory: () => Promise<TicketRegistryUnderTest>, options: ContractOptions = {}): void {
  const ownClock = options.expiresOnItsOwnClock ?? false;
  describe.skipIf(options.skip ?? false)(`TicketRegistry contract: ${name}`, () => {
    let t: TicketRegistryUnderTest;
    let registry: TicketRegistry;
    let clock: ManualClock;
    beforeEach(async () => {
      t = await factory();
      ({ registry, clock } = t);
    });
    afterEach(async () => {
      await t.cleanup();
    });

    /** Moves the test clock; where the backend expires on its own clock, also waits that long for real. */
    async function letTimePass(ms: number): Promise<void> {
      clock.advance(ms);
      if (ownClock) await new Promise((r) => setTimeout(r, ms + 100));
    }

    const tgt = (over: Partial<TicketGrantingTicket> = {}): TicketGrantingTicket => ({
      kind: 'TGT',
      id: newTicketId('TGT'),
      userId: 'u-alice',
      principal: 'alice',
      method: 'wechat',
      authTime: clock.now(),
      createdAt: clock.now(),
      lastUsedAt: clock.now(),
      expiresAt: clock.now() + 2 * HOUR,
      clientIp: '203.0.113.7',
      ...over,
    });
    const st = (parent: TicketGrantingTicket, over: Partial<ServiceTicket> = {}): ServiceTicket => ({
      kind: 'ST',
      id: newTicketId('ST'),
      tgtId: parent.id,
      service: 'https://app.example.org/cas',
      serviceId: 1,
      fromNewLogin: true,
      createdAt: clock.now(),
      expiresAt: clock.now() + 10 * SECOND,
      ...over,
    });
    const pgt = (parent: TicketGrantingTicket): ProxyGrantingTicket => ({
      kind: 'PGT',
      id: newTicketId('PGT'),
      tgtId: parent.id,
      service: 'https://app.example.org/cas',
      proxies: ['https://app.example.org/pgtCallback'],
      createdAt: clock.now(),
      expiresAt: parent.expiresAt,
    });
    const pt = (granting: ProxyGrantingTicket): ProxyTicket => ({
      kind: 'PT',
      id: newTicketId('PT'),
      tgtId: granting.tgtId,
      pgtId: granting.id,
      service: 'https://backend.example.org/api',
      serviceId: 2,
      proxies: granting.proxies,
      createdAt: clock.now(),
      expiresAt: clock.now() + 10 * SECOND,
    });
    const grant = (ticket: ServiceTicket, createdAt = clock.now()): SsoGrant => ({
      tgtId: ticket.tgtId,
      ticketId: ticket.id,
      service: ticket.service,
      serviceId: ticket.serviceId,
      createdAt,
    });
    /** Every registry over the storage, for spreading concurrent callers. */
    const nodes = () => [registry, ...(t.others ?? [])];

    /** A session with one ticket of every kind and one grant. */
    async function session(over: Partial<TicketGrantingTicket> = {}) {
      const g = tgt(over);
      const s = st(g);
      const p = pgt(g);
      const x = pt(p);
      for (const ticket of [g, s, p, x]) await registry.add(ticket);
      const granted = grant(s);
      await registry.addGrant(granted);
      return { tgt: g, st: s, pgt: p, pt: x, grant: granted };
    }

    it('returns every kind of ticket it was given', async () => {
      const { tgt: g, st: s, pgt: p, pt: x } = await session();
      expect(await registry.get(g.id, 'TGT')).toEqual(g);
      expect(await registry.get(s.id, 'ST')).toEqual(s);
      expect(await registry.get(p.id, 'PGT')).toEqual(p);
      expect(await registry.get(x.id, 'PT')).toEqual(x);
      expect(await registry.get(newTicketId('ST'), 'ST')).toBeUndefined();
    });

    it('returns nothing when asked for the wrong kind', async () => {
      const { tgt: g, st: s, pgt: p, pt: x } = await session();
      expect(await registry.get(g.id, 'ST')).toBeUndefined();
      expect(await registry.get(s.id, 'PT')).toBeUndefined();
      expect(await registry.get(p.id, 'TGT')).toBeUndefined();
      expect(await registry.get(x.id, 'ST')).toBeUndefined();
      expect(await registry.get(s.id, 'ST')).toEqual(s); // the wrong-kind lookups left it alone
    });

    it('hides a ticket once its expiry is reached', async () => {
      const g = tgt({ expiresAt: clock.now() + HOUR });
      const s = st(g);
      await registry.add(g);
      await registry.add(s);
      clock.advance(10 * SECOND - 1);
      expect(await registry.get(s.id, 'ST')).toEqual(s);
      clock.advance(1);
      expect(await registry.get(s.id, 'ST')).toBeUndefined();
      expect(await registry.get(g.id, 'TGT')).toEqual(g);
      clock.advance(HOUR);
      expect(await registry.get(g.id, 'TGT')).toBeUndefined();
    });

    it('replaces a ticket on update, extending its life, and ignores an update of a missing one', async () => {
      const g = tgt({ expiresAt: clock.now() + HOUR });
      await registry.add(g);
      clock.advance(HOUR - SECOND);
      const touched = { ...g, lastUsedAt: clock.now(), expiresAt: clock.now() + HOUR };
      await registry.update(touched);
      clock.advance(30 * 60 * SECOND); // past the old expiry
      expect(await registry.get(g.id, 'TGT')).toEqual(touched);

      const never = tgt();
      await registry.update(never);
      expect(await registry.get(never.id, 'TGT')).toBeUndefined();
    });

    it('hands out a service or proxy ticket once', async () => {
      const { st: s, pt: x } = await session();
      expect(await registry.consume(s.id)).toEqual(s);
      expect(await registry.consume(s.id)).toBeUndefined();
      expect(await registry.get(s.id, 'ST')).toBeUndefined();
      expect(await registry.consume(x.id)).toEqual(x);
      expect(await registry.consume(x.id)).toBeUndefined();
      expect(await registry.consume(newTicketId('ST'))).toBeUndefined();
    });

    it('hands out an expired service ticket too, so the validator can say it expired', async () => {
      const { st: s } = await session();
      clock.advance(11 * SECOND);
      expect(await registry.consume(s.id)).toEqual(s);
    });

    it('gives a service ticket to exactly one of 100 concurrent consumers, on every node', async () => {
      const g = tgt();
      await registry.add(g);
      const tickets = Array.from({ length: 5 }, () => st(g));
      for (const s of tickets) await registry.add(s);
      const all = nodes();
      const results = await Promise.all(tickets.map((s) => Promise.all(Array.from({ length: 100 }, (_, i) => all[i % all.length]!.consume(s.id)))));
      for (const [i, perTicket] of results.entries()) {
        const winners = perTicket.filter((r) => r !== undefined);
        expect(winners).toEqual([tickets[i]]);
      }
    });

    it('refuses to consume a TGT or PGT and leaves them in place', async () => {
      const { tgt: g, pgt: p } = await session();
      expect(await registry.consume(g.id)).toBeUndefined();
      expect(await registry.consume(p.id)).toBeUndefined();
      expect(await registry.get(g.id, 'TGT')).toEqual(g);
      expect(await registry.get(p.id, 'PGT')).toEqual(p);
    });

    it('records grants in order, only for a session that exists', async () => {
      const g = tgt();
      await registry.add(g);
      const first = st(g);
      const second = st(g, { service: 'https://other.example.org/', serviceId: 7 });
      await registry.addGrant(grant(first));
      clock.advance(SECOND);
      await registry.addGrant(grant(second));
      expect(await registry.grants(g.id)).toEqual([grant(first, clock.now() - SECOND), grant(second)]);

      const missing = st(tgt());
      await registry.addGrant(grant(missing));
      expect(await registry.grants(missing.tgtId)).toEqual([]);
    });

    it('keeps one grant per service, the latest ticket, which becomes the newest grant', async () => {
      const g = tgt();
      await registry.add(g);
      const early = grant(st(g));
      clock.advance(SECOND);
      const other = grant(st(g, { service: 'https://other.example.org/', serviceId: 7 }));
      clock.advance(SECOND);
      const again = grant(st(g));
      for (const granted of [early, other, again]) await registry.addGrant(granted);
      expect(await registry.grants(g.id)).toEqual([other, again]);
      expect((await registry.removeSession(g.id))?.grants).toEqual([other, again]);
    });

    it(`remembers at most ${MAX_GRANTS_PER_SESSION} services per session, forgetting the one granted longest ago`, async () => {
      const g = tgt();
      await registry.add(g);
      const granted: SsoGrant[] = [];
      for (let i = 0; i < MAX_GRANTS_PER_SESSION; i++) {
        clock.advance(SECOND);
        granted.push(grant(st(g, { service: `https://app${i}.example.org/`, serviceId: i })));
        await registry.addGrant(granted.at(-1)!);
      }
      // The first service is granted again: it is then the newest, so one more service makes the second one go.
      clock.advance(SECOND);
      const first = grant(st(g, { service: granted[0]!.service, serviceId: 0 }));
      await registry.addGrant(first);
      clock.advance(SECOND);
      const newest = grant(st(g, { service: 'https://one-more.example.org/', serviceId: 999 }));
      await registry.addGrant(newest);
      const kept = await registry.grants(g.id);
      expect(kept).toHaveLength(MAX_GRANTS_PER_SESSION);
      expect(kept.map((k) => k.service)).not.toContain(granted[1]!.service);
      expect(kept.slice(-2)).toEqual([first, newest]);
    });

    it('removes a session with every ticket descending from it and returns its grants', async () => {
      const mine = await session();
      const extra = st(mine.tgt);
      await registry.add(extra);
      const theirs = await session({ userId: 'u-bob', principal: 'bob' });

      const removed = await registry.removeSession(mine.tgt.id);
      expect(removed).toEqual({ tgt: mine.tgt, grants: [mine.grant] });
      expect(await registry.get(mine.tgt.id, 'TGT')).toBeUndefined();
      expect(await registry.consume(mine.st.id)).toBeUndefined();
      expect(await registry.consume(extra.id)).toBeUndefined();
      expect(await registry.get(mine.pgt.id, 'PGT')).toBeUndefined();
      expect(await registry.consume(mine.pt.id)).toBeUndefined();
      expect(await registry.grants(mine.tgt.id)).toEqual([]);
      expect(await registry.sessionsOf('u-alice')).toEqual([]);
      expect(await registry.removeSession(mine.tgt.id)).toBeUndefined();

      expect(await registry.get(theirs.tgt.id, 'TGT')).toEqual(theirs.tgt);
      expect(await registry.get(theirs.st.id, 'ST')).toEqual(theirs.st);
      expect(await registry.grants(theirs.tgt.id)).toEqual([theirs.grant]);
    });

    it('ends a session once when it is removed by 10 callers at the same time', async () => {
      const { tgt: g, grant: granted } = await session();
      const results = await Promise.all(Array.from({ length: 10 }, () => registry.removeSession(g.id)));
      expect(results.filter((r) => r !== undefined)).toEqual([{ tgt: g, grants: [granted] }]);
    });

    it('does not remove a session by the id of a ticket that is not a TGT', async () => {
      const { st: s, pgt: p } = await session();
      expect(await registry.removeSession(s.id)).toBeUndefined();
      expect(await registry.removeSession(p.id)).toBeUndefined();
      expect(await registry.get(s.id, 'ST')).toEqual(s);
      expect(await registry.get(p.id, 'PGT')).toEqual(p);
    });

    it('lists live sessions of a user, newest first', async () => {
      const old = tgt({ expiresAt: clock.now() + HOUR });
      await registry.add(old);
      clock.advance(SECOND);
      const newer = tgt();
      await registry.add(newer);
      clock.advance(SECOND);
      const newest = tgt();
      await registry.add(newest);
      await registry.add(tgt({ userId: 'u-bob' }));
      expect(await registry.sessionsOf('u-alice')).toEqual([newest, newer, old]);

      clock.advance(HOUR);
      expect(await registry.sessionsOf('u-alice')).toEqual([newest, newer]);
      await registry.removeSession(newest.id);
      expect(await registry.sessionsOf('u-alice')).toEqual([newer]);
      expect(await registry.sessionsOf('u-nobody')).toEqual([]);
    });

    it('lists each user with a live session once', async () => {
      expect(await registry.usersWithSessions()).toEqual([]);
      await registry.add(tgt({ userId: 'u-alice', expiresAt: clock.now() + HOUR }));
      await registry.add(tgt({ userId: 'u-alice', expiresAt: clock.now() + 2 * HOUR }));
      const bobs = tgt({ userId: 'u-bob', expiresAt: clock.now() + 2 * HOUR });
      await registry.add(bobs);
      await registry.add(tgt({ userId: 'u-carol', expiresAt: clock.now() + 200 }));
      expect((await registry.usersWithSessions()).sort()).toEqual(['u-alice', 'u-bob', 'u-carol']);

      await letTimePass(200);
      expect((await registry.usersWithSessions()).sort()).toEqual(['u-alice', 'u-bob']);
      await registry.removeSession(bobs.id);
      expect(await registry.usersWithSessions()).toEqual(['u-alice']);
    });

    it('counts live tickets by kind', async () => {
      const a = await session();
      await session({ userId: 'u-bob' });
      await registry.add(st(a.tgt, { expiresAt: clock.now() + 200 }));
      expect(await registry.count('TGT')).toBe(2);
      expect(await registry.count('ST')).toBe(3);
      expect(await registry.count('PGT')).toBe(2);
      expect(await registry.count('PT')).toBe(2);

      await letTimePass(200);
      expect(await registry.count('ST')).toBe(2);
      await registry.consume(a.st.id);
      expect(await registry.count('ST')).toBe(1);
      await registry.removeSession(a.tgt.id);
      expect(await registry.count('TGT')).toBe(1);
      expect(await registry.count('PGT')).toBe(1);
      expect(await registry.count('PT')).toBe(1);
    });

    it.skipIf(ownClock)('sweeps expired tickets and reports expired sessions with their grants', async () => {
      const live = await session();
      const ending = await session({ userId: 'u-bob', expiresAt: clock.now() + 20 * SECOND });
      const stale = st(live.tgt);
      await registry.add(stale);
      clock.advance(20 * SECOND);

      expect(await registry.sweep()).toEqual([{ tgt: ending.tgt, grants: [ending.grant] }]);
      // consume hands out expired tickets that are still stored: undefined proves they are gone
      expect(await registry.consume(stale.id)).toBeUndefined();
      expect(await registry.consume(ending.pt.id)).toBeUndefined();
      expect(await registry.removeSession(ending.tgt.id)).toBeUndefined();
      expect(await registry.get(live.tgt.id, 'TGT')).toEqual(live.tgt);
      expect(await registry.get(live.pgt.id, 'PGT')).toEqual(live.pgt);
      expect(await registry.sweep()).toEqual([]);
    });

    it.skipIf(ownClock)('sweeps more expired tickets than fit in one batch', async () => {
      const ending = Array.from({ length: 600 }, (_, i) => tgt({ userId: `u-${i}`, expiresAt: clock.now() + SECOND }));
      await Promise.all(ending.map((g) => registry.add(g)));
      const live = tgt();
      await registry.add(live);
      const stale = Array.from({ length: 1100 }, () => st(live));
      await Promise.all(stale.map((s) => registry.add(s)));
      clock.advance(HOUR);

      const ended = await registry.sweep();
      expect(ended.map((e) => e.tgt.id).sort()).toEqual(ending.map((g) => g.id).sort());
      const left = await Promise.all(stale.map((s) => registry.consume(s.id)));
      expect(left.filter((s) => s !== undefined)).toEqual([]);
      expect(await registry.get(live.id, 'TGT')).toEqual(live);
    });

    it.runIf(ownClock)('expires tickets by itself and reports nothing from sweep', async () => {
      const g = tgt({ expiresAt: clock.now() + 300 });
      const s = st(g, { expiresAt: clock.now() + 300 });
      await registry.add(g);
      await registry.add(s);
      await letTimePass(300);
      expect(await registry.sweep()).toEqual([]);
      expect(await registry.consume(s.id)).toBeUndefined(); // consume would hand out a stored expired ticket
      expect(await registry.removeSession(g.id)).toBeUndefined();
    });
  });
}
