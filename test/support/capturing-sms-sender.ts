import type { SmsMessage, SmsNotice, SmsSendError, SmsSender } from '../../src/sms/sender.js';

/**
 * A sender for tests: records every message it accepted, and fails the sends it was told to fail.
 * Other test suites (pages, end-to-end flows) read the code back from `sent` instead of from a log.
 */
export class CapturingSmsSender implements SmsSender {
  readonly provider = 'capturing';
  readonly sent: SmsMessage[] = [];
  /** Every notice it accepted (sign-in from a new browser, password or phone changed). */
  readonly notices: SmsNotice[] = [];
  private readonly failures: SmsSendError[] = [];

  async send(message: SmsMessage): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.sent.push({ ...message });
  }

  async notify(notice: SmsNotice): Promise<void> {
    const failure = this.failures.shift();
    if (failure) throw failure;
    this.notices.push({ ...notice });
  }

  /** The next send (after any failures already queued) throws this error and records nothing. */
  failNext(error: SmsSendError): void {
    this.failures.push(error);
  }

  /** The code most recently sent to a number, if any. */
  lastCodeFor(phone: string): string | undefined {
    return this.sent.findLast((m) => m.phone === phone)?.code;
  }
}
