import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import SdkException from 'tencentcloud-sdk-nodejs-common/tencentcloud/common/exception/tencent_cloud_sdk_exception.js';
import * as tencentcloud from 'tencentcloud-sdk-nodejs-sms';
import { cjsDefault } from './cjs-default.js';
import { withDeadline } from './deadline.js';
import { splitEndpoint } from './endpoint.js';
import {
  DEFAULT_SEND_TIMEOUT_MS,
  hasOwnTemplate,
  type SmsFailureKind,
  type SmsMessage,
  type SmsNotice,
  SmsSendError,
  type SmsSender,
  type SmsTemplates,
} from './sender.js';

export interface TencentSmsOptions {
  secretId: string;
  secretKey: string;
  /** The SMS application id (SdkAppId, 1400…). */
  sdkAppId: string;
  /** An approved sign name (签名内容). */
  signName: string;
  /** An approved verification-code template with one parameter, the code. */
  templateId: string;
  /**
   * Templates of their own: a code purpose's (`reset`, `activate`, `phone`: one parameter, the code) in place of
   * `templateId`, and each notice's (two parameters: {1} the time, {2} the IP); a notice without one is not sent.
   */
  templates?: SmsTemplates;
  /** Default ap-guangzhou. */
  region?: string;
  /**
   * `host[:port]` (HTTPS), or `http://host:port` for a local fake. Default sms.tencentcloudapi.com. The SDK signs
   * for the service named by the host's first label, so a fake should be reached as `sms.<something>`.
   */
  endpoint?: string;
  timeoutMs?: number;
  /**
   * The HTTP(S) agent for every call (tests pass one that resolves `sms.localhost`). Default: a plain agent, so
   * the SDK never routes through an inherited `http_proxy`, as the Aliyun SDK never does (docs/sms-providers.md §6.3).
   */
  agent?: Agent;
}

const PROVIDER = 'tencent';
const SmsClient = tencentcloud.sms.v20210111.Client;
const TencentCloudSDKHttpException = cjsDefault(SdkException);

/** Error codes that say which of our kinds a refusal is (docs: cloud.tencent.com/document/api/382/59177 and 382/52075). */
const KINDS: Record<string, SmsFailureKind> = {
  'LimitExceeded.PhoneNumberThirtySecondLimit': 'rate_limited_minute',
  'LimitExceeded.DeliveryFrequencyLimit': 'rate_limited_minute',
  'LimitExceeded.PhoneNumberOneHourLimit': 'rate_limited_hour',
  'LimitExceeded.PhoneNumberDailyLimit': 'rate_limited_day',
  'LimitExceeded.PhoneNumberSameContentDailyLimit': 'rate_limited_day',
  // The application's daily total and the package balance: SMS is down for everyone.
  'LimitExceeded.AppDailyLimit': 'quota_exhausted',
  'FailedOperation.InsufficientBalanceInSmsPackage': 'quota_exhausted',
  'InvalidParameterValue.IncorrectPhoneNumber': 'invalid_number',
  'FailedOperation.SignatureIncorrectOrUnapproved': 'sign_or_template_unapproved',
  'FailedOperation.TemplateIncorrectOrUnapproved': 'sign_or_template_unapproved',
  'FailedOperation.TemplateParamSetNotMatchApprovedTemplate': 'sign_or_template_unapproved',
  'InvalidParameterValue.TemplateParameterFormatError': 'sign_or_template_unapproved',
  'AuthFailure.SignatureFailure': 'bad_credentials',
  'AuthFailure.SecretIdNotFound': 'bad_credentials',
  'AuthFailure.InvalidAuthorization': 'bad_credentials',
  'UnauthorizedOperation.SmsSdkAppIdVerifyFail': 'bad_credentials',
  'InvalidParameterValue.SdkAppIdNotExist': 'bad_credentials',
  // API-wide QPS throttling and Tencent's own faults: try again shortly.
  RequestLimitExceeded: 'unavailable',
  InternalError: 'unavailable',
};

function tencentFailureKind(code: string): SmsFailureKind {
  // Own keys only: a code such as `constructor` is no kind of ours.
  return (Object.hasOwn(KINDS, code) ? KINDS[code] : undefined) ?? (code.startsWith('InternalError.') ? 'unavailable' : 'rejected');
}

/**
 * Tencent Cloud SMS (SendSms 2021-01-11) through the official SDK, signed with TC3-HMAC-SHA256.
 * Per-number refusals are returned in `SendStatusSet` (success is `Ok`); request-level ones are thrown.
 */
export class TencentSmsSender implements SmsSender {
  readonly provider = PROVIDER;
  private readonly client: InstanceType<typeof SmsClient>;
  private readonly timeoutMs: number;

  constructor(private readonly options: TencentSmsOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    const { host, secure } = splitEndpoint(options.endpoint ?? 'sms.tencentcloudapi.com');
    this.client = new SmsClient({
      credential: { secretId: options.secretId, secretKey: options.secretKey },
      region: options.region ?? 'ap-guangzhou',
      profile: {
        httpProfile: {
          endpoint: host,
          protocol: secure ? 'https://' : 'http://',
          reqTimeout: Math.ceil(this.timeoutMs / 1000),
          // Without an agent the SDK sends every call through `http_proxy` and ignores NO_PROXY: always give one.
          agent: options.agent ?? (secure ? new HttpsAgent() : new Agent()),
        },
      },
    });
  }

  async send({ phone, code, purpose }: SmsMessage): Promise<void> {
    const own = hasOwnTemplate(purpose) ? this.options.templates?.[purpose] : undefined;
    await this.sendTemplate(phone, own ?? this.options.templateId, [code]);
  }

  async notify({ phone, purpose, time, ip }: SmsNotice): Promise<void> {
    const template = this.options.templates?.[purpose];
    if (!template) throw new SmsSendError({ kind: 'sign_or_template_unapproved', provider: PROVIDER, detail: `no template for ${purpose}` });
    await this.sendTemplate(phone, template, [time, ip]);
  }

  private async sendTemplate(phone: string, templateId: string, params: string[]): Promise<void> {
    let response: Awaited<ReturnType<typeof this.client.SendSms>>;
    try {
      response = await withDeadline(
        PROVIDER,
        this.timeoutMs,
        this.client.SendSms({
          PhoneNumberSet: [phone],
          SmsSdkAppId: this.options.sdkAppId,
          SignName: this.options.signName,
          TemplateId: templateId,
          TemplateParamSet: params,
        }),
      );
    } catch (err) {
      throw thrownToSendError(err);
    }
    const status = response.SendStatusSet?.[0];
    if (status?.Code === 'Ok') return;
    const providerCode = status?.Code ?? 'NoSendStatus';
    throw new SmsSendError({ kind: tencentFailureKind(providerCode), provider: PROVIDER, providerCode, requestId: response.RequestId });
  }
}

/**
 * The SDK throws TencentCloudSDKHttpException: with `code` for a `Response.Error`; without it for a non-200 status
 * (`httpCode`), a timeout or a refused connection; and node-fetch's FetchError for an unreadable body.
 * Messages are not passed on: ours name the code and request id only.
 */
function thrownToSendError(err: unknown): SmsSendError {
  if (err instanceof SmsSendError) return err;
  if (err instanceof TencentCloudSDKHttpException && err.code) {
    return new SmsSendError({
      kind: tencentFailureKind(err.code),
      provider: PROVIDER,
      providerCode: err.code,
      requestId: err.requestId || undefined,
    });
  }
  const httpCode = err instanceof TencentCloudSDKHttpException ? err.httpCode : undefined;
  const providerCode = httpCode ? `HTTP ${httpCode}` : err instanceof Error && err.name !== 'Error' ? err.name : 'NetworkError';
  return new SmsSendError({ kind: 'unavailable', provider: PROVIDER, providerCode, detail: 'no usable answer' });
}
