/**
 * Service URL comparison (docs/cas-protocol.md §2.2): clients drift in how they encode the `service` they send, so URLs are
 * compared in a canonical form rather than byte for byte.
 */
import { domainToASCII } from 'node:url';

/**
 * The canonical form of a service URL, or undefined when it is not a service URL at all (only absolute http(s)
 * URLs without user info are; `javascript:`, `data:`, relative URLs and the like never match anything).
 *
 * Scheme and host are lower-cased, a default port is dropped, the fragment is dropped, and the path and query
 * are percent-decoded once; path and query keep their case and the order of query parameters.
 */
export function canonicalServiceUrl(url: string): string | undefined {
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
  const path = removeDotSegments(decodeOnce(parsed.pathname));
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

/** Decodes each run of percent-escapes that forms valid UTF-8; malformed escapes stay as they are. */
function decodeOnce(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}

/**
 * RFC 3986 remove_dot_segments, for dot segments that only appear after decoding (`/app/..%2Fother`):
 * without it a prefix `https://host/app/` would accept a URL that a decoding server serves from `/other`.
 */
function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const out: string[] = [];
  const segments = path.split('/');
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '..') {
      if (out.length > 1) out.pop();
      if (last) out.push('');
    } else if (segment === '.') {
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  });
  return out.join('/');
}
