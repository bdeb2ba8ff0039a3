import { createHash, createHmac } from 'node:crypto';

/** RFC 3986 percent-encoding, as both Aliyun signatures use it: encodeURIComponent plus `!'()*`. */
export function aliyunEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export interface Acs3Input {
  method: string;
  path: string;
  /** Decoded query parameters (re-encoded here, never taken raw from the wire). */
  query: Record<string, string>;
  /** Lower-cased header names; only the `signedHeaders` are read. Repeated headers already joined with `,`. */
  headers: Record<string, string>;
  signedHeaders: string[];
  body: Buffer;
  secret: string;
}

/** ACS3-HMAC-SHA256 (docs/sms-providers.md §2.3): the canonical request's hash and the hex signature. */
export function acs3Signature(input: Acs3Input): { hashedCanonicalRequest: string; signature: string } {
  const canonicalQuery = Object.keys(input.query)
    .sort()
    .map((k) => `${aliyunEncode(k)}=${aliyunEncode(input.query[k] ?? '')}`)
    .join('&');
  const signed = [...input.signedHeaders].sort();
  const canonicalHeaders = signed.map((h) => `${h}:${(input.headers[h] ?? '').trim()}\n`).join('');
  const canonicalRequest = [input.method, input.path, canonicalQuery, canonicalHeaders, signed.join(';'), sha256Hex(input.body)].join('\n');
  const hashedCanonicalRequest = sha256Hex(canonicalRequest);
  const signature = createHmac('sha256', input.secret).update(`ACS3-HMAC-SHA256\n${hashedCanonicalRequest}`).digest('hex');
  return { hashedCanonicalRequest, signature };
}

/** RPC v1 HMAC-SHA1 (docs/sms-providers.md §2.4) over every parameter except `Signature`; base64. */
export function rpcSignature(method: string, params: Record<string, string>, secret: string): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${aliyunEncode(k)}=${aliyunEncode(params[k] ?? '')}`)
    .join('&');
  const stringToSign = `${method}&${aliyunEncode('/')}&${aliyunEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}
