import type { Logger } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AuditLog } from '../../src/audit/audit-log.js';
import { MemoryKeyValueStore } from '../../src/kv/memory-store.js';
import { createDailyBudget } from '../../src/sms/daily-budget.js';
import { createRepeatSendGate } from '../../src/sms/repeat-sends.js';
import { createSendChallenges, type SendChallenges } from '../../src/sms/send-challenges.js';
import { SmsSendError } from '../../src/sms/sender.js';
import { createVerificationCodes, type VerificationCodesOptions } from '../../src/sms/verification-codes.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ManualClock } from '../support/clock.js';
import { solve, TEST_CHALLENGE_WORK } from '../support/proof-of-work.js';

const PHONE = '+8613812345678';
const SECRET = 'test-secret-test-secret-test-secret-0123';
const BROWSER = 'browserAbcdefghijklmnopqrstuv';
const IP = '203.0.113.7';
const noAudit: AuditLog = { record: async () => undefined };

let clock: ManualClock;
let kv: MemoryKeyValueStore;
let sender: CapturingSmsSender;
let challenges: SendChallenges;
let logged: Array<{ level: string; details: unknown; message: string }>;
/** A pino-shaped logger that keeps what it is told. */
const logger = {
  warn: (details: unknown, message?: string) => void logged.push({ level: 'warn', details, message: message ?? '' }),
  error: (details: unknown, message?: string) => void logged.push({ level: 'error', details, message: message ?? '' }),
} as unknown as Pick<Logger, 'warn' | 'error'>;

beforeEach(() => {
  clock = new ManualClock();
  kv = new MemoryKeyValueStore(clock);
  sender = new CapturingSmsSender();
  challenges = createSendChallenges({ kv, clock, secret: SECRET, work: TEST_CHALLENGE_WORK });
  logged = [];
});
afterEach(() => kv.close());

function build(overrides: Partial<VerificationCodesOptions> = {}) {
  return createVerificationCodes({
    kv,
    sender,
    audit: noAudit,
    clock,
    secret: SECRET,
    repeats: createRepeatSendGate({ kv, challenges, secret: SECRET, windowSeconds: 24 * 3600 }),
    logger,
    ...overrides,
  });
}

describe('a repeated send from a browser needs a proof of work', () => {
  it('the first code a browser asks for a number needs none; the next needs one, and a solved challenge buys one send', async () => {
    const codes = build();
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER })).toEqual({ ok: true, phone: PHONE });
    clock.advance(60_000);
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER })).toEqual({ ok: false, reason: 'proof_missing' });
    const proof = await solve(await challenges.create());
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER, proof })).toEqual({ ok: true, phone: PHONE });
    clock.advance(60_000);
    // Single use: the same solution again is refused, on any node (the store recorded it).
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER, proof })).toEqual({ ok: false, reason: 'proof_failed' });
    expect(sender.sent).toHaveLength(2);
  });

  it('another number from the same browser, or the same number from another browser, is a first send', async () => {
    const codes = build();
    await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER });
    expect(await codes.send({ phone: '+8613912345678', ip: IP, purpose: 'login', browser: BROWSER })).toMatchObject({ ok: true });
    clock.advance(60_000);
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: 'anotherBrowserAbcdefghijklmn' })).toMatchObject({ ok: true });
  });

  it('a client without a browser id (no cookie) proves work for every send', async () => {
    const codes = build();
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login' })).toEqual({ ok: false, reason: 'proof_missing' });
    const proof = await solve(await challenges.create());
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', proof })).toMatchObject({ ok: true });
  });

  it('a failed first send needs no proof to be tried again (nothing went out)', async () => {
    const codes = build();
    sender.failNext(new SmsSendError({ kind: 'unavailable', provider: 'capturing' }));
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER })).toMatchObject({ reason: 'provider_error' });
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER })).toMatchObject({ ok: true });
  });

  it('refuses a challenge older than 10 minutes, a tampered one and garbage', async () => {
    const codes = build();
    await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER });
    const old = await solve(await challenges.create());
    clock.advance(10 * 60_000 + 1000);
    expect(await challenges.redeem(old)).toBe('expired');

    // A solved challenge whose expiry was pushed back: the signature no longer matches.
    const solved = JSON.parse(Buffer.from(await solve(await challenges.create()), 'base64').toString());
    solved.challenge.parameters.data.expires += 3600;
    expect(await challenges.redeem(Buffer.from(JSON.stringify(solved)).toString('base64'))).toBe('invalid');
    expect(await challenges.redeem('bm90IGEgcGF5bG9hZA==')).toBe('invalid');
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER, proof: 'x' })).toEqual({ ok: false, reason: 'proof_failed' });
    expect(sender.sent).toHaveLength(1);
  });

  it('a challenge from another deployment (another secret) is refused', async () => {
    const elsewhere = createSendChallenges({ kv, clock, secret: 'another-secret-another-secret-another-1', work: TEST_CHALLENGE_WORK });
    expect(await challenges.redeem(await solve(await elsewhere.create()))).toBe('invalid');
    expect(await challenges.redeem(await solve(await challenges.create()))).toBe('valid');
  });
});

describe('the daily SMS budget', () => {
  const budgetOf = (size: number) => createDailyBudget({ kv, clock, size, logger });
  const sendTo = (codes: ReturnType<typeof build>, i: number) =>
    codes.send({ phone: `+86139${String(i).padStart(8, '0')}`, ip: `198.51.100.${i}`, purpose: 'login', browser: BROWSER });

  it('stops every send once spent, warns the operator at 80 % and says when it is spent, once each', async () => {
    const budget = budgetOf(5);
    const codes = build({ budget });
    for (let i = 0; i < 5; i++) expect(await sendTo(codes, i)).toMatchObject({ ok: true });
    expect(await sendTo(codes, 5)).toEqual({ ok: false, reason: 'budget_spent' });
    expect(await sendTo(codes, 6)).toEqual({ ok: false, reason: 'budget_spent' });
    expect(await budget.used()).toBe(5);
    expect(logged.map((l) => [l.level, l.message])).toEqual([
      ['warn', expect.stringContaining('SMS daily budget 80 % used')],
      ['error', expect.stringContaining('SMS daily budget spent')],
    ]);
  });

  it('counts codes sent, not failures, and starts again at midnight Beijing time', async () => {
    const budget = budgetOf(2);
    const codes = build({ budget });
    sender.failNext(new SmsSendError({ kind: 'unavailable', provider: 'capturing' }));
    expect(await sendTo(codes, 0)).toMatchObject({ reason: 'provider_error' });
    expect(await sendTo(codes, 1)).toMatchObject({ ok: true });
    expect(await sendTo(codes, 2)).toMatchObject({ ok: true });
    expect(await sendTo(codes, 3)).toEqual({ ok: false, reason: 'budget_spent' });
    // The manual clock starts at 17:30 Beijing time: 6 h 30 min later a new day has begun.
    clock.advance(6.5 * 3600_000);
    expect(await sendTo(codes, 4)).toMatchObject({ ok: true });
  });
});

describe('the countries codes go to', () => {
  it('refuses a real mobile number of another country, naming the accepted ones; sends nothing', async () => {
    const codes = build();
    expect(await codes.send({ phone: '+85291234567', ip: IP, purpose: 'login', browser: BROWSER })).toEqual({
      ok: false,
      reason: 'country_not_accepted',
      countries: ['CN'],
    });
    expect(sender.sent).toEqual([]);
  });

  it('accepts the configured countries, reading a number without + as the first', async () => {
    const codes = build({ countries: ['HK', 'CN'] });
    expect(await codes.send({ phone: '9123 4567', ip: IP, purpose: 'login', browser: BROWSER })).toEqual({ ok: true, phone: '+85291234567' });
    expect(await codes.send({ phone: '+8613812345678', ip: IP, purpose: 'login', browser: BROWSER })).toMatchObject({ ok: true });
    expect(await codes.send({ phone: '+447911123456', ip: IP, purpose: 'login', browser: BROWSER })).toMatchObject({
      reason: 'country_not_accepted',
    });
  });
});

describe('a provider quota used up', () => {
  it('is its own failure kind, and the operator hears of it at error level', async () => {
    const codes = build();
    sender.failNext(new SmsSendError({ kind: 'quota_exhausted', provider: 'aliyun', providerCode: 'isv.DAY_LIMIT_CONTROL', requestId: 'R1' }));
    expect(await codes.send({ phone: PHONE, ip: IP, purpose: 'login', browser: BROWSER })).toEqual({
      ok: false,
      reason: 'provider_error',
      kind: 'quota_exhausted',
    });
    expect(logged).toEqual([
      {
        level: 'error',
        details: { err: expect.objectContaining({ providerCode: 'isv.DAY_LIMIT_CONTROL', requestId: 'R1' }), kind: 'quota_exhausted' },
        message: expect.stringContaining('an operator must act'),
      },
    ]);
  });
});
