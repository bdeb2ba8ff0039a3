/**
 * Property-based tests of service-URL canonicalisation and matching (src/services/url.ts, src/services/matching.ts)
 * against registered exact, prefix and regex patterns, with generated hosts (ASCII, IDN, IP), ports, paths
 * (Unicode, escapes, dot segments), queries, fragments, user-info and case changes.
 *
 * "Outside" is defined without the implementation: an outside URL is built from the pattern's parts by changing
 * what a browser and a server act on — the scheme, the host, the port, or a path that does not extend the
 * pattern's at a boundary (a sibling such as /appzz, or a climb out through dot segments written plainly, encoded,
 * after an undecodable byte, with a backslash or with Tomcat's `;parameters`, as a server that decodes %XX byte by
 * byte and then resolves dot segments reads it) — and, for regex patterns, a URL the anchored literal-plus-tail cannot match by construction.
 *
 * Seeded like the request fuzzer: FUZZ_SEED (default below), FUZZ_RUNS runs per property (default 1000).
 * fast-check prints the seed and the counterexample's path on failure.
 */
import { domainToASCII } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileService, findMatchingService } from '../../src/services/matching.js';
import { type MatchType, POLICY_DEFAULTS, type RegisteredService } from '../../src/services/types.js';
import { canonicalServiceUrl, sameService } from '../../src/services/url.js';
import { fuzzSeed } from './random.js';

const SEED = fuzzSeed(20261130);
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
/** Each property its own seed, so adding one does not change the others' inputs. */
const run = (n: number) => ({ seed: SEED + n, numRuns: RUNS });

// ---------------------------------------------------------------------------------------------------------------
// URLs from parts

interface Parts {
  scheme: 'http' | 'https';
  /** As registered: lower-case ASCII labels, Unicode (IDN) labels, or an IP. */
  host: string;
  /** An explicit port that is not the scheme's default; undefined for the default. */
  port: number | undefined;
  /** Path segments as written: safe characters, Unicode, escapes of ordinary characters; never a dot segment. */
  segments: string[];
  /** The path ends with `/`. */
  slash: boolean;
  /** `a=1&b=x`, without the `?`. */
  query: string | undefined;
}

const DEFAULT_PORT = { http: 80, https: 443 } as const;
const MARKER = 'zz-outside'; // never a generated segment (those have no `-` and at most 8 characters)
const EVIL = 'zz-evil.net'; // never a generated host (generated labels have no `-`)

const pathOf = (p: Parts) => `/${p.segments.join('/')}${p.slash && p.segments.length ? '/' : ''}`;
const authority = (p: Parts, host = p.host) => `${host}${p.port ? `:${p.port}` : ''}`;
const queryOf = (p: Parts) => (p.query === undefined ? '' : `?${p.query}`);
const urlOf = (p: Parts, over: { scheme?: string; authority?: string; path?: string; query?: string } = {}) =>
  `${over.scheme ?? p.scheme}://${over.authority ?? authority(p)}${over.path ?? pathOf(p)}${over.query ?? queryOf(p)}`;

/** The host as DNS and the canonical form have it (Node's UTS #46 conversion, not wecas's). */
function asciiHost(host: string): string {
  return host.startsWith('[') ? host : domainToASCII(host);
}

/** The path as the canonical form has it (escapes of ordinary characters decoded; raw characters as they are). */
function decodedPath(p: Parts): string {
  return decodeURIComponent(pathOf(p));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function percent(ch: string): string {
  return [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries

const asciiLabel = fc.stringMatching(/^[a-z][a-z0-9]{0,7}$/);
/** IDN labels whose upper case maps back to them (no ß, no final sigma). */
const idnLabel = fc.constantFrom('bücher', 'münchen', 'ölbaum', '例え', '中文', 'пример', 'ελλάδα');
const tld = fc.constantFrom('org', 'com', 'edu', 'cn', 'net');

const hostArb = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.array(asciiLabel, { minLength: 1, maxLength: 2 }), tld).map(([labels, t]) => [...labels, t].join('.')) },
  { weight: 2, arbitrary: fc.tuple(idnLabel, tld).map(([label, t]) => `${label}.${t}`) },
  { weight: 1, arbitrary: fc.constantFrom('localhost', '127.0.0.1', '[::1]') },
);

const plainSegment = fc.stringMatching(/^[A-Za-z0-9_~]{1,8}$/);
const segmentArb = fc.oneof(
  { weight: 6, arbitrary: plainSegment },
  {
    weight: 1,
    arbitrary: fc.constantFrom('路径', 'ü', 'Straße', 'a b', 'x+y', 'a;b', "it's", '(x)', '@', ':', '!', '$', '*', ',', '=', 'a.b', '.x', 'x.'),
  },
  { weight: 1, arbitrary: fc.constantFrom('%41', '%E4%B8%AD', '%20', '%7E', '%C3%BC', 'a%2Fb') },
);

const queryArb = fc.option(
  fc
    .array(fc.tuple(fc.stringMatching(/^[a-z]{1,4}$/), fc.stringMatching(/^[A-Za-z0-9]{0,6}$/)), { minLength: 1, maxLength: 3 })
    .map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
  { nil: undefined },
);

const partsArb: fc.Arbitrary<Parts> = fc.record({
  scheme: fc.constantFrom('http' as const, 'https' as const),
  host: hostArb,
  port: fc.option(fc.constantFrom(8080, 8443, 444, 81, 3000), { nil: undefined }),
  segments: fc.array(segmentArb, { maxLength: 4 }),
  slash: fc.boolean(),
  query: queryArb,
});

/** Parts with at least one path segment: a prefix that can be climbed out of, or extended without a boundary. */
const deepPartsArb = partsArb.filter((p) => p.segments.length > 0);

/** Segments that make canonicalisation work: every kind of escape, dot segments plain and encoded, backslashes. */
const messySegment = fc.oneof(
  segmentArb,
  fc.constantFrom('%25', '%2541', '%23', '%3F', '%2F', '%5C', '%0A', '%00', '%7F', '%FF', '%zz', '%', '%C3%28', '%E4%B8', '%ff%61'),
  fc.constantFrom('.', '..', '%2e', '%2E%2E', '.%2e', '..%2F', '%2e%2e%2f', '\\', '..\\', '%252e%252e', '..;'),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

/** Any URL-like string near a service URL: parts with messy segments, odd spellings, and fast-check's web URLs. */
const messyUrlArb = fc.oneof(
  fc
    .record({
      parts: partsArb,
      segments: fc.array(messySegment, { maxLength: 5 }),
      upper: fc.boolean(),
      fragment: fc.option(fc.constantFrom('#', '#f', '#a?b', '#%2F'), { nil: undefined }),
      query: fc.option(
        fc.array(messySegment, { maxLength: 3 }).map((xs) => xs.join('&')),
        { nil: undefined },
      ),
    })
    .map(({ parts, segments, upper, fragment, query }) => {
      const u = urlOf({ ...parts, segments, query: query ?? parts.query });
      return (upper ? u.replace(/^[a-z]+:\/\/[^/]*/, (m) => m.toUpperCase()) : u) + (fragment ?? '');
    }),
  fc.webUrl({ validSchemes: ['http', 'https'], withQueryParameters: true, withFragments: true }),
);

// ---------------------------------------------------------------------------------------------------------------
// Registering and matching

let nextId = 1;
function service(pattern: string, matchType: MatchType): RegisteredService {
  return {
    id: nextId++,
    name: 'generated',
    description: null,
    pattern,
    matchType,
    evaluationOrder: 0,
    attributes: [],
    ...POLICY_DEFAULTS,
    logoutType: 'none',
    logoutUrl: null,
    proxyPattern: null,
    enabled: true,
  };
}

function matches(pattern: string, matchType: MatchType, url: string): boolean {
  return findMatchingService([compileService(service(pattern, matchType))], url) !== undefined;
}

/** Regex tails after the pattern's literal URL: each needs `/`, `?` or nothing right after the literal. */
const TAILS = ['', '(/.*)?', '/.*', '(\\?.*)?', '/[a-z0-9]+'] as const;

/** A regex for the parts as the canonical form spells them (lower-case ASCII host, no default port, decoded path). */
function regexFor(p: Parts, tail: string, alternative: boolean): string {
  const literal = `${p.scheme}://${authority(p, asciiHost(p.host))}${decodedPath(p)}`;
  const own = `${escapeRegex(literal)}${tail}`;
  // A top-level alternation must stay inside the anchors.
  return alternative ? `${own}|https://alt\\.example\\.net/.*` : own;
}

/** A path the regex tail accepts after the literal. */
function tailSample(tail: (typeof TAILS)[number], pick: number): string {
  switch (tail) {
    case '':
      return '';
    case '(/.*)?':
      return ['', '/', '/x/y?z=1'][pick % 3]!;
    case '/.*':
      return ['/', '/x', '/x/y'][pick % 3]!;
    case '(\\?.*)?':
      return ['', '?q=1', '?'][pick % 3]!;
    case '/[a-z0-9]+':
      return ['/abc', '/x1', '/0'][pick % 3]!;
  }
}

interface Pattern {
  parts: Parts;
  kind: MatchType;
  pattern: string;
  tail: (typeof TAILS)[number];
}

const patternArb: fc.Arbitrary<Pattern> = fc
  .record({
    parts: partsArb,
    kind: fc.constantFrom<MatchType>('exact', 'prefix', 'regex'),
    tail: fc.constantFrom(...TAILS),
    alternative: fc.boolean(),
  })
  .map(({ parts, kind, tail, alternative }) => {
    // Regex patterns carry no query (their literal is scheme, authority and path).
    const p = kind === 'regex' ? { ...parts, query: undefined } : parts;
    return { parts: p, kind, tail, pattern: kind === 'regex' ? regexFor(p, tail, alternative) : urlOf(p) };
  });

// ---------------------------------------------------------------------------------------------------------------
// Inside and outside, by construction

/** The path with its first letter that is not part of an escape written as an escape (`/app` → `/%61pp`). */
function encodeALetter(path: string): string {
  const inEscape = new Set<number>();
  for (const m of path.matchAll(/%[0-9A-Fa-f]{2}/g)) for (let i = 0; i < 3; i++) inEscape.add(m.index + i);
  const i = [...path].findIndex((c, at) => /[A-Za-z]/.test(c) && !inEscape.has(at));
  return i < 0 || path.length !== [...path].length ? path : path.slice(0, i) + percent(path[i]!) + path.slice(i + 1);
}

/** Spellings of the same URL: case of scheme and host, explicit default port, fragment, punycode, encoded letters, dot segments that resolve back. */
function sameUrlSpellings(p: Parts): string[] {
  const host = p.host;
  const out = [
    urlOf(p),
    urlOf(p, { scheme: p.scheme.toUpperCase(), authority: authority(p, host.toUpperCase()) }),
    urlOf(p, { authority: `${host}:${p.port ?? DEFAULT_PORT[p.scheme]}` }),
    urlOf(p, { authority: `${host}:0${p.port ?? DEFAULT_PORT[p.scheme]}` }),
    urlOf(p, { authority: authority(p, host.replace(/\./g, '。')) }),
    `${urlOf(p)}#frag`,
    urlOf(p, { authority: authority(p, asciiHost(host)) }),
    urlOf(p, { path: encodeALetter(pathOf(p)) }),
    urlOf(p, { path: `/.${pathOf(p)}` }),
    urlOf(p, { path: `/${MARKER}/..${pathOf(p)}` }),
  ];
  if (/^[a-z]/.test(host)) out.push(urlOf(p, { authority: authority(p, percent(host[0]!) + host.slice(1)) }));
  return out;
}

/**
 * Climbs that remove exactly the last path segment, as a server reads them (escapes decoded byte by byte, then dot
 * segments; a backslash read as `/`, as IIS does; `;parameters` ignored in a dot segment, as Tomcat does).
 */
const CLIMBS = ['../', '..%2F', '%2e%2e/', '%2E%2E%2F', '.%2e/', '%FF%2F..%2F..%2F', '..;/', '..;x=1/', '%2e%2e;/', '..%5C'] as const;

function climb(p: Parts, how: string): string {
  return `${pathOf(p)}${p.slash ? '' : '/'}${how}${MARKER}`;
}

/** URLs that differ from the pattern where a browser or a server acts on it, for every kind of pattern. */
function outsideUrls(x: Pattern, pick: number): string[] {
  const p = x.parts;
  const otherScheme = p.scheme === 'https' ? 'http' : 'https';
  const firstLetter = /[a-z]/.exec(p.host);
  const swapped = firstLetter ? p.host.replace(/[a-z]/, firstLetter[0] === 'q' ? 'w' : 'q') : `${EVIL}`;
  const out = [
    urlOf(p, { scheme: otherScheme }),
    urlOf(p, { authority: authority(p, `zz-evil.${p.host}`) }),
    urlOf(p, { authority: authority(p, `${p.host}.${EVIL}`) }),
    urlOf(p, { authority: authority(p, swapped) }),
    urlOf(p, { authority: `${p.host}:${p.port ? p.port + 1 : 8444}` }),
    urlOf(p, { authority: `${EVIL}\\@${authority(p)}` }),
    urlOf(p, { authority: authority(p, `${p.host}%2E${EVIL}`) }),
    `https://${EVIL}/?${urlOf(p)}`,
  ];
  // A homograph: Cyrillic а (U+0430) for Latin a is another host (xn--…).
  if (/^[a-z0-9.]*a/.test(p.host)) out.push(urlOf(p, { authority: authority(p, p.host.replace('a', '\u0430')) }));
  if (p.segments.length) out.push(urlOf(p, { path: climb(p, CLIMBS[pick % CLIMBS.length]!) }));
  switch (x.kind) {
    case 'exact':
      out.push(urlOf(p, { path: `${pathOf(p)}${p.slash ? '' : '/'}${MARKER}` }));
      out.push(urlOf(p, { query: p.query === undefined ? '?zz=1' : `?${p.query}z` }));
      if (p.segments.length) out.push(urlOf(p, { path: p.slash ? pathOf(p).slice(0, -1) : `${pathOf(p)}/` }));
      {
        const i = p.segments.findIndex((s) => /^[A-Za-z0-9_~]+$/.test(s) && /[A-Za-z]/.test(s));
        if (i >= 0) {
          const segments = [...p.segments];
          segments[i] = segments[i]!.replace(/[A-Za-z]/, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
          out.push(urlOf({ ...p, segments }));
        }
      }
      break;
    case 'prefix':
      if (p.query !== undefined) out.push(urlOf(p, { query: `?${p.query}z` }), urlOf(p, { query: '?zz=1' }));
      else if (p.segments.length && !p.slash) out.push(urlOf(p, { path: `${pathOf(p)}zz` }));
      break;
    case 'regex':
      out.push(urlOf(p, { path: `${pathOf(p)}zz`, query: '' }));
      if (x.tail === '' || x.tail === '/[a-z0-9]+') out.push(urlOf(p, { path: `${pathOf(p)}${p.slash ? '' : '/'}x/y`, query: '' }));
      break;
  }
  return out;
}

/** URLs that belong to the pattern: its own spellings, and for prefixes and regexes the URLs they extend to. */
function insideUrls(x: Pattern, pick: number): string[] {
  const p = x.parts;
  switch (x.kind) {
    case 'exact':
      return sameUrlSpellings(p);
    case 'prefix': {
      const base = urlOf(p);
      const extensions =
        p.query !== undefined ? ['', '#f'] : p.slash || !p.segments.length ? ['', 'more', 'more/x?q=1', '?q=1'] : ['', '/', '/more', '?q=1', '#f'];
      return [...sameUrlSpellings(p), ...extensions.map((e) => base + e)];
    }
    case 'regex':
      return [
        urlOf(p, { path: pathOf(p) + tailSample(x.tail, pick), query: '' }),
        `${urlOf(p, { path: pathOf(p) + tailSample(x.tail, pick), query: '' })}#f`,
      ];
  }
}

/** Where a user-info or a foreign scheme goes into a URL. */
function withUserInfo(u: string, info: string): string {
  return u.replace('://', `://${info}@`);
}

const USER_INFO = ['user', 'user:pw', ':pw', 'a%40b', 'app.example.org', 'u:p%3A'];
const FOREIGN_SCHEMES = ['ftp', 'ws', 'wss', 'file', 'gopher', 'javascript', 'httpx', 'https+x', 'view-source:https', 'blob:https', 'jar:https'];

// ---------------------------------------------------------------------------------------------------------------

describe(`service URL properties (seed ${SEED}, ${RUNS} runs each)`, () => {
  it('canonicalisation is idempotent', () => {
    fc.assert(
      fc.property(messyUrlArb, (u) => {
        const c = canonicalServiceUrl(u);
        if (c === undefined) return;
        expect(canonicalServiceUrl(c), `canonical form of ${JSON.stringify(u)} is ${JSON.stringify(c)}`).toBe(c);
      }),
      run(1),
    );
  });

  it('sameService is symmetric (and reflexive on service URLs)', () => {
    const pairArb = fc.oneof(
      fc.tuple(messyUrlArb, messyUrlArb),
      fc.tuple(partsArb, fc.nat()).map(([p, pick]) => {
        const spellings = sameUrlSpellings(p);
        return [urlOf(p), spellings[pick % spellings.length]!] as [string, string];
      }),
    );
    fc.assert(
      fc.property(pairArb, ([a, b]) => {
        expect(sameService(a, b)).toBe(sameService(b, a));
        if (canonicalServiceUrl(a) !== undefined) expect(sameService(a, a)).toBe(true);
      }),
      run(2),
    );
  });

  it('a URL and its percent-encoded form are the same service', () => {
    const encodedArb = fc
      .tuple(
        partsArb,
        fc.array(fc.constantFrom('%FF', '%zz', '%', '%25', '%C3%28', 'x%E4%B8'), { maxLength: 1 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      )
      .map(([p, extra, picks]) => {
        const u = urlOf({ ...p, segments: [...p.segments, ...extra] });
        // Encode some characters after the path's first `/` (path and query), never a `%` that opens an escape
        // nor a character inside one: those are the encoding, not the URL.
        const start = u.indexOf('/', u.indexOf('://') + 3) + 1;
        const chars = [...u];
        let offset = 0;
        const protectedAt = new Set<number>();
        for (const m of u.matchAll(/%[0-9A-Fa-f]{2}/g)) for (let i = 0; i < 3; i++) protectedAt.add(m.index + i);
        const positions: number[] = [];
        chars.forEach((ch, i) => {
          if (offset >= start && !protectedAt.has(offset) && ch !== '#') positions.push(i);
          offset += ch.length;
        });
        const chosen = new Set(picks.map((n) => positions[n % Math.max(1, positions.length)]).filter((i) => i !== undefined));
        return { u, encoded: chars.map((ch, i) => (chosen.has(i) ? percent(ch) : ch)).join('') };
      });
    fc.assert(
      fc.property(encodedArb, ({ u, encoded }) => {
        expect(sameService(u, encoded), `${JSON.stringify(u)} vs ${JSON.stringify(encoded)}`).toBe(true);
      }),
      run(3),
    );
  });

  it('every URL built to belong to a pattern matches it (the generators are not vacuous)', () => {
    fc.assert(
      fc.property(patternArb, fc.nat(), (x, pick) => {
        for (const u of insideUrls(x, pick))
          expect(matches(x.pattern, x.kind, u), `${x.kind} ${JSON.stringify(x.pattern)} vs ${JSON.stringify(u)}`).toBe(true);
      }),
      run(4),
    );
  });

  it('no URL outside a pattern ever matches it: scheme, host, port, a path off the prefix, or past the regex', () => {
    fc.assert(
      fc.property(patternArb, fc.nat(), (x, pick) => {
        for (const u of outsideUrls(x, pick)) {
          expect(matches(x.pattern, x.kind, u), `${x.kind} ${JSON.stringify(x.pattern)} vs ${JSON.stringify(u)}`).toBe(false);
        }
      }),
      run(5),
    );
  });

  it('every climb out of a prefix is refused, written plainly or encoded', () => {
    fc.assert(
      fc.property(deepPartsArb, fc.constantFrom(...CLIMBS), (p, how) => {
        expect(matches(urlOf({ ...p, query: undefined }), 'prefix', urlOf(p, { path: climb(p, how), query: '' }))).toBe(false);
      }),
      run(6),
    );
  });

  it('URLs with user-info or a non-http(s) scheme never match, not even a catch-all regex', () => {
    const catchAll: Array<[string, MatchType]> = [
      ['.*', 'regex'],
      ['https?://.*', 'regex'],
      ['[a-z+-]+:.*', 'regex'],
    ];
    fc.assert(
      fc.property(patternArb, fc.constantFrom(...USER_INFO), fc.constantFrom(...FOREIGN_SCHEMES), (x, info, scheme) => {
        const inside = insideUrls(x, 0)[0]!;
        const candidates = [withUserInfo(inside, info), inside.replace(/^[a-z]+:/i, `${scheme}:`)];
        for (const u of candidates)
          for (const [pattern, kind] of [[x.pattern, x.kind] as [string, MatchType], ...catchAll])
            expect(matches(pattern, kind, u), `${kind} ${JSON.stringify(pattern)} vs ${JSON.stringify(u)}`).toBe(false);
      }),
      run(7),
    );
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Bugs these properties found, each as its smallest reproduction (regression tests).

describe('service URL bugs the properties found (fixed)', () => {
  it('DECODE-RUN-ALL-OR-NOTHING: %FF%61 and %FFa are the same service', () => {
    expect(sameService('https://app.example.org/%FF%61', 'https://app.example.org/%FFa')).toBe(true);
  });

  it('DECODE-RUN-ALL-OR-NOTHING: an undecodable byte does not let %2F.. climb out of a prefix', () => {
    expect(matches('https://app.example.org/app/', 'prefix', 'https://app.example.org/app/%FF%2F..%2F..%2Fadmin')).toBe(false);
  });

  it('CANONICAL-NOT-IDEMPOTENT: the canonical form of %2541 is its own canonical form', () => {
    const c = canonicalServiceUrl('https://app.example.org/%2541')!;
    expect(canonicalServiceUrl(c)).toBe(c);
  });

  it('PREFIX-BACKSLASH-CLIMB: a decoded backslash does not climb out of a prefix (servers that read \\ as /)', () => {
    fc.assert(
      fc.property(deepPartsArb, fc.constantFrom('..%5C', '..%5c', '%2e%2e%5C'), (p, how) => {
        expect(matches(urlOf({ ...p, query: undefined }), 'prefix', urlOf(p, { path: climb(p, how), query: '' }))).toBe(false);
      }),
      run(8),
    );
  });
});
