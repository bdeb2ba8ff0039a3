import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { SmsProviderSettings } from '../config.js';
import { ConsoleSmsSender } from './console-sender.js';
import type { SmsSender } from './sender.js';

/**
 * The sender the configuration names. A provider's SDK is loaded only when that provider is chosen: the Aliyun
 * SDK alone adds ~20 MB to every process's resident memory.
 */
export async function createSmsSender(provider: SmsProviderSettings, logger: Pick<Logger, 'info'>, clock?: Clock): Promise<SmsSender> {
  switch (provider.kind) {
    case 'console':
      return new ConsoleSmsSender({ logger, ...(clock ? { clock } : {}) });
    case 'aliyun': {
      const { AliyunSmsSender } = await import('./aliyun-sender.js');
      const { kind: _, ...options } = provider;
      return new AliyunSmsSender(options);
    }
    case 'tencent': {
      const { TencentSmsSender } = await import('./tencent-sender.js');
      const { kind: _, ...options } = provider;
      return new TencentSmsSender(options);
    }
  }
}
