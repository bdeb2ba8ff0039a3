/**
 * Service URL comparison (docs/cas-protocol.md §2.2): clients drift in how they encode the `service` they send, so URLs are
 * compared in a canonical form rather than byte for byte.
 */

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
