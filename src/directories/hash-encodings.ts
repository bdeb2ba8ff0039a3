import { timingSafeEqual } from 'node:crypto';

/** Byte equality in time that depends only on the lengths (lengths are public: they are in the stored format). */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export function utf8(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// PHC strings use unpadded base64; passlib's "adapted base64" writes `.` for `+`.
const PHC_BASE64 = /^[A-Za-z0-9+/.]+$/;

/** Standard base64, or undefined when the text is not base64 (Node's decoder would silently skip bad characters). */
export function fromBase64(text: string): Buffer | undefined {
  return BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
}

/** The unpadded base64 of PHC strings (and passlib's `.` for `+`). */
export function fromPhcBase64(text: string): Buffer | undefined {
  const unpadded = text.replace(/={1,2}$/, '');
  return PHC_BASE64.test(unpadded) ? Buffer.from(unpadded.replaceAll('.', '+'), 'base64') : undefined;
}

const BCRYPT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const STANDARD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** bcrypt's base64: the standard bit order over its own alphabet, unpadded (22 characters carry a 16-byte salt). */
export function fromBcryptBase64(text: string): Buffer {
  const standard = Array.from(text, (c) => STANDARD_ALPHABET[BCRYPT_ALPHABET.indexOf(c)] ?? '').join('');
  return Buffer.from(standard, 'base64');
}

/** A PHC string, `$id[$v=version]$params$salt$hash` (https://github.com/P-H-C/phc-string-format), salt and hash still encoded. */
export interface PhcString {
  id: string;
  version: number | undefined;
  /** The parameter field as written: `m=65536,t=2,p=1`, or passlib's bare rounds (`29000`). */
  paramText: string;
  params: Map<string, string>;
  salt: string;
  hash: string;
}

export function parsePhc(stored: string): PhcString | undefined {
  const [empty, id, ...fields] = stored.split('$');
  if (empty !== '' || !id || (fields.length !== 3 && fields.length !== 4)) return undefined;
  const version = fields.length === 4 ? /^v=(\d+)$/.exec(fields[0]!)?.[1] : undefined;
  if (fields.length === 4 && version === undefined) return undefined;
  const [paramText, salt, hash] = fields.slice(-3) as [string, string, string];
  const params = new Map(
    paramText.split(',').map((pair): [string, string] => {
      const [key = '', value = ''] = pair.split('=');
      return [key, value];
    }),
  );
  return { id, version: version === undefined ? undefined : Number(version), paramText, params, salt, hash };
}
