import { describe, expect, it } from 'vitest';
import { ConsoleSmsSender } from '../../src/sms/console-sender.js';
import { SmsSendError } from '../../src/sms/sender.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ManualClock } from '../support/clock.js';

describe('ConsoleSmsSender (development outbox)', () => {
  it('logs each code and keeps the newest messages for /__outbox', async () => {
    const logged: unknown[] = [];
    const clock = new ManualClock();
    const outbox = new ConsoleSmsSender({ logger: { info: (obj: unknown) => void logged.push(obj) }, clock, capacity: 2 });
    await outbox.send({ phone: '+8613800000001', code: '111111', purpose: 'bind' });
    clock.advance(1000);
    await outbox.send({ phone: '+8613800000002', code: '222222', purpose: 'login' });
    clock.advance(1000);
    await outbox.send({ phone: '+8613800000003', code: '333333', purpose: 'login' });
    expect(outbox.list()).toEqual([
      { phone: '+8613800000003', code: '333333', purpose: 'login', at: clock.now() },
      { phone: '+8613800000002', code: '222222', purpose: 'login', at: clock.now() - 1000 },
    ]);
    expect(logged).toEqual([
      { phone: '+8613800000001', purpose: 'bind', code: '111111' },
      { phone: '+8613800000002', purpose: 'login', code: '222222' },
      { phone: '+8613800000003', purpose: 'login', code: '333333' },
    ]);
  });
});

describe('CapturingSmsSender', () => {
  it('records what it sent and fails the sends it was told to fail', async () => {
    const sender = new CapturingSmsSender();
    const failure = new SmsSendError({ kind: 'unavailable', provider: 'capturing' });
    sender.failNext(failure);
    await expect(sender.send({ phone: '+8613800000001', code: '111111', purpose: 'bind' })).rejects.toBe(failure);
    await sender.send({ phone: '+8613800000001', code: '222222', purpose: 'bind' });
    expect(sender.sent).toEqual([{ phone: '+8613800000001', code: '222222', purpose: 'bind' }]);
    expect(sender.lastCodeFor('+8613800000001')).toBe('222222');
    expect(sender.lastCodeFor('+8613800000002')).toBeUndefined();
  });
});
