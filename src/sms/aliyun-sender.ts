import Dysmsapi, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
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

export interface AliyunSmsOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** An approved sign name (签名). */
  signName: string;
  /** An approved verification-code template (`SMS_…`) with one variable, `${code}`. */
  templateCode: string;
  /**
   * Templates of their own: a code purpose's (`reset`, `activate`, `phone`: one variable, `${code}`) in place of
   * `templateCode`, and each notice's (`${time}` and `${ip}`); a notice without a template is not sent.
   */
  templates?: SmsTemplates;
  /** `host[:port]` (HTTPS), or `http://host:port` for a local fake. Default dysmsapi.aliyuncs.com. */
  endpoint?: string;
  timeoutMs?: number;
}

const PROVIDER = 'aliyun';
const DysmsapiClient = cjsDefault(Dysmsapi);

/** Error codes that say which of our kinds a refusal is (docs: help.aliyun.com/document_detail/101346.html). */
const KINDS: Record<string, SmsFailureKind> = {
  // The account's daily total (set in the console), the balance, a suspended account: SMS is down for everyone.
  'isv.DAY_LIMIT_CONTROL': 'quota_exhausted',
  'isv.AMOUNT_NOT_ENOUGH': 'quota_exhausted',
  'isv.OUT_OF_SERVICE': 'quota_exhausted',
  'isv.MOBILE_NUMBER_ILLEGAL': 'invalid_number',
  'isv.SMS_SIGNATURE_ILLEGAL': 'sign_or_template_unapproved',
  'isv.SMS_SIGN_ILLEGAL': 'sign_or_template_unapproved',
  'isv.SIGN_STATE_ILLEGAL': 'sign_or_template_unapproved',
  'isv.SMS_TEMPLATE_ILLEGAL': 'sign_or_template_unapproved',
  'isv.TEMPLATE_MISSING_PARAMETERS': 'sign_or_template_unapproved',
  'InvalidAccessKeyId.NotFound': 'bad_credentials',
  'InvalidAccessKeyId.Inactive': 'bad_credentials',
  SignatureDoesNotMatch: 'bad_credentials',
};

/** Maps an Aliyun code to a kind. `isv.BUSINESS_LIMIT_CONTROL` says its window only in the message (触发分钟级流控…). */
function aliyunFailureKind(code: string, message = ''): SmsFailureKind {
  if (code === 'isv.BUSINESS_LIMIT_CONTROL') {
    if (/天级|day/i.test(message)) return 'rate_limited_day';
    if (/小时级|hour/i.test(message)) return 'rate_limited_hour';
    return 'rate_limited_minute';
  }
  // API-wide QPS throttling is ours, not the person's: try again shortly.
  if (code.startsWith('Throttling')) return 'unavailable';
  // Own keys only: a code such as `constructor` is no kind of ours.
  return (Object.hasOwn(KINDS, code) ? KINDS[code] : undefined) ?? 'rejected';
}

/**
 * Aliyun SMS (Dysmsapi SendSms 2017-05-25) through the official SDK, signed with ACS3-HMAC-SHA256.
 * Business refusals arrive as HTTP 200 with `code !== 'OK'`; gateway refusals (keys, signature) are thrown as 4xx.
 */
export class AliyunSmsSender implements SmsSender {
  readonly provider = PROVIDER;
  private readonly client: InstanceType<typeof DysmsapiClient>;
  private readonly timeoutMs: number;

  constructor(private readonly options: AliyunSmsOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    const { host, secure } = splitEndpoint(options.endpoint ?? 'dysmsapi.aliyuncs.com');
    this.client = new DysmsapiClient(
      new $OpenApiUtil.Config({
        accessKeyId: options.accessKeyId,
        accessKeySecret: options.accessKeySecret,
        endpoint: host,
        protocol: secure ? 'HTTPS' : 'HTTP',
        connectTimeout: this.timeoutMs,
        readTimeout: this.timeoutMs,
      }),
    );
  }

  async send({ phone, code, purpose }: SmsMessage): Promise<void> {
    const own = hasOwnTemplate(purpose) ? this.options.templates?.[purpose] : undefined;
    await this.sendTemplate(phone, own ?? this.options.templateCode, { code });
  }

  async notify({ phone, purpose, time, ip }: SmsNotice): Promise<void> {
    const template = this.options.templates?.[purpose];
    if (!template) throw new SmsSendError({ kind: 'sign_or_template_unapproved', provider: PROVIDER, detail: `no template for ${purpose}` });
    await this.sendTemplate(phone, template, { time, ip });
  }

  private async sendTemplate(phone: string, templateCode: string, params: Record<string, string>): Promise<void> {
    const request = new SendSmsRequest({
      // Country code and number without `+`: the international form, which mainland numbers accept too (86…).
      phoneNumbers: phone.replace(/^\+/, ''),
      signName: this.options.signName,
      templateCode,
      templateParam: JSON.stringify(params),
    });
    let body: Awaited<ReturnType<typeof this.client.sendSms>>['body'];
    try {
      ({ body } = await withDeadline(PROVIDER, this.timeoutMs, this.client.sendSms(request)));
    } catch (err) {
      throw thrownToSendError(err);
    }
    if (body?.code === 'OK') return;
    const providerCode = body?.code ?? 'NoCode';
    throw new SmsSendError({ kind: aliyunFailureKind(providerCode, body?.message), provider: PROVIDER, providerCode, requestId: body?.requestId });
  }
}

/**
 * The SDK throws for HTTP ≥ 400 (ClientError, ThrottlingError, ServerError, each with `code` and `statusCode`), for
 * network failures (`ECONNREFUSED`, `RequestTimeoutError`…) and for unreadable bodies (SyntaxError). Its messages
 * can quote the request URL, which carries the number and the code, so none of them is passed on.
 */
function thrownToSendError(err: unknown): SmsSendError {
  if (err instanceof SmsSendError) return err;
  const e = (err ?? {}) as { code?: unknown; statusCode?: unknown; requestId?: unknown; name?: unknown };
  const requestId = typeof e.requestId === 'string' ? e.requestId : undefined;
  if (typeof e.statusCode === 'number' && typeof e.code === 'string') {
    const kind = e.statusCode >= 500 ? 'unavailable' : aliyunFailureKind(e.code);
    return new SmsSendError({ kind, provider: PROVIDER, providerCode: e.code, requestId, detail: `HTTP ${e.statusCode}` });
  }
  const providerCode = typeof e.code === 'string' ? e.code : typeof e.name === 'string' ? e.name : 'Error';
  return new SmsSendError({ kind: 'unavailable', provider: PROVIDER, providerCode, detail: 'no usable answer' });
}
