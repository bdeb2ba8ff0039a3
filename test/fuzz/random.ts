// Seeded randomness and hostile strings for the request fuzzer: one small PRNG (no dependency), pools of characters
// that break parsers, and mutations of a good value into a bad one. Everything is a pure function of the seed.

/** The seed of a fuzz run: FUZZ_SEED (decimal or 0x hex), or the fixed default so `npm test` is reproducible. */
export function fuzzSeed(defaultSeed: number): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw.trim() === '') return defaultSeed;
  const n = Number(raw.trim());
  if (!Number.isSafeInteger(n)) throw new Error(`FUZZ_SEED must be an integer, got ${raw}`);
  return n >>> 0;
}

/** A small, fast, seedable PRNG (sfc32), seeded from two integers so request i of run s has its own stream. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number, stream = 0) {
    this.a = 0x9e3779b9 ^ seed;
    this.b = 0x243f6a88 ^ Math.imul(stream + 1, 0x85ebca6b);
    this.c = 0xb7e15162 ^ Math.imul(seed, 0xc2b2ae35);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)]!;
  }

  /** One of the entries, by weight. */
  weighted<T>(entries: ReadonlyArray<readonly [number, T]>): T {
    const total = entries.reduce((sum, [w]) => sum + w, 0);
    let x = this.next() * total;
    for (const [w, value] of entries) {
      x -= w;
      if (x < 0) return value;
    }
    return entries[entries.length - 1]![1];
  }
}

/** Characters that break things, in groups so a mutation can aim at one kind of trouble. */
export const CHARS = {
  controls: ['\u0000', '\u0001', '\u0007', '\b', '\t', '\n', '\u000b', '\f', '\r', '\u001b', '\u001f', '\u007f', '\u0085', '\u00a0'],
  unicode: [
    'ü',
    'ß',
    'İ',
    'ﬀ',
    '中文',
    '例',
    'я',
    'ا',
    '\u202e',
    '\u200b',
    '\u200d',
    '\ufeff',
    '\u2028',
    '\u2029',
    '😀',
    '🌸',
    '\ufffd',
    '\uffff',
    '\ufffe',
    '\ud800',
    '\udfff',
    'ａ',
    '。',
    '．',
    '／',
    '＼',
    'Ⅻ',
    'ǅ',
  ],
  url: ['%', '&', '=', '?', '#', '/', '\\', '@', ':', ';', '+', ' ', '"', "'", '<', '>', '`', '{', '}', '|', '^', '[', ']', '$', ',', '*', '!', '~'],
  escapes: [
    '%',
    '%%',
    '%zz',
    '%0',
    '%00',
    '%0d%0a',
    '%0A',
    '%25',
    '%2525',
    '%ff',
    '%c3%28',
    '%c0%ae',
    '%e2%80%ae',
    '%2e%2e%2f',
    '%5c',
    '%2f',
    '%3f',
    '%23',
    '%40',
    '%u0041',
    '%C3%BC',
  ],
  markup: [
    '<',
    '>',
    '&',
    '&amp;',
    '&#0;',
    '&#x1;',
    '&lt;',
    ']]>',
    '<![CDATA[',
    '<!--',
    '-->',
    '<?xml',
    '"',
    "'",
    '<script>alert(1)</script>',
    '{{',
    '<%= it %>',
    '$' + '{x}',
  ],
  traversal: ['..', '../', '..\\', '/../', '/..', '/./', '//', '..%2f', '%2e%2e/', '.%2e', '..;/', '..%5c', '%252e%252e%252f', '/%2e/'],
} as const;

const ALL_GROUPS = Object.values(CHARS) as ReadonlyArray<readonly string[]>;

/** A short hostile fragment from any group (or one group). */
export function hostileFragment(rng: Rng, group?: keyof typeof CHARS): string {
  return rng.pick(group ? CHARS[group] : rng.pick(ALL_GROUPS));
}

/** Random printable ASCII of a given length. */
export function asciiString(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += String.fromCharCode(rng.between(0x20, 0x7e));
  return s;
}

/** Random UTF-16 code units, lone surrogates included: what a broken client may put in a string. */
export function anyString(rng: Rng, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) {
    s += rng.weighted<() => string>([
      [6, () => String.fromCharCode(rng.between(0x20, 0x7e))],
      [1, () => String.fromCharCode(rng.between(0, 0x1f))],
      [2, () => String.fromCharCode(rng.between(0x80, 0x7ff))],
      [2, () => String.fromCharCode(rng.between(0x800, 0xffff))],
      [1, () => String.fromCodePoint(rng.between(0x10000, 0x10ffff))],
    ])();
  }
  return s;
}

/** A long string: the repeated seed, up to `max` characters. */
export function longString(rng: Rng, seed: string, max: number): string {
  const unit = seed || 'a';
  return unit.repeat(Math.ceil(rng.between(Math.min(300, max), max) / unit.length)).slice(0, max);
}

/**
 * Percent-encodes the UTF-8 bytes of `s` (lone surrogates become EF BF BD, as a UTF-8 encoder writes them),
 * leaving RFC 3986 unreserved characters and `keep` as they are.
 */
export function percentEncode(s: string, keep = ''): string {
  let out = '';
  for (const ch of s) {
    if (/^[A-Za-z0-9\-._~]$/.test(ch) || (keep.includes(ch) && ch.length === 1)) out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * What a sloppy client puts on the request line: only what HTTP cannot carry at all (bytes outside printable
 * ASCII, space, `#`) is encoded; `%`, `\`, quotes, brackets and the like go as they are, so malformed escapes reach
 * the server.
 */
export function sloppyEncode(s: string): string {
  let out = '';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (code > 0x20 && code < 0x7f && ch !== '#') out += ch;
    else for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Every character's UTF-8 bytes encoded, unreserved ones included (`a` → `%61`). */
export function encodeEverything(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** A good value made bad: one to three mutations, each aimed at a way parsers and encoders break. */
export function mutate(rng: Rng, value: string): string {
  let s = value;
  const rounds = rng.between(1, 3);
  for (let i = 0; i < rounds; i++) s = rng.pick(MUTATIONS)(rng, s);
  return s;
}

type Mutation = (rng: Rng, s: string) => string;

const at = (rng: Rng, s: string) => rng.int(s.length + 1);

const MUTATIONS: Mutation[] = [
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + hostileFragment(rng) + s.slice(i);
  },
  (rng, s) => s + hostileFragment(rng),
  (rng, s) => hostileFragment(rng) + s,
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + hostileFragment(rng, 'controls') + s.slice(i);
  },
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + hostileFragment(rng, 'unicode') + s.slice(i);
  },
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + hostileFragment(rng, 'escapes') + s.slice(i);
  },
  (rng, s) => {
    const i = at(rng, s);
    return s.slice(0, i) + hostileFragment(rng, 'traversal') + s.slice(i);
  },
  (rng, s) => s.slice(0, at(rng, s)),
  (rng, s) => {
    const i = at(rng, s);
    const j = Math.min(s.length, i + rng.between(1, 8));
    return s.slice(0, i) + s.slice(j);
  },
  (rng, s) => longString(rng, s, rng.chance(0.2) ? 70_000 : rng.pick([300, 2049, 5000, 9000])),
  (rng, s) => s.repeat(rng.between(2, 4)),
  (_rng, s) => s.toUpperCase(),
  (_rng, s) => s.toLowerCase(),
  (rng, s) => [...s].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c)).join(''),
  (_rng, s) => percentEncode(s),
  (_rng, s) => encodeEverything(s),
  (_rng, s) => percentEncode(percentEncode(s)),
  (rng) => anyString(rng, rng.between(0, 24)),
  (rng, s) => s + anyString(rng, rng.between(1, 12)),
  (rng) => asciiString(rng, rng.between(0, 40)),
  () => '',
  (rng, s) => hostileFragment(rng, 'markup') + s + hostileFragment(rng, 'markup'),
];
