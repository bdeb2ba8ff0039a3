import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ConsoleSmsSender } from './console-sender.js';
import type { SmsSender } from './sender.js';
import type { VerificationCodeLimits } from './verification-codes.js';

/**
 * The sender SMS_PROVIDER names. Config validation has already made sure the provider's keys are present
 * (and that production does not use the console outbox). The web layer shows `/__outbox` only when the result
 * is a ConsoleSmsSender (test with `instanceof`), reading its `list()`. A provider's SDK is loaded only when
 * that provider is chosen: the Aliyun SDK alone adds ~20 MB to every process's resident memory.
 */
export async function createSmsSender(config: Config, logger: Pick<Logger, 'info'>, clock?: Clock): Promise<SmsSender> {
  switch (config.SMS_PROVIDER) {
    case 'console':
      return new ConsoleSmsSender({ logger, ...(clock ? { clock } : {}) });
    case 'aliyun': {
      const { AliyunSmsSender } = await import('./aliyun-sender.js');
      return new AliyunSmsSender({
        accessKeyId: required(config.ALIYUN_ACCESS_KEY_ID),
        accessKeySecret: required(config.ALIYUN_ACCESS_KEY_SECRET),
        signName: required(config.ALIYUN_SMS_SIGN_NAME),
        templateCode: required(config.ALIYUN_SMS_TEMPLATE_CODE),
        endpoint: config.ALIYUN_SMS_ENDPOINT,
      });
    }
    case 'tencent': {
      const { TencentSmsSender } = await import('./tencent-sender.js');
      return new TencentSmsSender({
        secretId: required(config.TENCENT_SECRET_ID),
        secretKey: required(config.TENCENT_SECRET_KEY),
        sdkAppId: required(config.TENCENT_SMS_SDK_APP_ID),
        signName: required(config.TENCENT_SMS_SIGN_NAME),
        templateId: required(config.TENCENT_SMS_TEMPLATE_ID),
        region: config.TENCENT_SMS_REGION,
        endpoint: config.TENCENT_SMS_ENDPOINT,
      });
    }
  }
}

/** The verification-code limits from config (SMS_CODE_TTL_SECONDS…). */
export function verificationCodeLimitsFrom(config: Config): VerificationCodeLimits {
  return {
    codeTtlSeconds: config.SMS_CODE_TTL_SECONDS,
    resendSeconds: config.SMS_RESEND_SECONDS,
    maxPerPhonePerDay: config.SMS_MAX_PER_PHONE_PER_DAY,
    maxPerIpPerHour: config.SMS_MAX_PER_IP_PER_HOUR,
    maxAttempts: config.SMS_MAX_ATTEMPTS,
  };
}

function required(value: string | undefined): string {
  if (!value) throw new Error('SMS provider key missing: loadConfig should have refused this configuration');
  return value;
}
