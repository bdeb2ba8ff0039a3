import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes are self-describing: `scrypt$N=32768,r=8,p=1$<salt base64>$<key base64>`.
 * Verification reads the parameters back from the string, so the defaults below can be raised later
 * without invalidating stored hashes. Always the async scrypt: a login must not block the event loop.
 */
const DEFAULT_PARAMS: ScryptParams = { N: 32768, r: 8, p: 1 };
const SALT_BYTES = 16;
const KEY_BYTES = 32;

// Bounds on parameters read from a stored hash, so a corrupted or planted hash cannot make one
// verification allocate gigabytes or spin for minutes.
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await deriveKey(password, salt, KEY_BYTES, DEFAULT_PARAMS);
  const { N, r, p } = DEFAULT_PARAMS;
  return `scrypt$N=${N},r=${r},p=${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `hash`. Throws only when `hash` is not a scrypt hash of ours at all. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const parsed = parseHash(hash);
  const key = await deriveKey(password, parsed.salt, parsed.key.length, parsed.params);
  return timingSafeEqual(key, parsed.key);
}

/**
 * Whether a stored hash is not the current one: another format (an import's bcrypt, PBKDF2 …) or scrypt with weaker
 * parameters than today's. The account's next successful sign-in stores the password again with the current hash.
 */
export function needsRehash(hash: string): boolean {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$/.exec(hash);
  if (!match) return true;
  const [, n, r, p] = match.map(Number) as [number, number, number, number];
  return n < DEFAULT_PARAMS.N || r < DEFAULT_PARAMS.r || p < DEFAULT_PARAMS.p;
}

let dummyHash: Promise<string> | undefined;

/**
 * Spends the same time as a real verification and returns false. Called when the username does not exist
 * (or has no password), so the response time does not tell a guesser which usernames are real.
 */
export async function dummyVerify(password: string): Promise<false> {
  dummyHash ??= hashPassword(randomBytes(16).toString('base64'));
  await verifyPassword(await dummyHash, password);
  return false;
}

function parseHash(hash: string): ParsedHash {
  const match = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/.exec(hash);
  if (!match) throw new Error('unrecognised password hash format (expected scrypt$N=…,r=…,p=…$salt$key)');
  const [, n, r, p, salt, key] = match as unknown as [string, string, string, string, string, string];
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const powerOfTwo = (params.N & (params.N - 1)) === 0;
  if (params.N < 2 || params.N > MAX_N || !powerOfTwo || params.r < 1 || params.r > MAX_R || params.p < 1 || params.p > MAX_P)
    throw new Error(`password hash has out-of-range scrypt parameters N=${n},r=${r},p=${p}`);
  const keyBytes = Buffer.from(key, 'base64');
  if (keyBytes.length < 16) throw new Error('password hash key is too short');
  return { params, salt: Buffer.from(salt, 'base64'), key: keyBytes };
}

function deriveKey(password: string, salt: Buffer, length: number, { N, r, p }: ScryptParams): Promise<Buffer> {
  // NFKC as NIST SP 800-63B advises: the same password typed through another input method (full-width
  // letters from a Chinese IME, a precomposed accent) must still match.
  // scrypt needs about 128·r·(N + p + 2) bytes; Node's default 32 MiB limit refuses N=32768,r=8 outright.
  const options: ScryptOptions = { N, r, p, maxmem: 128 * r * (N + p + 2) + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
