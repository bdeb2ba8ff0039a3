import pino from 'pino';
import { ConsoleSmsSender } from '../../src/sms/console-sender.js';
import type { FakeAliyunSms } from './fakes/fake-aliyun.js';
import type { FakeTencentSms } from './fakes/fake-tencent.js';
import { ALIYUN, closedPort, startAliyun, startTencent, TENCENT } from './fakes/index.js';
import { describeSmsSenderContract, type FailureCase, type SmsSenderUnderTest } from './sms-sender.contract.js';

describeSmsSenderContract('console outbox', async () => {
  const sender = new ConsoleSmsSender({ logger: pino({ level: 'silent' }) });
  return {
    sender,
    delivered: () =>
      sender
        .list()
        .map(({ phone, code }) => ({ phone, code }))
        .reverse(),
    secrets: [],
    cleanup: async () => {},
  };
}, []);

// ---- Aliyun Dysmsapi against its verifying fake ----
interface AliyunUnderTest extends SmsSenderUnderTest {
  fake: FakeAliyunSms;
  senderWith: Awaited<ReturnType<typeof startAliyun>>['sender'];
}
const aliyunNext =
  (code: string, message?: string) =>
  (t: AliyunUnderTest): void =>
    t.fake.failNext(code, message);

const aliyunFailures: FailureCase<AliyunUnderTest>[] = [
  {
    name: 'a per-minute limit',
    kind: 'rate_limited_minute',
    providerCode: 'isv.BUSINESS_LIMIT_CONTROL',
    arrange: aliyunNext('isv.BUSINESS_LIMIT_CONTROL', '触发分钟级流控Permits:1'),
  },
  {
    name: 'a per-hour limit',
    kind: 'rate_limited_hour',
    providerCode: 'isv.BUSINESS_LIMIT_CONTROL',
    arrange: aliyunNext('isv.BUSINESS_LIMIT_CONTROL', '触发小时级流控Permits:5'),
  },
  {
    name: 'a per-day limit',
    kind: 'rate_limited_day',
    providerCode: 'isv.BUSINESS_LIMIT_CONTROL',
    arrange: aliyunNext('isv.BUSINESS_LIMIT_CONTROL', '触发天级流控Permits:10'),
  },
  // Account-wide: SMS is down for everyone, not one number's limit.
  { name: 'the account daily cap', kind: 'quota_exhausted', providerCode: 'isv.DAY_LIMIT_CONTROL', arrange: aliyunNext('isv.DAY_LIMIT_CONTROL') },
  { name: 'an illegal number', kind: 'invalid_number', providerCode: 'isv.MOBILE_NUMBER_ILLEGAL', arrange: aliyunNext('isv.MOBILE_NUMBER_ILLEGAL') },
  {
    name: 'an unknown sign name',
    kind: 'sign_or_template_unapproved',
    providerCode: 'isv.SMS_SIGNATURE_ILLEGAL',
    arrange: (t) => t.senderWith({ signName: '别的签名' }),
  },
  {
    name: 'an unknown template',
    kind: 'sign_or_template_unapproved',
    providerCode: 'isv.SMS_TEMPLATE_ILLEGAL',
    arrange: (t) => t.senderWith({ templateCode: 'SMS_999999' }),
  },
  { name: 'an exhausted balance', kind: 'quota_exhausted', providerCode: 'isv.AMOUNT_NOT_ENOUGH', arrange: aliyunNext('isv.AMOUNT_NOT_ENOUGH') },
  { name: 'a suspended account', kind: 'quota_exhausted', providerCode: 'isv.OUT_OF_SERVICE', arrange: aliyunNext('isv.OUT_OF_SERVICE') },
  {
    name: 'a wrong secret (signature refused)',
    kind: 'bad_credentials',
    providerCode: 'SignatureDoesNotMatch',
    arrange: (t) => t.senderWith({ accessKeySecret: 'wrong-secret' }),
  },
  {
    name: 'an unknown AccessKeyId',
    kind: 'bad_credentials',
    providerCode: 'InvalidAccessKeyId.NotFound',
    arrange: (t) => t.senderWith({ accessKeyId: 'LTAI5tUnknown' }),
  },
  {
    name: 'API throttling',
    kind: 'unavailable',
    providerCode: 'Throttling.User',
    arrange: aliyunNext('Throttling.User', 'Request was denied due to user flow control.'),
  },
  {
    name: 'a 503 from the gateway',
    kind: 'unavailable',
    providerCode: 'ServiceUnavailable',
    arrange: aliyunNext('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
  },
  {
    name: 'a 502 HTML page from a proxy',
    kind: 'unavailable',
    arrange: (t) => t.fake.respondNext(502, 'text/html', '<html><body>502 Bad Gateway</body></html>'),
  },
  { name: 'no answer (timeout)', kind: 'unavailable', arrange: (t) => t.fake.hangNext() },
  { name: 'a refused connection', kind: 'unavailable', arrange: async (t) => t.senderWith({ endpoint: `http://127.0.0.1:${await closedPort()}` }) },
  // A code that is a member of Object.prototype is no kind of ours: a plain refusal.
  { name: 'a code named like an Object member', kind: 'rejected', providerCode: 'constructor', arrange: aliyunNext('constructor') },
];

describeSmsSenderContract(
  'Aliyun SDK against the verifying fake',
  async () => {
    const { fake, sender } = await startAliyun();
    return {
      sender: sender(),
      senderWith: sender,
      fake,
      delivered: () => fake.delivered,
      secrets: [ALIYUN.accessKeySecret],
      cleanup: () => fake.close(),
    };
  },
  aliyunFailures,
);

// ---- Tencent Cloud SMS against its verifying fake ----
interface TencentUnderTest extends SmsSenderUnderTest {
  fake: FakeTencentSms;
  senderWith: Awaited<ReturnType<typeof startTencent>>['sender'];
}
const tencentNext =
  (code: string) =>
  (t: TencentUnderTest): void =>
    t.fake.failNext(code);

const tencentFailures: FailureCase<TencentUnderTest>[] = [
  {
    name: 'the 30-second limit',
    kind: 'rate_limited_minute',
    providerCode: 'LimitExceeded.PhoneNumberThirtySecondLimit',
    arrange: tencentNext('LimitExceeded.PhoneNumberThirtySecondLimit'),
  },
  {
    name: 'the frequency policy',
    kind: 'rate_limited_minute',
    providerCode: 'LimitExceeded.DeliveryFrequencyLimit',
    arrange: tencentNext('LimitExceeded.DeliveryFrequencyLimit'),
  },
  {
    name: 'the one-hour limit',
    kind: 'rate_limited_hour',
    providerCode: 'LimitExceeded.PhoneNumberOneHourLimit',
    arrange: tencentNext('LimitExceeded.PhoneNumberOneHourLimit'),
  },
  {
    name: 'the daily limit',
    kind: 'rate_limited_day',
    providerCode: 'LimitExceeded.PhoneNumberDailyLimit',
    arrange: tencentNext('LimitExceeded.PhoneNumberDailyLimit'),
  },
  {
    name: 'the daily limit as a request error',
    kind: 'rate_limited_day',
    providerCode: 'LimitExceeded.PhoneNumberDailyLimit',
    arrange: (t) => t.fake.failNextRequest('LimitExceeded.PhoneNumberDailyLimit'),
  },
  {
    name: 'the same-content daily limit',
    kind: 'rate_limited_day',
    providerCode: 'LimitExceeded.PhoneNumberSameContentDailyLimit',
    arrange: tencentNext('LimitExceeded.PhoneNumberSameContentDailyLimit'),
  },
  {
    name: 'the app daily limit',
    kind: 'quota_exhausted',
    providerCode: 'LimitExceeded.AppDailyLimit',
    arrange: tencentNext('LimitExceeded.AppDailyLimit'),
  },
  {
    name: 'an incorrect number',
    kind: 'invalid_number',
    providerCode: 'InvalidParameterValue.IncorrectPhoneNumber',
    arrange: tencentNext('InvalidParameterValue.IncorrectPhoneNumber'),
  },
  {
    name: 'an unapproved sign',
    kind: 'sign_or_template_unapproved',
    providerCode: 'FailedOperation.SignatureIncorrectOrUnapproved',
    arrange: (t) => t.senderWith({ signName: '别的签名' }),
  },
  {
    name: 'an unapproved template',
    kind: 'sign_or_template_unapproved',
    providerCode: 'FailedOperation.TemplateIncorrectOrUnapproved',
    arrange: (t) => t.senderWith({ templateId: '9999' }),
  },
  {
    name: 'template parameters that do not fit',
    kind: 'sign_or_template_unapproved',
    providerCode: 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate',
    arrange: tencentNext('FailedOperation.TemplateParamSetNotMatchApprovedTemplate'),
  },
  {
    name: 'an exhausted package',
    kind: 'quota_exhausted',
    providerCode: 'FailedOperation.InsufficientBalanceInSmsPackage',
    arrange: tencentNext('FailedOperation.InsufficientBalanceInSmsPackage'),
  },
  {
    name: 'a blacklisted number',
    kind: 'rejected',
    providerCode: 'FailedOperation.PhoneNumberInBlacklist',
    arrange: tencentNext('FailedOperation.PhoneNumberInBlacklist'),
  },
  {
    name: 'a wrong secret (signature refused)',
    kind: 'bad_credentials',
    providerCode: 'AuthFailure.SignatureFailure',
    arrange: (t) => t.senderWith({ secretKey: 'wrong-secret' }),
  },
  {
    name: 'an unknown SecretId',
    kind: 'bad_credentials',
    providerCode: 'AuthFailure.SecretIdNotFound',
    arrange: (t) => t.senderWith({ secretId: 'AKIDunknown' }),
  },
  {
    name: 'an SdkAppId of another account',
    kind: 'bad_credentials',
    providerCode: 'InvalidParameterValue.SdkAppIdNotExist',
    arrange: (t) => t.senderWith({ sdkAppId: '1400000000' }),
  },
  { name: 'API throttling', kind: 'unavailable', providerCode: 'RequestLimitExceeded', arrange: tencentNext('RequestLimitExceeded') },
  { name: 'an internal error', kind: 'unavailable', providerCode: 'InternalError', arrange: tencentNext('InternalError') },
  {
    name: 'a 502 HTML page from a proxy',
    kind: 'unavailable',
    providerCode: 'HTTP 502',
    arrange: (t) => t.fake.respondNext(502, 'text/html', '<html><body>502 Bad Gateway</body></html>'),
  },
  { name: 'a 200 that is not JSON', kind: 'unavailable', arrange: (t) => t.fake.respondNext(200, 'text/html', '<html>captive portal</html>') },
  { name: 'no answer (timeout)', kind: 'unavailable', arrange: (t) => t.fake.hangNext() },
  {
    name: 'a refused connection',
    kind: 'unavailable',
    arrange: async (t) => t.senderWith({ endpoint: `http://sms.localhost:${await closedPort()}` }),
  },
  // A code that is a member of Object.prototype is no kind of ours: a plain refusal.
  { name: 'a code named like an Object member', kind: 'rejected', providerCode: 'constructor', arrange: tencentNext('constructor') },
];

describeSmsSenderContract(
  'Tencent SDK against the verifying fake',
  async () => {
    const { fake, sender } = await startTencent();
    return {
      sender: sender(),
      senderWith: sender,
      fake,
      delivered: () => fake.delivered,
      secrets: [TENCENT.secretKey],
      cleanup: () => fake.close(),
    };
  },
  tencentFailures,
);
