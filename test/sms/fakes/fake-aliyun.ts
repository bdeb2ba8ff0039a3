import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { acs3Signature, rpcSignature } from './aliyun-signature.js';
import { FakeSmsProvider, headerMap, sendJson } from './fake-provider.js';

export interface FakeAliyunOptions {
  /** AccessKeyId → AccessKeySecret. */
  accessKeys: Record<string, string>;
  /** The approved sign and template; anything else is refused as Aliyun does. */
  signName: string;
  templateCode: string;
  /** Further approved templates and the variables each has: code templates (`code`) and notices (`time`, `ip`). */
  templates?: Record<string, string[]>;
  /** The fake's idea of now, for the ±15 min freshness check. */
  now?: () => number;
}

/** Gateway-level codes (4xx, thrown by the SDK); every other code is a business answer (HTTP 200). */
const GATEWAY_STATUS: Record<string, number> = {
  'InvalidAccessKeyId.NotFound': 404,
  SignatureDoesNotMatch: 400,
  IncompleteSignature: 400,
  'InvalidTimeStamp.Expired': 400,
  SignatureNonceUsed: 400,
  'Throttling.User': 400,
  'Throttling.Api': 400,
  InvalidAction: 400,
  MissingParameter: 400,
  InternalError: 500,
  ServiceUnavailable: 503,
};

const REQUIRED_SIGNED = ['host', 'x-acs-action', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-version'];
const FRESHNESS_MS = 15 * 60 * 1000;

/**
 * Aliyun Dysmsapi SendSms (2017-05-25) on loopback, following docs/sms-providers.md §4.1: it recomputes the ACS3-HMAC-SHA256 (or RPC v1)
 * signature with the caller's secret, checks freshness and nonces, then answers in Aliyun's own bodies.
 */
export class FakeAliyunSms extends FakeSmsProvider {
  private readonly nonces = new Set<string>();
  constructor(private readonly options: FakeAliyunOptions) {
    super();
  }

  /** `127.0.0.1:PORT`: host and port only, as the SDK's `endpoint` wants it. */
  get endpoint(): string {
    return `127.0.0.1:${this.port}`;
  }

  protected handle(req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const query = parseQuery(q < 0 ? '' : url.slice(q + 1));
    const headers = headerMap(req);
    const method = req.method ?? 'GET';

    const authFailure = headers.authorization
      ? this.checkAcs3(method, path, query, headers, body)
      : query.Signature
        ? this.checkRpc(method, query)
        : { code: 'MissingParameter', message: 'Signature is mandatory for this action.' };
    if (authFailure) return this.gatewayError(res, authFailure.code, authFailure.message);

    const action = headers['x-acs-action'] ?? query.Action;
    const version = headers['x-acs-version'] ?? query.Version;
    if (action !== 'SendSms' || version !== '2017-05-25')
      return this.gatewayError(res, 'InvalidAction', `Specified api ${action}/${version} is not found.`);

    const outcome = this.nextOutcome();
    if (outcome?.type === 'hang') return this.hang(res);
    if (outcome?.type === 'raw') {
      res.writeHead(outcome.status, { 'content-type': outcome.contentType });
      return void res.end(outcome.body);
    }
    if (outcome?.type === 'error') {
      if (Object.hasOwn(GATEWAY_STATUS, outcome.code)) return this.gatewayError(res, outcome.code, outcome.message ?? outcome.code);
      return this.business(res, outcome.code, outcome.message ?? outcome.code);
    }
    this.sendSms(res, query);
  }

  private checkAcs3(method: string, path: string, query: Record<string, string>, headers: Record<string, string>, body: Buffer) {
    const match = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]{64})$/.exec(headers.authorization ?? '');
    if (!match) return { code: 'IncompleteSignature', message: 'The request signature does not conform to Aliyun standards.' };
    const [, accessKeyId = '', signedList = '', signature = ''] = match;
    const secret = this.options.accessKeys[accessKeyId];
    if (secret === undefined) return { code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' };
    const signedHeaders = signedList.split(';');
    if (!REQUIRED_SIGNED.every((h) => signedHeaders.includes(h)))
      return { code: 'IncompleteSignature', message: 'The request signature does not conform to Aliyun standards.' };
    if (createHash('sha256').update(body).digest('hex') !== headers['x-acs-content-sha256'])
      return { code: 'SignatureDoesNotMatch', message: 'Specified signature does not match our calculation.' };
    const fresh = this.freshness(headers['x-acs-date'], headers['x-acs-signature-nonce']);
    if (fresh) return fresh;
    const expected = acs3Signature({ method, path, query, headers, signedHeaders, body, secret }).signature;
    if (!sameText(expected, signature)) return { code: 'SignatureDoesNotMatch', message: 'Specified signature does not match our calculation.' };
    return undefined;
  }

  private checkRpc(method: string, query: Record<string, string>) {
    const secret = this.options.accessKeys[query.AccessKeyId ?? ''];
    if (secret === undefined) return { code: 'InvalidAccessKeyId.NotFound', message: 'Specified access key is not found.' };
    const fresh = this.freshness(query.Timestamp, query.SignatureNonce);
    if (fresh) return fresh;
    if (!sameText(rpcSignature(method, query, secret), query.Signature ?? ''))
      return { code: 'SignatureDoesNotMatch', message: 'Specified signature is not matched with our calculation.' };
    return undefined;
  }

  private freshness(date: string | undefined, nonce: string | undefined) {
    const at = date ? Date.parse(date) : NaN;
    const now = (this.options.now ?? Date.now)();
    if (!Number.isFinite(at) || Math.abs(now - at) > FRESHNESS_MS)
      return { code: 'InvalidTimeStamp.Expired', message: 'Specified time stamp or date value is expired.' };
    if (!nonce || this.nonces.has(nonce)) return { code: 'SignatureNonceUsed', message: 'Specified signature nonce was used already.' };
    this.nonces.add(nonce);
    return undefined;
  }

  private sendSms(res: ServerResponse, query: Record<string, string>) {
    const { PhoneNumbers: phones, SignName: signName, TemplateCode: templateCode, TemplateParam: templateParam } = query;
    if (!phones || !signName || !templateCode)
      return this.gatewayError(res, 'MissingParameter', 'PhoneNumbers, SignName and TemplateCode are mandatory.');
    if (signName !== this.options.signName) return this.business(res, 'isv.SMS_SIGNATURE_ILLEGAL', '该账号下找不到对应签名');
    const other = templateCode === this.options.templateCode ? undefined : this.options.templates?.[templateCode];
    if (templateCode !== this.options.templateCode && !other) return this.business(res, 'isv.SMS_TEMPLATE_ILLEGAL', '该账号下找不到对应模板');
    const params = parseTemplateParam(templateParam);
    if (other) {
      // Another approved template: every variable it has must be given (Aliyun refuses a message with one missing).
      if (!params) return this.business(res, 'isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
      if (!other.every((v) => typeof params[v] === 'string')) return this.business(res, 'isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
      const numbers = phones.split(',');
      if (!numbers.every(isAliyunNumber)) return this.business(res, 'isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
      for (const n of numbers) this.delivered.push({ phone: toE164(n), code: params.code ?? '', template: templateCode, params: { ...params } });
      return sendJson(res, 200, { Code: 'OK', Message: 'OK', BizId: `${Date.now()}^0`, RequestId: randomUUID().toUpperCase() });
    }
    if (!params) return this.business(res, 'isv.INVALID_JSON_PARAM', 'JSON参数不合法，只接受字符串值');
    if (!params.code) return this.business(res, 'isv.TEMPLATE_MISSING_PARAMETERS', '模板缺少变量');
    const numbers = phones.split(',');
    if (!numbers.every(isAliyunNumber)) return this.business(res, 'isv.MOBILE_NUMBER_ILLEGAL', '非法手机号');
    for (const n of numbers) this.delivered.push({ phone: toE164(n), code: params.code });
    sendJson(res, 200, { Code: 'OK', Message: 'OK', BizId: `${Date.now()}^0`, RequestId: randomUUID().toUpperCase() });
  }

  private business(res: ServerResponse, code: string, message: string): void {
    sendJson(res, 200, { Code: code, Message: message, RequestId: randomUUID().toUpperCase() });
  }

  private gatewayError(res: ServerResponse, code: string, message: string): void {
    this.refused.push(code);
    const requestId = randomUUID().toUpperCase();
    sendJson(res, GATEWAY_STATUS[code] ?? 400, {
      RequestId: requestId,
      HostId: 'dysmsapi.aliyuncs.com',
      Code: code,
      Message: message,
      Recommend: `https://api.aliyun.com/troubleshoot?q=${code}&product=Dysmsapi&requestId=${requestId}`,
    });
  }
}

/** Decodes the wire query strictly: `%2B` is a plus, a bare `+` stays a plus (querystring.stringify never sends one). */
function parseQuery(raw: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const pair of raw.split('&').filter(Boolean)) {
    const eq = pair.indexOf('=');
    const key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
    query[key] = eq < 0 ? '' : decodeURIComponent(pair.slice(eq + 1));
  }
  return query;
}

function parseTemplateParam(text: string | undefined): Record<string, string> | undefined {
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
    return Object.values(value).every((v) => typeof v === 'string') ? (value as Record<string, string>) : undefined;
  } catch {
    return undefined;
  }
}

/** Domestic: 11 digits, optionally with +, +86, 0086 or 86; international: country code and number, digits only. */
function isAliyunNumber(n: string): boolean {
  return /^(?:\+?86|0086|\+)?1\d{10}$/.test(n) || /^(?:00|\+)?[1-9]\d{6,14}$/.test(n);
}

function toE164(n: string): string {
  if (/^1\d{10}$/.test(n)) return `+86${n}`;
  return `+${n.replace(/^(\+|00)/, '')}`;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
