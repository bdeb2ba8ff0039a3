import { createHash, pbkdf2, type ScryptOptions, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { verifyPassword as verifyWecasScrypt } from '../users/password.js';
import { equalBytes, fromBase64, fromBcryptBase64, fromPhcBase64, type PhcString, parsePhc, utf8 } from './hash-encodings.js';
import { createHashThreads, type HashThreads } from './hash-threads.js';

/**
 * The password hashes existing user tables hold, each recognised by the stored string's own shape. The password is
 * hashed as the original system did (its UTF-8 bytes, not normalised), except wecas's own scrypt format, which
 * src/users/password.ts checks as it always does.
 */
export type HashFormat =
  | 'bcrypt'
  | 'pbkdf2-sha256'
  | 'argon2id'
  | 'argon2i'
  | 'scrypt'
  | 'ldap-salted-sha'
  | 'ldap-unsalted'
  | 'md5-hex'
  | 'sha1-hex';

/** Unsalted hashes: one table of precomputed hashes reverses every common password in them. */
const LEGACY_UNSALTED: ReadonlySet<HashFormat> = new Set(['ldap-unsalted', 'md5-hex', 'sha1-hex']);

/** Why a stored hash cannot be checked at all, which is not the same as a wrong password. */
export type UnusableHashReason = 'unrecognised' | 'legacy_refused' | 'out_of_bounds' | 'malformed';

/** A stored hash that cannot be checked. Its message describes the hash's format, never the hash itself. */
export class UnusableHash extends Error {
  override name = 'UnusableHash';
  constructor(
    readonly reason: UnusableHashReason,
    readonly format: HashFormat | undefined,
    message: string,
  ) {
    super(message);
  }
}

// Bounds on the cost parameters a stored hash names, so a planted or corrupted one cannot make a check run for
// minutes or take gigabytes. Each is well above what the libraries that write these formats use today.
const BCRYPT_MAX_COST = 14; // PHP, Spring and Django write 10-12; each step doubles the time
const PBKDF2_MAX_ITERATIONS = 5_000_000; // Django 5.2 writes 1,000,000
const ARGON2_MAX_MEMORY_KIB = 256 * 1024; // PHP and argon2-cffi write 64 MiB, OWASP suggests 19-46 MiB
const ARGON2_MAX_PASSES = 10;
const ARGON2_MAX_LANES = 16;
const SCRYPT_MAX_LOG_N = 20; // as src/users/password.ts bounds its own scrypt hashes
const SCRYPT_MAX_R = 32;
const SCRYPT_MAX_P = 16;
// A derived key longer than the hash's own output multiplies PBKDF2's work; no format here stores more than 64 bytes.
const KEY_BYTES = { min: 16, max: 64 };

export interface PasswordHashPolicy {
  /** Accept unsalted MD5 and SHA-1 (hex, and LDAP's `{SHA}`, `{MD5}`…): off unless an operator turns it on knowingly. */
  legacyUnsaltedHashes: boolean;
}

export interface PasswordHashVerifier {
  /** Whether `password` matches `stored`; throws UnusableHash when `stored` cannot be checked under this policy. */
  verify(stored: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}

type Verify = (stored: string, password: string, threads: HashThreads) => Promise<boolean>;

const FORMATS: ReadonlyArray<{ format: HashFormat; shape: RegExp; verify: Verify }> = [
  { format: 'bcrypt', shape: /^\$2[aby]\$/, verify: verifyBcrypt },
  { format: 'pbkdf2-sha256', shape: /^(pbkdf2_sha256\$|\$pbkdf2-sha256\$)/, verify: verifyPbkdf2 },
  { format: 'argon2id', shape: /^\$argon2id\$/, verify: verifyArgon2 },
  { format: 'argon2i', shape: /^\$argon2i\$/, verify: verifyArgon2 },
  { format: 'scrypt', shape: /^(scrypt\$|\$scrypt\$)/, verify: verifyScrypt },
  { format: 'ldap-salted-sha', shape: /^\{SSHA(256|512)?\}/i, verify: verifyLdap },
  { format: 'ldap-unsalted', shape: /^\{(SHA|SHA256|SHA512|MD5)\}/i, verify: verifyLdap },
  { format: 'md5-hex', shape: /^[0-9a-f]{32}$/i, verify: verifyHex },
  { format: 'sha1-hex', shape: /^[0-9a-f]{40}$/i, verify: verifyHex },
];

/** The format of a stored hash, by its shape alone; undefined when it is none of these. */
export function identifyHash(stored: string): HashFormat | undefined {
  return FORMATS.find((f) => f.shape.test(stored))?.format;
}

export function createPasswordHashVerifier(policy: PasswordHashPolicy, threads: HashThreads = createHashThreads()): PasswordHashVerifier {
  return {
    async verify(stored, password) {
      const known = FORMATS.find((f) => f.shape.test(stored));
      if (!known) throw new UnusableHash('unrecognised', undefined, `unrecognised password hash format (${shapeOf(stored)})`);
      if (LEGACY_UNSALTED.has(known.format) && !policy.legacyUnsaltedHashes)
        throw new UnusableHash('legacy_refused', known.format, `${known.format} is an unsalted hash, accepted only with the legacy-hash switch on`);
      return known.verify(stored, password, threads);
    },
    close: () => threads.close(),
  };
}

/** Enough of a hash's shape to tell an operator what the column holds, nothing of its secret part. */
function shapeOf(stored: string): string {
  const scheme = /^(\$[A-Za-z0-9-]{1,20}\$|\{[A-Za-z0-9-]{1,20}\}|[a-z0-9_]{1,20}\$)/.exec(stored)?.[1];
  return `${scheme ? `starts with ${scheme}, ` : ''}${stored.length} characters`;
}

const malformed = (format: HashFormat, what: string) => new UnusableHash('malformed', format, `${format} hash: ${what}`);

function within(format: HashFormat, name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max)
    throw new UnusableHash('out_of_bounds', format, `${format} hash: ${name} ${value} is outside ${min}-${max}`);
  return value;
}

function keyOf(format: HashFormat, key: Buffer | undefined): Buffer {
  if (!key) throw malformed(format, 'its hash is not base64');
  within(format, 'hash length', key.length, KEY_BYTES.min, KEY_BYTES.max);
  return key;
}

const BCRYPT = /^\$2[aby]\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/;

/** `$2a$`, `$2b$` and `$2y$` differ only in bugs of old implementations that wrote `$2a$`/`$2x$` with 8-bit passwords. */
async function verifyBcrypt(stored: string, password: string, threads: HashThreads): Promise<boolean> {
  const match = BCRYPT.exec(stored);
  if (!match) throw malformed('bcrypt', 'not $2b$<cost>$<53 characters>');
  const costFactor = within('bcrypt', 'cost', Number(match[1]), 4, BCRYPT_MAX_COST);
  const encoded = await threads.run({ kind: 'bcrypt', password: bcryptKey(password), salt: fromBcryptBase64(match[2]!), costFactor });
  return equalBytes(Buffer.from(String(encoded).slice(-31)), Buffer.from(match[3]!));
}

/**
 * bcrypt keys with the password's bytes and a terminating NUL, cycled, and reads at most 72 bytes: the systems that
 * wrote these hashes ignored the rest, hash-wasm refuses it. hash-wasm also refuses an empty password, whose key
 * ("\0" cycled) is the same as that of the one-byte password "\0".
 */
function bcryptKey(password: string): Uint8Array {
  const bytes = utf8(password).subarray(0, 72);
  return bytes.length > 0 ? bytes : new Uint8Array(1);
}

const DJANGO_PBKDF2 = /^pbkdf2_sha256\$(\d+)\$([^$]+)\$([^$]+)$/;

/** Django's `pbkdf2_sha256$iterations$salt$hash` (the salt used as text), or passlib's and PHC's `$pbkdf2-sha256$…`. */
async function verifyPbkdf2(stored: string, password: string): Promise<boolean> {
  const django = DJANGO_PBKDF2.exec(stored);
  const phc = django ? undefined : parsePhc(stored);
  if (!django && !phc) throw malformed('pbkdf2-sha256', 'not pbkdf2_sha256$<iterations>$<salt>$<hash> or $pbkdf2-sha256$<iterations>$<salt>$<hash>');
  const iterations = Number(django ? django[1] : pbkdf2Rounds(phc!));
  within('pbkdf2-sha256', 'iterations', iterations, 1, PBKDF2_MAX_ITERATIONS);
  const salt = django ? utf8(django[2]!) : fromPhcBase64(phc!.salt);
  if (!salt) throw malformed('pbkdf2-sha256', 'its salt is not base64');
  const key = keyOf('pbkdf2-sha256', django ? fromBase64(django[3]!) : fromPhcBase64(phc!.hash));
  return equalBytes(await promisify(pbkdf2)(utf8(password), salt, iterations, key.length, 'sha256'), key);
}

/** passlib writes the rounds alone (`$29000$`), PHC libraries as `i=29000[,l=32]`. */
function pbkdf2Rounds(phc: PhcString): string | undefined {
  return /^\d+$/.test(phc.paramText) ? phc.paramText : phc.params.get('i');
}

async function verifyArgon2(stored: string, password: string, threads: HashThreads): Promise<boolean> {
  const phc = parsePhc(stored);
  const kind = phc?.id === 'argon2i' ? 'argon2i' : 'argon2id';
  if (!phc) throw malformed(kind, 'not $argon2id$v=19$m=…,t=…,p=…$<salt>$<hash>');
  // hash-wasm computes version 0x13 (19) only; version 16 hashes come from argon2 releases before 2016.
  if (phc.version !== 19) throw new UnusableHash('unrecognised', kind, `${kind} hash: version ${phc.version ?? 16} is not supported (only v=19)`);
  const unknown = [...phc.params.keys()].filter((k) => !['m', 't', 'p'].includes(k));
  if (unknown.length > 0) throw malformed(kind, `unsupported parameters ${unknown.join(', ')}`);
  const parallelism = within(kind, 'p', Number(phc.params.get('p')), 1, ARGON2_MAX_LANES);
  const memorySize = within(kind, 'm', Number(phc.params.get('m')), 8 * parallelism, ARGON2_MAX_MEMORY_KIB);
  const iterations = within(kind, 't', Number(phc.params.get('t')), 1, ARGON2_MAX_PASSES);
  const salt = fromPhcBase64(phc.salt);
  if (!salt || salt.length < 8) throw malformed(kind, 'its salt is not base64 of at least 8 bytes');
  const key = keyOf(kind, fromPhcBase64(phc.hash));
  const derived = await threads.run({ kind, password: utf8(password), salt, iterations, parallelism, memorySize, hashLength: key.length });
  return equalBytes(derived as Uint8Array, key);
}

/** wecas's own `scrypt$N=…,r=…,p=…$salt$key`, or the PHC/passlib `$scrypt$ln=…,r=…,p=…$salt$hash`. */
async function verifyScrypt(stored: string, password: string): Promise<boolean> {
  if (stored.startsWith('scrypt$')) {
    try {
      return await verifyWecasScrypt(stored, password);
    } catch (err) {
      throw malformed('scrypt', err instanceof Error ? err.message : String(err));
    }
  }
  const phc = parsePhc(stored);
  if (!phc) throw malformed('scrypt', 'not $scrypt$ln=…,r=…,p=…$<salt>$<hash>');
  const N = 2 ** within('scrypt', 'ln', Number(phc.params.get('ln')), 1, SCRYPT_MAX_LOG_N);
  const r = within('scrypt', 'r', Number(phc.params.get('r')), 1, SCRYPT_MAX_R);
  const p = within('scrypt', 'p', Number(phc.params.get('p')), 1, SCRYPT_MAX_P);
  const salt = fromPhcBase64(phc.salt);
  if (!salt) throw malformed('scrypt', 'its salt is not base64');
  const key = keyOf('scrypt', fromPhcBase64(phc.hash));
  // scrypt needs about 128·r·(N + p + 2) bytes; Node's default 32 MiB limit would refuse common parameters.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * r * (N + p + 2) + 1024 * 1024 };
  const derived = await new Promise<Buffer>((resolve, reject) => {
    scrypt(utf8(password), salt, key.length, options, (err, out) => (err ? reject(err) : resolve(out)));
  });
  return equalBytes(derived, key);
}

const LDAP_DIGESTS: Record<string, { algorithm: string; bytes: number; salted: boolean }> = {
  SSHA: { algorithm: 'sha1', bytes: 20, salted: true },
  SSHA256: { algorithm: 'sha256', bytes: 32, salted: true },
  SSHA512: { algorithm: 'sha512', bytes: 64, salted: true },
  SHA: { algorithm: 'sha1', bytes: 20, salted: false },
  SHA256: { algorithm: 'sha256', bytes: 32, salted: false },
  SHA512: { algorithm: 'sha512', bytes: 64, salted: false },
  MD5: { algorithm: 'md5', bytes: 16, salted: false },
};

/** RFC 2307 style, as OpenLDAP's slappasswd writes it: `{SSHA}` + base64(digest(password + salt) + salt). */
async function verifyLdap(stored: string, password: string): Promise<boolean> {
  const [, scheme = '', encoded = ''] = /^\{([A-Za-z0-9]+)\}(.*)$/.exec(stored) ?? [];
  const digest = LDAP_DIGESTS[scheme.toUpperCase()];
  const format = digest?.salted ? 'ldap-salted-sha' : 'ldap-unsalted';
  const bytes = fromBase64(encoded);
  if (!digest || !bytes) throw malformed(format, `{${scheme}} value is not base64`);
  const wellFormed = digest.salted ? bytes.length > digest.bytes : bytes.length === digest.bytes;
  if (!wellFormed)
    throw malformed(format, `{${scheme}} value has ${bytes.length} bytes, not a ${digest.algorithm} digest${digest.salted ? ' and a salt' : ''}`);
  const salt = bytes.subarray(digest.bytes);
  const computed = createHash(digest.algorithm).update(utf8(password)).update(salt).digest();
  return equalBytes(computed, bytes.subarray(0, digest.bytes));
}

/** Unsalted MD5 (32 hex digits) or SHA-1 (40), as old PHP and Java systems stored them. */
async function verifyHex(stored: string, password: string): Promise<boolean> {
  const algorithm = stored.length === 32 ? 'md5' : 'sha1';
  return equalBytes(createHash(algorithm).update(utf8(password)).digest(), Buffer.from(stored.toLowerCase(), 'hex'));
}
