import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { SmsProviderSettings } from '../config.js';
import { ConsoleSmsSender } from './console-sender.js';
import { type SmsMessage, type SmsNotice, SmsSendError, type SmsSender } from './sender.js';

/**
 * The sender the configuration names. A provider's SDK is loaded only when that provider is chosen, and then at its
 * first message: the Aliyun SDK alone adds ~9 MB to a node's resident memory (docs/benchmarks.md, "Idle memory of a
 * production node"), which a node that sends no SMS does without. That the SDK is installed is checked here, at start.
 */
export async function createSmsSender(provider: SmsProviderSettings, logger: Pick<Logger, 'info'>, clock?: Clock): Promise<SmsSender> {
  switch (provider.kind) {
    case 'console':
      return new ConsoleSmsSender({ logger, ...(clock ? { clock } : {}) });
    case 'aliyun': {
      const { kind, ...options } = provider;
      return new SenderLoadedOnUse(kind, '@alicloud/dysmsapi20170525', async () => {
        const { AliyunSmsSender } = await import('./aliyun-sender.js');
        return new AliyunSmsSender(options);
      });
    }
    case 'tencent': {
      const { kind, ...options } = provider;
      return new SenderLoadedOnUse(kind, 'tencentcloud-sdk-nodejs-sms', async () => {
        const { TencentSmsSender } = await import('./tencent-sender.js');
        return new TencentSmsSender(options);
      });
    }
  }
}

/**
 * A provider's sender, built (its SDK imported) at the first message. A failed load is an `unavailable` send, as a
 * provider out of reach is, and is tried again at the next message.
 */
export class SenderLoadedOnUse implements SmsSender {
  private loading: Promise<SmsSender> | undefined;

  constructor(
    readonly provider: string,
    sdk: string,
    private readonly load: () => Promise<SmsSender>,
  ) {
    // Throws now, at start, should the SDK be missing from the install: not at someone's first SMS.
    createRequire(import.meta.url).resolve(sdk);
  }

  /** The provider's own sender, loading it if need be. */
  sender(): Promise<SmsSender> {
    this.loading ??= this.load().catch(() => {
      this.loading = undefined;
      // A failure of the kind every sender reports; the SDK's own error is not passed on, lest it hold a key.
      throw new SmsSendError({ kind: 'unavailable', provider: this.provider, detail: 'its SDK could not be loaded' });
    });
    return this.loading;
  }

  async send(message: SmsMessage): Promise<void> {
    await (await this.sender()).send(message);
  }

  async notify(notice: SmsNotice): Promise<void> {
    await (await this.sender()).notify?.(notice);
  }
}
