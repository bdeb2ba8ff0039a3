/**
 * The second-factor store on SQLite and PostgreSQL: an authenticator confirmed by its first code, each time step
 * accepted once (also by two callers at once), recovery codes once each, the key sealed at rest, and removal.
 */
import { describe, expect, it } from 'vitest';
import { MemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { createSecondFactorAttempts } from '../../src/mfa/attempts.js';
import { createSecondFactors } from '../../src/mfa/second-factors.js';
import { totpCode } from '../../src/mfa/totp.js';
import { type Db, openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { SqlUserStore } from '../../src/users/store.js';
import { ManualClock } from '../support/clock.js';
import { postgresAvailable, requireServer, withPostgresSchema } from '../support/postgres.js';

const client = { ip: '192.0.2.1', userAgent: null };

function describeStore(name: string, open: () => Promise<{ db: Db; close: () => Promise<void> }>) {
  describe(`second factors on ${name}`, () => {
    async function setup() {
      const { db, close } = await open();
      const clock = new ManualClock(Date.UTC(2026, 10, 30, 3, 0, 0));
      const kv = new MemoryKeyValueStore(clock);
      const audit = { record: async () => {} };
      const factors = createSecondFactors({
        db,
        kv,
        clock,
        audit,
        attempts: createSecondFactorAttempts({ kv, maxFailures: 5, windowSeconds: 900 }),
        secret: 'k'.repeat(64),
        issuer: 'sso.example.edu',
      });
      const user = await new SqlUserStore(db, clock).create({ username: 'zhang' });
      return { db, close, clock, factors, userId: user.id };
    }

    it('confirms, accepts each step once, uses recovery codes once, keeps the key sealed, and removes it all', async () => {
      const { db, close, clock, factors, userId } = await setup();
      try {
        const { secret, uri } = await factors.beginTotp(userId, 'zhang');
        expect(uri).toBe(`otpauth://totp/sso.example.edu:zhang?issuer=sso.example.edu&secret=${secret}&algorithm=SHA1&digits=6&period=30`);
        const confirmed = await factors.confirmTotp(userId, totpCode(secret, clock.now()), client);
        if (!confirmed.ok) throw new Error(confirmed.reason);
        const row = await db.selectFrom('second_factors').selectAll().executeTakeFirstOrThrow();
        expect(row.totp_secret).not.toContain(secret);
        // The confirming code's step is used: the same code does not sign in.
        expect(await factors.checkTotp(userId, totpCode(secret, clock.now()))).toEqual({ ok: false, reason: 'wrong_code' });
        clock.advance(30_000);
        const code = totpCode(secret, clock.now());
        const both = await Promise.all([factors.checkTotp(userId, code), factors.checkTotp(userId, code)]);
        expect(both.filter((r) => r.ok)).toHaveLength(1);
        // An earlier step, still within the window, is refused once a later one was used.
        expect(await factors.checkTotp(userId, totpCode(secret, clock.now() - 30_000))).toEqual({ ok: false, reason: 'wrong_code' });
        const [first] = confirmed.recoveryCodes;
        expect(await factors.checkRecoveryCode(userId, first!.replace('-', ' ').toUpperCase())).toEqual({ ok: true });
        expect(await factors.checkRecoveryCode(userId, first!)).toEqual({ ok: false, reason: 'wrong_code' });
        expect(await factors.status(userId)).toEqual({ totpSince: clock.now() - 30_000, recoveryCodesLeft: 9 });
        expect(await factors.disableTotp(userId, 'code', client)).toBe(true);
        expect(await factors.status(userId)).toEqual({ totpSince: null, recoveryCodesLeft: 0 });
        expect(await factors.checkTotp(userId, code)).toEqual({ ok: false, reason: 'not_enrolled' });
      } finally {
        await close();
      }
    });

    it('counts wrong codes before checking them: the sixth try is refused unchecked until the window ends', async () => {
      const { close, clock, factors, userId } = await setup();
      try {
        const { secret } = await factors.beginTotp(userId, 'zhang');
        await factors.confirmTotp(userId, totpCode(secret, clock.now()), client);
        clock.advance(30_000);
        for (let i = 0; i < 5; i++) expect((await factors.checkTotp(userId, '000000')).ok).toBe(false);
        expect(await factors.checkTotp(userId, totpCode(secret, clock.now()))).toMatchObject({ ok: false, reason: 'throttled' });
        clock.advance(901_000);
        expect(await factors.checkTotp(userId, totpCode(secret, clock.now()))).toEqual({ ok: true });
      } finally {
        await close();
      }
    });
  });
}

describeStore('SQLite (memory)', async () => {
  const { db } = openDatabase('sqlite::memory:');
  await migrateToLatest(db);
  return { db, close: () => db.destroy() };
});

if (requireServer('PostgreSQL', await postgresAvailable())) {
  describeStore('PostgreSQL', async () => {
    const schema = await withPostgresSchema();
    return { db: schema.db, close: schema.cleanup };
  });
}
