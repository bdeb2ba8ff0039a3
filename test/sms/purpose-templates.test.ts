/**
 * Each SMS purpose of the account's life has its own template setting, for Aliyun and Tencent, checked against the
 * signature-checking fakes: a reset code goes with the reset template, a notice with its own (time and IP), a purpose
 * without a template of its own with the verification-code template, and a notice without a template is not sent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { SmsSendError } from '../../src/sms/sender.js';
import { ALIYUN, startAliyun, startTencent, TENCENT } from './fakes/index.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

const NOTICE = { phone: '+8613812345678', purpose: 'notice_sign_in', time: '2026-11-30 18:39', ip: '203.0.113.7' } as const;

describe('Aliyun templates per purpose', () => {
  it('sends each purpose with its template, signed as the fake checks', async () => {
    const { fake, sender } = await startAliyun({ SMS_000002: ['code'], SMS_000004: ['code'], SMS_000010: ['time', 'ip'] });
    closers.push(() => fake.close());
    const s = sender({ templates: { reset: 'SMS_000002', delete: 'SMS_000004', notice_sign_in: 'SMS_000010' } });
    await s.send({ phone: '+8613812345678', code: '123456', purpose: 'reset' });
    await s.send({ phone: '+8613812345678', code: '654321', purpose: 'activate' });
    await s.send({ phone: '+8613812345678', code: '111222', purpose: 'delete' });
    await s.notify(NOTICE);
    expect(fake.delivered).toEqual([
      { phone: '+8613812345678', code: '123456', template: 'SMS_000002', params: { code: '123456' } },
      { phone: '+8613812345678', code: '654321' },
      { phone: '+8613812345678', code: '111222', template: 'SMS_000004', params: { code: '111222' } },
      { phone: '+8613812345678', code: '', template: 'SMS_000010', params: { time: NOTICE.time, ip: NOTICE.ip } },
    ]);
  });

  it('a notice without a template of its own is not sent; an unapproved one is refused by the provider', async () => {
    const { fake, sender } = await startAliyun({ SMS_000010: ['time', 'ip'] });
    closers.push(() => fake.close());
    await expect(sender().notify(NOTICE)).rejects.toMatchObject({ kind: 'sign_or_template_unapproved' });
    const err = await sender({ templates: { notice_sign_in: 'SMS_999999' } })
      .notify(NOTICE)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsSendError);
    expect((err as SmsSendError).providerCode).toBe('isv.SMS_TEMPLATE_ILLEGAL');
    expect(fake.delivered).toEqual([]);
  });
});

describe('Tencent templates per purpose', () => {
  it('sends each purpose with its template, signed as the fake checks', async () => {
    const { fake, sender } = await startTencent({ '2001': 1, '2004': 1, '2010': 2 });
    closers.push(() => fake.close());
    const s = sender({ templates: { phone: '2001', delete: '2004', notice_sign_in: '2010' } });
    await s.send({ phone: '+8613812345678', code: '123456', purpose: 'phone' });
    await s.send({ phone: '+8613812345678', code: '654321', purpose: 'login' });
    await s.send({ phone: '+8613812345678', code: '111222', purpose: 'delete' });
    await s.notify(NOTICE);
    expect(fake.delivered).toEqual([
      { phone: '+8613812345678', code: '123456', template: '2001', params: ['123456'] },
      { phone: '+8613812345678', code: '654321' },
      { phone: '+8613812345678', code: '111222', template: '2004', params: ['111222'] },
      { phone: '+8613812345678', code: '', template: '2010', params: [NOTICE.time, NOTICE.ip] },
    ]);
  });

  it('a notice template approved with other parameters is refused', async () => {
    const { fake, sender } = await startTencent({ '2010': 3 });
    closers.push(() => fake.close());
    await expect(sender({ templates: { notice_sign_in: '2010' } }).notify(NOTICE)).rejects.toMatchObject({ kind: 'sign_or_template_unapproved' });
  });
});

describe('the settings', () => {
  const aliyun = {
    NODE_ENV: 'test',
    SMS_PROVIDER: 'aliyun',
    ALIYUN_ACCESS_KEY_ID: ALIYUN.accessKeyId,
    ALIYUN_ACCESS_KEY_SECRET: ALIYUN.accessKeySecret,
    ALIYUN_SMS_SIGN_NAME: ALIYUN.signName,
    ALIYUN_SMS_TEMPLATE_CODE: ALIYUN.templateCode,
  };

  it('read each purpose’s template into the provider settings', () => {
    const config = loadConfig({
      ...aliyun,
      ALIYUN_SMS_TEMPLATE_CODE_RESET: 'SMS_2',
      ALIYUN_SMS_TEMPLATE_CODE_DELETE: 'SMS_4',
      ALIYUN_SMS_TEMPLATE_NOTICE_PHONE: 'SMS_9',
    });
    expect(config.sms.provider).toMatchObject({ kind: 'aliyun', templates: { reset: 'SMS_2', delete: 'SMS_4', notice_phone: 'SMS_9' } });
    const tencent = loadConfig({
      NODE_ENV: 'test',
      SMS_PROVIDER: 'tencent',
      TENCENT_SECRET_ID: TENCENT.secretId,
      TENCENT_SECRET_KEY: TENCENT.secretKey,
      TENCENT_SMS_SDK_APP_ID: TENCENT.sdkAppId,
      TENCENT_SMS_SIGN_NAME: TENCENT.signName,
      TENCENT_SMS_TEMPLATE_ID: TENCENT.templateId,
      TENCENT_SMS_TEMPLATE_ID_ACTIVATE: '3001',
      TENCENT_SMS_TEMPLATE_ID_DELETE: '3004',
    });
    expect(tencent.sms.provider).toMatchObject({ kind: 'tencent', templates: { activate: '3001', delete: '3004' } });
  });

  it('refuse a notice turned on without its template, naming the variable; and a notice name that is none', () => {
    expect(() => loadConfig({ ...aliyun, SMS_NOTICES: 'new_browser' })).toThrow(/ALIYUN_SMS_TEMPLATE_NOTICE_SIGN_IN/);
    expect(() => loadConfig({ ...aliyun, SMS_NOTICES: 'birthday' })).toThrow(/SMS_NOTICES/);
    expect(loadConfig({ ...aliyun, SMS_NOTICES: 'password', ALIYUN_SMS_TEMPLATE_NOTICE_PASSWORD: 'SMS_5' }).sms.notices.enabled).toEqual([
      'password',
    ]);
  });
});
