import { createHash, createHmac } from 'node:crypto';

const sha256Hex = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

export interface Tc3Input {
  method: string;
  path: string;
  query: string;
  /** Lower-cased names; only the `signedHeaders` are read. */
  headers: Record<string, string>;
  signedHeaders: string[];
  /** The body bytes exactly as received. */
  body: Buffer;
  /** Unix seconds (X-TC-Timestamp). */
  timestamp: number;
  service: string;
  secretKey: string;
}

/** The UTC date of a unix timestamp, as the credential scope names it. */
export function tc3Date(timestamp: number): string {
  return new Date(timestamp * 1000).toISOString().slice(0, 10);
}

/** TC3-HMAC-SHA256 (docs/sms-providers.md §3.3): the payload hash, the canonical request's hash and the hex signature. */
export function tc3Signature(input: Tc3Input): { hashedPayload: string; hashedCanonicalRequest: string; signature: string } {
  const signed = [...input.signedHeaders].sort();
  const canonicalHeaders = signed.map((h) => `${h}:${(input.headers[h] ?? '').trim().toLowerCase()}\n`).join('');
  const hashedPayload = sha256Hex(input.body);
  const canonicalRequest = [input.method, input.path, input.query, canonicalHeaders, signed.join(';'), hashedPayload].join('\n');
  const hashedCanonicalRequest = sha256Hex(canonicalRequest);
  const date = tc3Date(input.timestamp);
  const stringToSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${date}/${input.service}/tc3_request\n${hashedCanonicalRequest}`;
  const kDate = hmac(`TC3${input.secretKey}`, date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign).digest('hex');
  return { hashedPayload, hashedCanonicalRequest, signature };
}
