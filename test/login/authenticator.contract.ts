// What every sign-in method promises, whatever its credentials: one suite, run against each method in
// authenticators.test.ts. A new method passes it before it goes on the login page.
import { describe, expect, it } from 'vitest';
import { translator } from '../../src/http/pages/i18n.js';
import { refusalStatus, refusalText } from '../../src/http/refusals.js';
import type { AttemptContext, Authenticator, SignInStep } from '../../src/login/outcome.js';

/** One method set up for the suite: its authenticator, and ways to make its inputs. */
export interface AuthenticatorFixture<S extends SignInStep, Input> {
  authenticator: Authenticator<S, Input>;
  attempt: AttemptContext;
  /** Input that proves, once, that the person is this active user. */
  goodInput(): Promise<{ input: Input; userId: string }>;
  /** Input whose credential is wrong (a wrong password, a wrong code, a forged state). */
  wrongInput(): Promise<Input>;
  /** Input with a right credential for an account that is disabled. */
  disabledInput(): Promise<Input>;
  /** Whether a credential works only once (codes, WeChat states); a password does not. */
  singleUse: boolean;
  /** How many users and links exist: a refusal writes none. */
  records(): Promise<number>;
  close(): Promise<void>;
}

export function authenticatorContract<S extends SignInStep, Input>(name: string, setup: () => Promise<AuthenticatorFixture<S, Input>>): void {
  const en = translator('en');

  /** A refusal the person can read: a message in both languages and an HTTP status for its page. */
  function expectExplained(outcome: { kind: string }) {
    expect(outcome.kind).toBe('refused');
    const refusal = outcome as Parameters<typeof refusalText>[1];
    expect(refusalText(en, refusal).length).toBeGreaterThan(10);
    expect(refusalText(translator('zh-CN'), refusal)).not.toBe(refusalText(en, refusal));
    expect(refusalStatus(refusal)).toBeGreaterThanOrEqual(200);
  }

  describe(`the ${name} authenticator`, () => {
    async function withFixture(test: (f: AuthenticatorFixture<S, Input>) => Promise<void>) {
      const fixture = await setup();
      try {
        await test(fixture);
      } finally {
        await fixture.close();
      }
    }

    it('authenticates the right credentials as their user, named by the method it records', () =>
      withFixture(async (f) => {
        const { input, userId } = await f.goodInput();
        const outcome = await f.authenticator.authenticate(input, f.attempt);
        expect(outcome.kind).toBe('authenticated');
        if (outcome.kind !== 'authenticated') return;
        expect(outcome.user.id).toBe(userId);
        expect(outcome.user.status).toBe('active');
        expect(['password', 'sms', 'wechat', 'wecom']).toContain(outcome.method);
        // The account as its directory holds it: what the session keeps and applications are told.
        expect(outcome.account.disabled).toBe(false);
        expect(outcome.account.directory === 'local' ? outcome.account.id : outcome.user.directoryId).toBe(
          outcome.account.directory === 'local' ? userId : outcome.account.id,
        );
      }));

    it('refuses a wrong credential with a reason the pages explain, and writes nothing', () =>
      withFixture(async (f) => {
        const before = await f.records();
        const outcome = await f.authenticator.authenticate(await f.wrongInput(), f.attempt);
        expectExplained(outcome);
        expect(outcome).not.toHaveProperty('user');
        expect(await f.records()).toBe(before);
      }));

    it('refuses a disabled account even with the right credential, and says so', () =>
      withFixture(async (f) => {
        const outcome = await f.authenticator.authenticate(await f.disabledInput(), f.attempt);
        expectExplained(outcome);
        expect((outcome as { reason: string }).reason).toMatch(/disabled/);
      }));

    it('takes a single-use credential once: the same input again is refused', () =>
      withFixture(async (f) => {
        const { input } = await f.goodInput();
        expect((await f.authenticator.authenticate(input, f.attempt)).kind).toBe('authenticated');
        const again = await f.authenticator.authenticate(input, f.attempt);
        if (f.singleUse) expectExplained(again);
        else expect(again.kind).toBe('authenticated');
      }));
  });
}
