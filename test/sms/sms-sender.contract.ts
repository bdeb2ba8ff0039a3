import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SmsFailureKind, SmsSendError, type SmsSender } from '../../src/sms/sender.js';
import type { FakeDelivery } from './fakes/fake-provider.js';

export interface SmsSenderUnderTest {
  sender: SmsSender;
  /** What reached the provider (or the outbox), oldest first. */
  delivered(): FakeDelivery[];
  /** Strings no error message may contain: keys and secrets. */
  secrets: string[];
  cleanup(): Promise<void>;
}

/** One provider failure and the kind the sender must report for it. */
export interface FailureCase<T extends SmsSenderUnderTest> {
  name: string;
  kind: SmsFailureKind;
  /** The provider's code the error must carry (omitted where it is a network condition). */
  providerCode?: string;
  /** Makes the next send fail. Returns another sender when the failure lies in the sender's own settings. */
  // biome-ignore lint/suspicious/noConfusingVoidType: most arrange steps return nothing; a few swap in another sender
  arrange(t: T): SmsSender | void | Promise<SmsSender | void>;
}

const CN_MOBILE = '+8613812345678';
const HK_MOBILE = '+85291234567';

/** One suite every SmsSender must pass; `failures` lists the provider's documented failures (none for the outbox). */
export function describeSmsSenderContract<T extends SmsSenderUnderTest>(name: string, factory: () => Promise<T>, failures: FailureCase<T>[]): void {
  describe(`SmsSender contract: ${name}`, () => {
    let t: T;
    beforeEach(async () => {
      t = await factory();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('delivers the code to the number, once per send', async () => {
      await t.sender.send({ phone: CN_MOBILE, code: '012345', purpose: 'bind' });
      await t.sender.send({ phone: CN_MOBILE, code: '999999', purpose: 'login' });
      expect(t.delivered()).toEqual([
        { phone: CN_MOBILE, code: '012345' },
        { phone: CN_MOBILE, code: '999999' },
      ]);
    });

    it('delivers to numbers outside mainland China', async () => {
      await t.sender.send({ phone: HK_MOBILE, code: '654321', purpose: 'login' });
      expect(t.delivered()).toEqual([{ phone: HK_MOBILE, code: '654321' }]);
    });

    it('names its provider', () => {
      expect(t.sender.provider).toMatch(/^[a-z]+$/);
    });

    if (failures.length === 0) return;

    it.each(failures.map((f) => [f.name, f] as const))('reports %s as a typed SmsSendError', async (_, failure) => {
      const sender = (await failure.arrange(t)) ?? t.sender;
      const error = await sender.send({ phone: CN_MOBILE, code: '271828', purpose: 'bind' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(SmsSendError);
      const e = error as SmsSendError;
      expect({ kind: e.kind, provider: e.provider }).toEqual({ kind: failure.kind, provider: t.sender.provider });
      if (failure.providerCode) expect(e.providerCode).toBe(failure.providerCode);
      else expect(e.providerCode).toBeTruthy();
      for (const secret of [...t.secrets, '271828', '13812345678']) expect(e.message).not.toContain(secret);
      expect(t.delivered()).toEqual([]);

      // The failure was one send's: the next one goes through.
      await t.sender.send({ phone: CN_MOBILE, code: '314159', purpose: 'bind' });
      expect(t.delivered()).toEqual([{ phone: CN_MOBILE, code: '314159' }]);
    });
  });
}
