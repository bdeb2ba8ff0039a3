import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditEvent, AuditLog } from '../../src/audit/audit-log.js';
import { MemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { SqlKeyValueStore } from '../../src/kv/sql-store.js';
import type { KeyValueStore } from '../../src/kv/store.js';
import type { SmsSender } from '../../src/sms/sender.js';
import { SmsSendError } from '../../src/sms/sender.js';
import { createVerificationCodes, type VerificationCodes, type VerificationCodesOptions } from '../../src/sms/verification-codes.js';
import { openDatabase } from '../../src/store/db.js';
import { migrateToLatest } from '../../src/store/migrations.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ManualClock } from '../support/clock.js';
import { startAliyun } from './fakes/index.js';

const PHONE = '+8613812345678';
const SECRET = 'test-secret-test-secret-test-secret-0123';

const stores: Array<{ name: string; open(clock: ManualClock): Promise<{ kv: KeyValueStore; close(): Promise<void> }> }> = [
  { name: 'memory store', open: async (clock) => ({ kv: new MemoryKeyValueStore(clock), close: async () => {} }) },
  {
    name: 'SQL store on SQLite',
    async open(clock) {
      const { db } = openDatabase('sqlite::memory:');
      await migrateToLatest(db);
      return { kv: new SqlKeyValueStore(db, clock), close: () => db.destroy() };
    },
  },
];

describe.each(stores)('verification codes on the $name', (store) => {
  let clock: ManualClock;
  let kv: KeyValueStore;
  let close: () => Promise<void>;
  let sender: CapturingSmsSender;
  let audit: AuditEvent[];
  let codes: VerificationCodes;

  const build = (overrides: Partial<VerificationCodesOptions> = {}) =>
    createVerificationCodes({ kv, sender, clock, secret: SECRET, audit: recordInto(audit), ...overrides });
  const send = (phone = PHONE, ip = '203.0.113.7', purpose: 'bind' | 'login' = 'bind') => codes.send({ phone, ip, purpose });
  const lastCode = (phone = PHONE) => sender.lastCodeFor(phone) ?? 'none';

  beforeEach(async () => {
    clock = new ManualClock();
    ({ kv, close } = await store.open(clock));
    sender = new CapturingSmsSender();
    audit = [];
    codes = build();
  });
  afterEach(() => close());

  describe('send', () => {
    it('sends a 6-digit code to the normalised number and audits it masked, without the code', async () => {
      expect(await send('138 1234 5678')).toEqual({ ok: true, phone: PHONE });
      expect(sender.sent).toEqual([{ phone: PHONE, code: expect.stringMatching(/^\d{6}$/), purpose: 'bind' }]);
      expect(audit).toEqual([
        { type: 'sms.sent', client: { ip: '203.0.113.7', userAgent: null }, phone: '+86138****5678', purpose: 'bind', provider: 'capturing' },
      ]);
      expect(JSON.stringify(audit)).not.toContain(lastCode());
    });

    it('stores only a keyed hash of the code', async () => {
      await send();
      const stored = await kv.get<Record<string, unknown>>(`sms:code:bind:${PHONE}`);
      expect(stored).toMatchObject({ hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(JSON.stringify(stored)).not.toContain(lastCode());
      // Another deployment's secret cannot check it: the hash is an HMAC, not a salted digest anyone can recompute.
      const elsewhere = build({ secret: 'another-secret-another-secret-another-1' });
      expect(await elsewhere.verify({ phone: PHONE, purpose: 'bind', code: lastCode() })).toMatchObject({ ok: false, reason: 'wrong_code' });
    });

    it('refuses a number that cannot receive SMS, sending nothing', async () => {
      expect(await send('12345')).toEqual({ ok: false, reason: 'invalid_phone' });
      expect(await send('010 1234 5678')).toEqual({ ok: false, reason: 'invalid_phone' });
      expect(sender.sent).toEqual([]);
    });

    it('sends one code per number per 60 s, whatever the purpose, and the new code replaces the old', async () => {
      await send();
      const first = lastCode();
      clock.advance(20_000);
      expect(await send(PHONE, '198.51.100.1', 'login')).toEqual({ ok: false, reason: 'too_soon', retryAfterSeconds: 40 });
      clock.advance(40_000);
      expect(await send()).toEqual({ ok: true, phone: PHONE });
      expect(sender.sent).toHaveLength(2);
      const second = lastCode();
      if (first !== second) expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: first })).toMatchObject({ reason: 'wrong_code' });
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: second })).toEqual({ ok: true, phone: PHONE });
    });

    it('sends at most 10 codes a day to one number from one address', async () => {
      for (let i = 0; i < 10; i++) {
        expect(await send()).toMatchObject({ ok: true });
        clock.advance(60_000);
      }
      expect(await send()).toEqual({ ok: false, reason: 'phone_daily_cap', retryAfterSeconds: 24 * 3600 - 600 });
      expect(await send()).toMatchObject({ reason: 'phone_daily_cap' }); // not too_soon: the refusal took no lock
      clock.advance((24 * 3600 - 600) * 1000);
      expect(await send()).toEqual({ ok: true, phone: PHONE });
      expect(sender.sent).toHaveLength(11);
    });

    it("a stranger's ten codes to a number leave its owner's own ten (the daily cap counts per address)", async () => {
      const stranger = '198.51.100.66';
      for (let i = 0; i < 10; i++) {
        expect(await send(PHONE, stranger)).toMatchObject({ ok: true });
        clock.advance(60_000);
      }
      expect(await send(PHONE, stranger)).toMatchObject({ ok: false, reason: 'phone_daily_cap' });
      expect(await send(PHONE, '203.0.113.7')).toEqual({ ok: true, phone: PHONE });
    });

    it('stops every address at the number’s daily ceiling (50 by default)', async () => {
      for (let i = 0; i < 50; i++) {
        expect(await send(PHONE, `198.51.100.${Math.floor(i / 10)}`)).toMatchObject({ ok: true });
        clock.advance(60_000);
      }
      expect(await send(PHONE, '203.0.113.250')).toEqual({ ok: false, reason: 'phone_ceiling', retryAfterSeconds: 24 * 3600 - 50 * 60 });
      expect(await send(mobile(1), '203.0.113.250')).toMatchObject({ ok: true }); // other numbers are not affected
    });

    it('sends at most 30 codes an hour from one IP, an IPv6 /64 counting as one', async () => {
      for (let i = 0; i < 30; i++) expect(await send(mobile(i), `2001:db8:1:2::${i.toString(16)}`)).toMatchObject({ ok: true });
      expect(await send(mobile(30), '2001:db8:1:2:ffff::1')).toEqual({ ok: false, reason: 'ip_hourly_cap', retryAfterSeconds: 3600 });
      expect(await send(mobile(30), '2001:db8:1:3::1')).toMatchObject({ ok: true });
      // The refused number holds no lock: once the hour is over it gets its code at once.
      clock.advance(3600_000);
      expect(await send(mobile(31), '2001:db8:1:2::1')).toMatchObject({ ok: true });
    });

    it('after a failed send leaves no code and no lock, and does not count the failure against the day', async () => {
      const failure = new SmsSendError({ kind: 'rate_limited_minute', provider: 'capturing', providerCode: 'isv.BUSINESS_LIMIT_CONTROL' });
      sender.failNext(failure);
      expect(await send()).toEqual({ ok: false, reason: 'provider_error', kind: 'rate_limited_minute' });
      expect(await kv.get(`sms:code:bind:${PHONE}`)).toBeUndefined();
      expect(await kv.get(`sms:resend:${PHONE}`)).toBeUndefined();
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: '000000' })).toEqual({ ok: false, reason: 'no_code' });
      expect(audit).toEqual([
        {
          type: 'sms.failed',
          client: { ip: '203.0.113.7', userAgent: null },
          phone: '+86138****5678',
          purpose: 'bind',
          provider: 'capturing',
          kind: 'rate_limited_minute',
          providerCode: 'isv.BUSINESS_LIMIT_CONTROL',
        },
      ]);

      for (let i = 0; i < 10; i++) {
        expect(await send()).toMatchObject({ ok: true }); // the first right away: no lock was left; all 10: the failure did not count
        clock.advance(60_000);
      }
      expect(await send()).toMatchObject({ reason: 'phone_daily_cap' });
    });

    it('releases the lock and rethrows when the sender fails in an unexpected way', async () => {
      const broken: SmsSender = { provider: 'broken', send: async () => Promise.reject(new TypeError('bug')) };
      codes = build({ sender: broken });
      await expect(send()).rejects.toThrow('bug');
      expect(await kv.get(`sms:resend:${PHONE}`)).toBeUndefined();
    });

    it('honours configured limits', async () => {
      codes = build({ limits: { resendSeconds: 10, maxPerPhonePerDay: 2 } });
      await send();
      clock.advance(10_000);
      await send();
      clock.advance(10_000);
      expect(await send()).toMatchObject({ reason: 'phone_daily_cap' });
    });
  });

  describe('verify', () => {
    it('accepts the right code once, for its purpose only', async () => {
      await send();
      const code = lastCode();
      expect(await codes.verify({ phone: PHONE, purpose: 'login', code })).toEqual({ ok: false, reason: 'no_code' });
      expect(await codes.verify({ phone: '13812345678', purpose: 'bind', code: ` ${code} ` })).toEqual({ ok: true, phone: PHONE });
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code })).toEqual({ ok: false, reason: 'no_code' });
    });

    it('says no_code when none was sent or the number is not one', async () => {
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: '123456' })).toEqual({ ok: false, reason: 'no_code' });
      expect(await codes.verify({ phone: 'abc', purpose: 'bind', code: '123456' })).toEqual({ ok: false, reason: 'no_code' });
    });

    it('expires the code after 5 minutes', async () => {
      await send();
      const code = lastCode();
      clock.advance(299_000);
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: code === '000000' ? '111111' : '000000' })).toMatchObject({
        reason: 'wrong_code',
      });
      clock.advance(1_000);
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code })).toEqual({ ok: false, reason: 'expired' });
    });

    it('counts wrong tries and kills the code at the fifth', async () => {
      await send();
      const wrong = lastCode() === '000000' ? '111111' : '000000';
      for (const attemptsLeft of [4, 3, 2, 1])
        expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: wrong })).toEqual({ ok: false, reason: 'wrong_code', attemptsLeft });
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: wrong })).toEqual({ ok: false, reason: 'too_many_attempts' });
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: lastCode() })).toEqual({ ok: false, reason: 'too_many_attempts' });
      // A new code starts a new count.
      clock.advance(60_000);
      await send();
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: lastCode() })).toEqual({ ok: true, phone: PHONE });
    });

    it('accepts the right code on the last allowed try', async () => {
      await send();
      const wrong = lastCode() === '000000' ? '111111' : '000000';
      for (let i = 0; i < 4; i++) await codes.verify({ phone: PHONE, purpose: 'bind', code: wrong });
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: lastCode() })).toEqual({ ok: true, phone: PHONE });
    });

    it('lets exactly one of many parallel right answers through', async () => {
      await send();
      const results = await Promise.all(Array.from({ length: 5 }, () => codes.verify({ phone: PHONE, purpose: 'bind', code: lastCode() })));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'no_code')).toHaveLength(4);
    });

    it('counts parallel guesses before checking them: a right code sent after 5 wrong ones is refused', async () => {
      await send();
      const right = lastCode();
      const guesses = Array.from({ length: 60 }, (_, i) => String((Number(right) + 1 + i) % 1_000_000).padStart(6, '0'));
      // All 61 are in flight together; the right one is issued last, so it counts as try 61.
      const results = await Promise.all([...guesses, right].map((code) => codes.verify({ phone: PHONE, purpose: 'bind', code })));
      expect(results.filter((r) => !r.ok && r.reason === 'wrong_code')).toHaveLength(4);
      expect(results.filter((r) => !r.ok && r.reason === 'too_many_attempts')).toHaveLength(57);
      expect(results.at(-1)).toEqual({ ok: false, reason: 'too_many_attempts' });
    });
  });

  describe('against the Aliyun fake, in parallel', () => {
    let provider: Awaited<ReturnType<typeof startAliyun>>;
    beforeEach(async () => {
      provider = await startAliyun();
    });
    afterEach(() => provider.fake.close());

    it('200 requests for one number send exactly one code', async () => {
      codes = build({ sender: provider.sender() });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(PHONE, `198.51.100.${i % 250}`)));
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      expect(results.filter((r) => !r.ok && r.reason === 'too_soon')).toHaveLength(199);
      expect(provider.fake.delivered).toHaveLength(1);
      const [delivery] = provider.fake.delivered;
      expect(await codes.verify({ phone: PHONE, purpose: 'bind', code: delivery!.code })).toEqual({ ok: true, phone: PHONE });
    });

    it('200 requests from one IP for different numbers send exactly 30 codes', async () => {
      // 30 sends at once to the fake: the short test deadline would time some out on a loaded machine, and
      // this test counts the cap, not the deadline (which has tests of its own).
      codes = build({ sender: provider.sender({ timeoutMs: 30_000 }) });
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => send(mobile(i), '203.0.113.99')));
      const tally: Record<string, number> = {};
      for (const r of results) {
        const key = r.ok ? 'sent' : r.reason;
        tally[key] = (tally[key] ?? 0) + 1;
      }
      expect(tally).toEqual({ sent: 30, ip_hourly_cap: 170 });
      expect(provider.fake.delivered).toHaveLength(30);
    });

    it('a provider refusal leaves no code and no lock', async () => {
      codes = build({ sender: provider.sender() });
      provider.fake.failNext('isv.BUSINESS_LIMIT_CONTROL', '触发小时级流控Permits:5');
      expect(await send()).toEqual({ ok: false, reason: 'provider_error', kind: 'rate_limited_hour' });
      expect(await kv.get(`sms:code:bind:${PHONE}`)).toBeUndefined();
      expect(await send()).toEqual({ ok: true, phone: PHONE });
      expect(provider.fake.delivered).toHaveLength(1);
    });
  });
});

/** Distinct valid mainland mobile numbers. */
function mobile(i: number): string {
  return `+86139${String(i).padStart(8, '0')}`;
}

function recordInto(events: AuditEvent[]): AuditLog {
  return {
    async record(event) {
      events.push(event);
    },
  };
}
