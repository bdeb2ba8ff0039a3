/**
 * Service URL comparison (docs/cas-protocol.md §2.2): clients drift in how they encode the `service` they send, so URLs are
 * compared in a canonical form rather than byte for byte.
 */
import { domainToASCII } from 'node:url';

/**
 * The canonical form of a service URL, or undefined when it is not a service URL at all (only absolute http(s)
 * URLs without user info are; `javascript:`, `data:`, relative URLs and the like never match anything).
 *
 * Scheme and host are lower-cased, a default port is dropped, the fragment is dropped, the path and query are
 * percent-decoded once (see decodeOnce: what stays encoded, and why) and dot segments are resolved as a server that
 * decodes first would resolve them (see removeDotSegments); path and query keep their case and the order of query
 * parameters. The canonical form is a normal form: canonicalising it again gives it back unchanged. The rules in
 * words: docs/cas-protocol.md §2.2.1.
 */
export function canonicalServiceUrl(url: string): string | undefined {
  const form = matchableServiceUrl(url);
  return form === undefined ? undefined : guardLastCharacter(form);
}

/**
 * What service patterns are matched against: the canonical form, except that its last character, when it is a
 * space or the `?` that opens the query, is written as itself. The canonical form escapes those two (a parser
 * trims a final space and drops an empty query, so the canonical form would not survive being parsed again), but
 * a prefix must still extend to `…/a%20/b` from `…/a%20`. Either form tells the same URLs apart.
 */
export function matchableServiceUrl(url: string): string | undefined {
  // Applications send the same few service URLs over and over: each is parsed once, not on every login and
  // validation (a WHATWG parse and two decodes were some 3 % of an SSO issuance's profile).
  if (FORMS.has(url)) return FORMS.get(url);
  const form = parseMatchable(url);
  if (FORMS.size >= MAX_REMEMBERED_FORMS) FORMS.clear();
  FORMS.set(url, form);
  return form;
}

/** URL → its matchable form (undefined: not a service URL); emptied when full, so any flood of URLs costs only memory up to this. */
const FORMS = new Map<string, string | undefined>();
const MAX_REMEMBERED_FORMS = 1024;

function parseMatchable(url: string): string | undefined {
  // Control characters have no place in a redirect target (they would split the Location header).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point here
  if (/[\u0000-\u001f\u007f]/.test(url)) return undefined;
  const hash = url.indexOf('#');
  const withoutFragment = hash === -1 ? url : url.slice(0, hash);
  // The WHATWG parser decides scheme, host and port exactly as the browser that follows our redirect will.
  let parsed: URL;
  try {
    parsed = new URL(withoutFragment);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
  // `https://app.example.org@evil.com/` goes to evil.com: refuse rather than explain.
  if (parsed.username !== '' || parsed.password !== '') return undefined;
  const path = keepQuestionMarkOutOfDotSegments(removeDotSegments(decodeOnce(parsed.pathname)));
  return `${parsed.protocol}//${parsed.host}${path}${decodeOnce(parsed.search)}`;
}

/** Whether two service URLs name the same service (docs/cas-protocol.md §2.2). Non-service URLs are never the same as anything. */
export function sameService(a: string, b: string): boolean {
  const ca = canonicalServiceUrl(a);
  return ca !== undefined && ca === canonicalServiceUrl(b);
}

/**
 * Adds `name=value` to a URL's query, before any `#fragment`, leaving the rest of the URL byte for byte as it was
 * (the client compares the service URL it gets back with the one it sent).
 */
export function appendQueryParam(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const fragment = hash === -1 ? '' : url.slice(hash);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${encodeURIComponent(name)}=${encodeURIComponent(value)}${fragment}`;
}

/**
 * The URL as a URI (RFC 3987 §3.1, IRI to URI), for HTTP headers: every non-ASCII character percent-encoded as
 * UTF-8, an internationalised host name in punycode. Header values are ASCII: Node refuses a Location with CJK
 * characters outright and sends Latin-1 ones as bytes no browser reads as UTF-8. An ASCII URL comes back byte for
 * byte (the client compares the URL it gets back with the one it sent), and either form names the same service
 * (canonicalServiceUrl decodes the escapes again).
 */
export function asciiUrl(url: string): string {
  if (!NON_ASCII.test(url)) return url;
  const start = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)/.exec(url);
  if (!start) return percentEncodeNonAscii(url);
  const [whole, scheme, authority] = start as unknown as [string, string, string];
  return scheme + asciiAuthority(authority) + percentEncodeNonAscii(url.slice(whole.length));
}

const NON_ASCII = /[\u0080-\uffff]/;
const utf8 = new TextEncoder();

/** `host[:port]` with the host in punycode (user info, which no service URL has, only percent-encoded). */
function asciiAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  const userInfo = percentEncodeNonAscii(authority.slice(0, at + 1));
  const [, host = '', port = ''] = /^(.*?)(:\d*)?$/.exec(authority.slice(at + 1)) ?? [];
  if (!NON_ASCII.test(host)) return userInfo + host + port;
  // domainToASCII answers '' for a name IDNA refuses; the browser would refuse it too, so keep it recognisable.
  return userInfo + (domainToASCII(host) || percentEncodeNonAscii(host)) + port;
}

/** Each run of non-ASCII characters as the %XX escapes of its UTF-8 bytes (a lone surrogate becomes U+FFFD's). */
function percentEncodeNonAscii(s: string): string {
  return s.replace(/[\u0080-\uffff]+/g, (run) =>
    Array.from(utf8.encode(run), (byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * Decodes the percent-escapes of a path or query once, one UTF-8 sequence at a time: an escape that is not part
 * of a valid sequence (`%FF`, the `%C3` of `%C3%28`, a truncated `%E4%B8`) stays an escape, in upper case, and only
 * it (`%FF%61` is `%FFa`, like `%FFa`). What decoding would turn into syntax when the result is parsed again is
 * written as an escape whether it came encoded or not: `%` (so that `%2541` stays `%2541`, not `%41`, and `%zz`
 * reads `%25zz`: in the result every `%` opens an escape), `#`, `\` (which a URL parser turns into `/`) and
 * control characters.
 */
function decodeOnce(s: string): string {
  let out = '';
  let i = 0;
  while (i < s.length) {
    if (isEscapeAt(s, i)) {
      const bytes: number[] = [];
      for (; isEscapeAt(s, i); i += 3) bytes.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      out += decodeUtf8(bytes);
    } else {
      const ch = String.fromCodePoint(s.codePointAt(i) ?? 0);
      out += spell(ch);
      i += ch.length;
    }
  }
  return out;
}

const HEX_DIGIT = /^[0-9A-Fa-f]$/;

function isEscapeAt(s: string, i: number): boolean {
  return s[i] === '%' && HEX_DIGIT.test(s[i + 1] ?? '') && HEX_DIGIT.test(s[i + 2] ?? '');
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The bytes as characters, sequence by sequence; a byte that starts no valid sequence stays `%XX`. */
function decodeUtf8(bytes: number[]): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const length = sequenceLength(bytes[i]!);
    const ch = length > 0 && i + length <= bytes.length ? utf8Char(bytes.slice(i, i + length)) : undefined;
    if (ch === undefined) {
      out += percentEscape(bytes[i]!);
      i += 1;
    } else {
      out += spell(ch);
      i += length;
    }
  }
  return out;
}

/** How many bytes a UTF-8 sequence starting with this byte has; 0 when no sequence starts with it. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** The one character these bytes encode, or undefined when they are not valid UTF-8 (overlong, surrogate, too high). */
function utf8Char(bytes: number[]): string | undefined {
  try {
    return strictUtf8.decode(new Uint8Array(bytes));
  } catch {
    return undefined;
  }
}

/** A character as the canonical form writes it: itself, or its escape when it would be syntax there. */
function spell(ch: string): string {
  const code = ch.codePointAt(0)!;
  if (ch === '%' || ch === '#' || ch === '\\' || code < 0x20 || code === 0x7f) return percentEscape(code);
  return ch;
}

function percentEscape(byte: number): string {
  return `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
}

/**
 * RFC 3986 remove_dot_segments, for dot segments that only appear after decoding (`/app/..%2Fother`), with two
 * readings servers have that the URL parser does not: a backslash (`%5C` here) separates segments as `/` does
 * (IIS, and other servers that read `\` as `/`), and a segment's `;parameters` do not stop it being a
 * dot segment (Tomcat serves `/app/..;/admin` from `/admin`). Without it a prefix `https://host/app/` would accept
 * a URL such a server serves from elsewhere. A backslash that ends up first is a `/`.
 */
function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const segments = path.match(/(?:\/|%5C)(?:(?!%5C)[^/])*/g) ?? [];
  const out: string[] = [];
  segments.forEach((segment, i) => {
    const separator = segment.startsWith('/') ? '/' : '%5C';
    const dots = dotSegment(segment.slice(separator.length));
    if (dots === undefined) {
      out.push(segment);
      return;
    }
    if (dots === '..') out.pop();
    if (i === segments.length - 1) out.push(separator);
  });
  const resolved = out.join('');
  return resolved.startsWith('/') ? resolved : `/${resolved.startsWith('%5C') ? resolved.slice(3) : resolved}`;
}

/** `.` or `..` when the segment is one (its `;parameters` ignored), else undefined. */
function dotSegment(name: string): '.' | '..' | undefined {
  const semicolon = name.indexOf(';');
  const bare = semicolon === -1 ? name : name.slice(0, semicolon);
  return bare === '.' || bare === '..' ? bare : undefined;
}

/**
 * A decoded `?` in the path opens the query once the canonical form is parsed again, which makes the text before
 * it the path's last segment: when that text is a dot segment (`/x/..%3Fq`), the parser would resolve it, so that
 * `?` stays `%3F`. Then the next `?` is the one that opens the query, and the same holds for it.
 */
function keepQuestionMarkOutOfDotSegments(path: string): string {
  let out = path;
  for (let q = out.indexOf('?'); q !== -1; q = out.indexOf('?', q)) {
    const backslash = out.lastIndexOf('%5C', q);
    const start = Math.max(out.lastIndexOf('/', q) + 1, backslash === -1 ? 0 : backslash + 3);
    if (dotSegment(out.slice(start, q)) === undefined) return out;
    out = `${out.slice(0, q)}%3F${out.slice(q + 1)}`;
  }
  return out;
}

/**
 * The canonical form's last character escaped when parsing it again would lose it: a final space is trimmed, and a
 * final `?` that opens the query is an empty query, which is dropped.
 */
function guardLastCharacter(form: string): string {
  if (form.endsWith(' ')) return `${form.slice(0, -1)}%20`;
  if (form.endsWith('?') && form.indexOf('?') === form.length - 1) return `${form.slice(0, -1)}%3F`;
  return form;
}
