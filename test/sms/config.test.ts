import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { AliyunSmsSender } from '../../src/sms/aliyun-sender.js';
import { ConsoleSmsSender } from '../../src/sms/console-sender.js';
import { createSmsSender, SenderLoadedOnUse } from '../../src/sms/create-sender.js';
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
    // Each provider's SDK loads at its first message (an idle node does without it): `sender()` is what it loads.
    const aliyunSender = await createSmsSender(aliyun.sms.provider, silent);
    expect(aliyunSender).toBeInstanceOf(SenderLoadedOnUse);
    expect(aliyunSender.provider).toBe('aliyun');
    expect(await (aliyunSender as SenderLoadedOnUse).sender()).toBeInstanceOf(AliyunSmsSender);
    const tencent = loadConfig({ ...TENCENT_KEYS, SMS_PROVIDER: 'tencent', SMS_MAX_ATTEMPTS: '3', SMS_RESEND_SECONDS: '90' });
    expect(tencent.sms.provider).toMatchObject({ kind: 'tencent', region: 'ap-guangzhou', endpoint: 'sms.tencentcloudapi.com' });
    const tencentSender = await createSmsSender(tencent.sms.provider, silent);
    expect(tencentSender.provider).toBe('tencent');
    expect(await (tencentSender as SenderLoadedOnUse).sender()).toBeInstanceOf(TencentSmsSender);
    expect(tencent.sms.limits).toMatchObject({ maxAttempts: 3, resendSeconds: 90 });
  });

  it("fails at start when the provider's SDK is not installed, and loads it again after a failed first try", async () => {
    expect(() => new SenderLoadedOnUse('aliyun', '@alicloud/no-such-sdk', async () => new ConsoleSmsSender({ logger: silent }))).toThrow(
      "Cannot find module '@alicloud/no-such-sdk'",
    );
    let tries = 0;
    const sent: string[] = [];
    const sender = new SenderLoadedOnUse('aliyun', '@alicloud/dysmsapi20170525', async () => {
      if (++tries === 1) throw new Error('load failed');
      return { provider: 'aliyun', send: async (m) => void sent.push(m.phone) };
    });
    const message = { phone: '+8613812345678', code: '123456', purpose: 'login' } as const;
    await expect(sender.send(message)).rejects.toMatchObject({
      name: 'SmsSendError',
      kind: 'unavailable',
      message: 'aliyun SMS send failed: unavailable; its SDK could not be loaded',
    });
    await sender.send(message);
    await sender.send(message);
    expect({ tries, sent }).toEqual({ tries: 2, sent: ['+8613812345678', '+8613812345678'] });
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
