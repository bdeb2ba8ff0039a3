import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { LookupAddress } from 'node:dns';
import { Agent, type AgentOptions, type IncomingMessage, type ServerResponse } from 'node:http';
import type { LookupFunction } from 'node:net';
import { FakeSmsProvider, headerMap, sendJson } from './fake-provider.js';
import { tc3Date, tc3Signature } from './tencent-signature.js';

export interface FakeTencentOptions {
  /** SecretId → SecretKey. */
  secrets: Record<string, string>;
  sdkAppId: string;
  signName: string;
  templateId: string;
  /** Further approved templates and how many parameters each has: a code template 1 (the code), a notice 2 (time, IP). */
  templates?: Record<string, number>;
  /** The service the credential scope must name: `sms`, as with the real endpoint sms.tencentcloudapi.com. */
  service?: string;
  /** The fake's idea of now, for the 300 s skew check. */
  now?: () => number;
}

/**
 * Codes that always come as a request-level `Response.Error` (the SDK throws them). Every other code is answered
 * per number in `SendStatusSet`, which the SDK returns, the placement the send-error-code table documents.
 */
const REQUEST_LEVEL =
  /^(AuthFailure\.|RequestLimitExceeded|InternalError|UnauthorizedOperation\.|InvalidParameterValue\.SdkAppIdNotExist|MissingParameter\.|InvalidAction|InvalidParameter$)/;

const AUTHORIZATION =
  /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([^/]+)\/tc3_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$/;

/**
 * Tencent Cloud SMS SendSms (2021-01-11) on loopback, following docs/sms-providers.md §4.2: it recomputes the TC3-HMAC-SHA256
 * signature over the body bytes as received, checks the scope and the clock, then answers in Tencent's own bodies,
 * always with HTTP 200.
 */
export class FakeTencentSms extends FakeSmsProvider {
  constructor(private readonly options: FakeTencentOptions) {
    super();
  }

  /** Next SendSms fails as a whole (`Response.Error`, thrown by the SDK), even with a code usually given per number. */
  failNextRequest(code: string, message?: string): void {
    this.enqueue({ type: 'error', code, wholeRequest: true, ...(message ? { message } : {}) });
  }

  /** `sms.localhost:PORT`: the first label makes the SDK sign for service `sms`; resolve it with `loopbackAgent`. */
  get endpoint(): string {
    return `sms.localhost:${this.port}`;
  }

  protected handle(req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const headers = headerMap(req);
    const traceId = headers['x-tc-traceid'] ?? randomUUID();
    const answer = (response: Record<string, unknown>) =>
      sendJson(res, 200, { Response: { ...response, RequestId: randomUUID() } }, { 'x-tc-traceid': traceId });
    const fail = (code: string, message: string) => {
      if (REQUEST_LEVEL.test(code)) this.refused.push(code);
      answer({ Error: { Code: code, Message: message } });
    };

    const authFailure = this.checkSignature(req.method ?? 'GET', req.url ?? '/', headers, body);
    if (authFailure) return fail(authFailure.code, authFailure.message);
    if (headers['x-tc-action'] !== 'SendSms' || headers['x-tc-version'] !== '2021-01-11')
      return fail('InvalidAction', 'The requested action does not exist.');
    if (!headers['x-tc-region']) return fail('MissingParameter', 'The request is missing a required parameter `Region`.');

    let request: { PhoneNumberSet?: unknown; SmsSdkAppId?: unknown; SignName?: unknown; TemplateId?: unknown; TemplateParamSet?: unknown };
    try {
      request = JSON.parse(body.toString('utf8'));
    } catch {
      return fail('InvalidParameter', 'The request body is not JSON.');
    }
    const phones = request.PhoneNumberSet;
    if (!Array.isArray(phones) || phones.length === 0) return fail('MissingParameter.EmptyPhoneNumberSet', 'PhoneNumberSet is empty.');
    if (request.SmsSdkAppId !== this.options.sdkAppId) return fail('InvalidParameterValue.SdkAppIdNotExist', 'The SdkAppId does not exist.');

    const outcome = this.nextOutcome();
    if (outcome?.type === 'hang') return this.hang(res);
    if (outcome?.type === 'raw') {
      res.writeHead(outcome.status, { 'content-type': outcome.contentType });
      return void res.end(outcome.body);
    }
    if (outcome?.type === 'error' && (REQUEST_LEVEL.test(outcome.code) || outcome.wholeRequest))
      return fail(outcome.code, outcome.message ?? outcome.code);

    const params = Array.isArray(request.TemplateParamSet) ? request.TemplateParamSet : [];
    const statusFor = (phone: unknown): { code: string; message: string } => {
      if (outcome?.type === 'error') return { code: outcome.code, message: outcome.message ?? outcome.code };
      if (typeof phone !== 'string' || !/^(?:\+|00)?[1-9]\d{6,14}$/.test(phone))
        return { code: 'InvalidParameterValue.IncorrectPhoneNumber', message: 'incorrect phone number' };
      if (request.SignName !== this.options.signName)
        return { code: 'FailedOperation.SignatureIncorrectOrUnapproved', message: 'signature incorrect or unapproved' };
      const other =
        typeof request.TemplateId === 'string' && request.TemplateId !== this.options.templateId
          ? this.options.templates?.[request.TemplateId]
          : undefined;
      if (request.TemplateId !== this.options.templateId && other === undefined)
        return { code: 'FailedOperation.TemplateIncorrectOrUnapproved', message: 'template incorrect or unapproved' };
      if (other !== undefined && other !== 1)
        return params.length === other && params.every((p) => typeof p === 'string')
          ? { code: 'Ok', message: 'send success' }
          : { code: 'FailedOperation.TemplateParamSetNotMatchApprovedTemplate', message: 'template parameters do not match the approved template' };
      if (params.length !== 1 || typeof params[0] !== 'string' || !/^\d{0,6}$/.test(params[0]))
        return { code: 'InvalidParameterValue.TemplateParameterFormatError', message: 'verification code template parameters must be 0-6 digits' };
      return { code: 'Ok', message: 'send success' };
    };
    const set = phones.map((phone: unknown) => {
      const status = statusFor(phone);
      const ok = status.code === 'Ok';
      if (ok)
        this.delivered.push({
          phone: String(phone),
          code: request.TemplateId === this.options.templateId || this.options.templates?.[String(request.TemplateId)] === 1 ? String(params[0]) : '',
          ...(request.TemplateId !== this.options.templateId ? { template: String(request.TemplateId), params: params.map(String) } : {}),
        });
      return {
        SerialNo: ok ? `5000:${Date.now()}${Math.floor(Math.random() * 1e9)}` : '',
        PhoneNumber: phone,
        Fee: ok ? 1 : 0,
        SessionContext: '',
        Code: status.code,
        Message: status.message,
        IsoCode: String(phone).startsWith('+86') ? 'CN' : 'DEF',
      };
    });
    answer({ SendStatusSet: set });
  }

  private checkSignature(method: string, url: string, headers: Record<string, string>, body: Buffer) {
    const match = AUTHORIZATION.exec(headers.authorization ?? '');
    if (!match) return { code: 'AuthFailure.InvalidAuthorization', message: 'Authorization is invalid.' };
    const [, secretId = '', date = '', service = '', signedList = '', signature = ''] = match;
    const secretKey = this.options.secrets[secretId];
    if (secretKey === undefined) return { code: 'AuthFailure.SecretIdNotFound', message: 'The SecretId is not found.' };
    const timestamp = Number(headers['x-tc-timestamp']);
    const now = (this.options.now ?? Date.now)() / 1000;
    if (!Number.isInteger(timestamp) || Math.abs(now - timestamp) > 300)
      return {
        code: 'AuthFailure.SignatureExpire',
        message: 'Signature expired: the timestamp differs from the server time by more than 5 minutes.',
      };
    const signedHeaders = signedList.split(';');
    const failure = {
      code: 'AuthFailure.SignatureFailure',
      message: 'The provided credentials could not be validated. Please check your signature is correct.',
    };
    if (service !== (this.options.service ?? 'sms') || date !== tc3Date(timestamp)) return failure;
    if (!signedHeaders.includes('content-type') || !signedHeaders.includes('host')) return failure;
    const q = url.indexOf('?');
    const expected = tc3Signature({
      method,
      path: q < 0 ? url : url.slice(0, q),
      query: q < 0 ? '' : url.slice(q + 1),
      headers: { ...headers, host: (headers.host ?? '').replace(/:\d+$/, '') },
      signedHeaders,
      body,
      timestamp,
      service,
      secretKey,
    }).signature;
    const a = Buffer.from(expected);
    const b = Buffer.from(signature);
    return a.length === b.length && timingSafeEqual(a, b) ? undefined : failure;
  }
}

/**
 * An agent that connects every host name to 127.0.0.1, so `sms.localhost:PORT` reaches the fake (Node does not
 * resolve `*.localhost` itself). Passing an agent also stops the SDK from routing loopback calls through `http_proxy`.
 */
export function loopbackAgent(): Agent {
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if (options.all) (callback as (err: null, addresses: LookupAddress[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
    else callback(null, '127.0.0.1', 4);
  };
  return new Agent({ lookup } as AgentOptions);
}
