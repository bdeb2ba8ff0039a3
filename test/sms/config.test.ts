import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AliyunSmsSender } from '../../src/sms/aliyun-sender.js';
import { ConsoleSmsSender } from '../../src/sms/console-sender.js';
import { createSmsSender } from '../../src/sms/create-sender.js';
import { splitEndpoint } from '../../src/sms/endpoint.js';
import { TencentSmsSender } from '../../src/sms/tencent-sender.js';
import { DEFAULT_VERIFICATION_CODE_LIMITS } from '../../src/sms/verification-codes.js';

const silent = { info: () => {} };
const PRODUCTION = { NODE_ENV: 'production', PUBLIC_URL: 'https://sso.example.org', WECHAT_APP_ID: 'wx1', WECHAT_APP_SECRET: 's' };
const ALIYUN_KEYS = {
  ALIYUN_ACCESS_KEY_ID: 'id',
  ALIYUN_ACCESS_KEY_SECRET: 'secret',
  ALIYUN_SMS_SIGN_NAME: '签名',
  ALIYUN_SMS_TEMPLATE_CODE: 'SMS_1',
};
const TENCENT_KEYS = {
  TENCENT_SECRET_ID: 'id',
  TENCENT_SECRET_KEY: 'key',
  TENCENT_SMS_SDK_APP_ID: '1400',
  TENCENT_SMS_SIGN_NAME: '签名',
  TENCENT_SMS_TEMPLATE_ID: '1',
};
const SECRET = 'x'.repeat(32);

describe('SMS configuration', () => {
  it('defaults to the console outbox, a random code secret and the documented limits in development', async () => {
    const a = loadConfig({});
    const b = loadConfig({});
    expect(a.sms.provider).toEqual({ kind: 'console' });
    expect(a.sms.codeSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(a.sms.codeSecret).not.toBe(b.sms.codeSecret);
    expect(a.sms.limits).toEqual(DEFAULT_VERIFICATION_CODE_LIMITS);
    expect(await createSmsSender(a.sms.provider, silent)).toBeInstanceOf(ConsoleSmsSender);
  });

  it('stops the start naming every key the chosen provider lacks', () => {
    expect(() => loadConfig({ SMS_PROVIDER: 'aliyun', ALIYUN_ACCESS_KEY_ID: 'id' })).toThrow(
      'SMS_PROVIDER=aliyun needs ALIYUN_ACCESS_KEY_SECRET, ALIYUN_SMS_SIGN_NAME, ALIYUN_SMS_TEMPLATE_CODE',
    );
    expect(() => loadConfig({ SMS_PROVIDER: 'tencent' })).toThrow(
      'SMS_PROVIDER=tencent needs TENCENT_SECRET_ID, TENCENT_SECRET_KEY, TENCENT_SMS_SDK_APP_ID, TENCENT_SMS_SIGN_NAME, TENCENT_SMS_TEMPLATE_ID',
    );
    expect(() => loadConfig({ SMS_PROVIDER: 'twilio' })).toThrow('SMS_PROVIDER');
  });

  it('refuses the console outbox and a missing or short code secret in production', () => {
    expect(() => loadConfig(PRODUCTION)).toThrow(
      /SMS_PROVIDER: production needs SMS_PROVIDER=aliyun or tencent[\s\S]*SMS_CODE_SECRET: production needs/,
    );
    expect(() => loadConfig({ ...PRODUCTION, ...ALIYUN_KEYS, SMS_PROVIDER: 'aliyun', SMS_CODE_SECRET: 'short' })).toThrow('at least 32 characters');
    const config = loadConfig({ ...PRODUCTION, ...ALIYUN_KEYS, SMS_PROVIDER: 'aliyun', SMS_CODE_SECRET: SECRET });
    expect(config.sms.codeSecret).toBe(SECRET);
  });

  it('builds the provider named, with its endpoint and limits from config', async () => {
    const aliyun = loadConfig({ ...ALIYUN_KEYS, SMS_PROVIDER: 'aliyun', ALIYUN_SMS_ENDPOINT: 'http://127.0.0.1:9000' });
    expect(aliyun.sms.provider).toMatchObject({ kind: 'aliyun', endpoint: 'http://127.0.0.1:9000', signName: '签名', templateCode: 'SMS_1' });
    expect(await createSmsSender(aliyun.sms.provider, silent)).toBeInstanceOf(AliyunSmsSender);
    const tencent = loadConfig({ ...TENCENT_KEYS, SMS_PROVIDER: 'tencent', SMS_MAX_ATTEMPTS: '3', SMS_RESEND_SECONDS: '90' });
    expect(tencent.sms.provider).toMatchObject({ kind: 'tencent', region: 'ap-guangzhou', endpoint: 'sms.tencentcloudapi.com' });
    expect(await createSmsSender(tencent.sms.provider, silent)).toBeInstanceOf(TencentSmsSender);
    expect(tencent.sms.limits).toMatchObject({ maxAttempts: 3, resendSeconds: 90 });
  });

  it('reads endpoints as host[:port] over HTTPS, or with an explicit scheme', () => {
    expect(splitEndpoint('dysmsapi.aliyuncs.com')).toEqual({ host: 'dysmsapi.aliyuncs.com', secure: true });
    expect(splitEndpoint('http://127.0.0.1:9000/')).toEqual({ host: '127.0.0.1:9000', secure: false });
    expect(splitEndpoint('HTTPS://sms.tencentcloudapi.com')).toEqual({ host: 'sms.tencentcloudapi.com', secure: true });
  });

  it('defaults to codes for mainland China only, a daily budget of 5000, a ceiling of 50 per number and real work per proof', () => {
    const config = loadConfig({});
    expect(config.sms.countries).toEqual(['CN']);
    expect(config.sms.dailyBudget).toBe(5000);
    expect(config.sms.limits).toMatchObject({ maxPerPhonePerDay: 10, phoneDailyCeiling: 50 });
    expect(config.sms.challengeWork).toBe(2_000_000);
  });

  it('reads SMS_COUNTRIES as ISO codes and refuses anything else, naming the variable', () => {
    expect(loadConfig({ SMS_COUNTRIES: 'cn, HK,MO' }).sms.countries).toEqual(['CN', 'HK', 'MO']);
    expect(() => loadConfig({ SMS_COUNTRIES: 'CN,China' })).toThrow('SMS_COUNTRIES');
    expect(() => loadConfig({ SMS_COUNTRIES: '' })).toThrow('SMS_COUNTRIES');
    expect(() => loadConfig({ SMS_DAILY_BUDGET: '0' })).toThrow('SMS_DAILY_BUDGET');
  });
});
