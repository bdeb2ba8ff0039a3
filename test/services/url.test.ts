import { describe, expect, it } from 'vitest';
import { appendQueryParam, canonicalServiceUrl, sameService } from '../../src/services/url.js';

describe('canonicalServiceUrl', () => {
  it('lower-cases scheme and host, keeps path and query case', () => {
    expect(canonicalServiceUrl('HTTPS://App.Example.ORG/Path?Q=A')).toBe('https://app.example.org/Path?Q=A');
  });

  it('drops the default port but keeps any other', () => {
    expect(canonicalServiceUrl('https://app.example.org:443/x')).toBe('https://app.example.org/x');
    expect(canonicalServiceUrl('http://app.example.org:80/x')).toBe('http://app.example.org/x');
    expect(canonicalServiceUrl('https://app.example.org:8443/x')).toBe('https://app.example.org:8443/x');
    expect(canonicalServiceUrl('http://app.example.org:443/x')).toBe('http://app.example.org:443/x');
  });

  it('drops the fragment', () => {
    expect(canonicalServiceUrl('https://app.example.org/x?a=1#top')).toBe('https://app.example.org/x?a=1');
  });

  it('decodes percent-escapes exactly once', () => {
    expect(canonicalServiceUrl('https://app.example.org/a%20b?next=%2Fhome%26x')).toBe('https://app.example.org/a b?next=/home&x');
    // A double-encoded escape keeps its second layer: %2526 decodes to %26, not to &.
    expect(canonicalServiceUrl('https://app.example.org/?next=%2526')).toBe('https://app.example.org/?next=%26');
  });

  it('keeps malformed escapes as they are', () => {
    expect(canonicalServiceUrl('https://app.example.org/?a=%zz&b=%FF')).toBe('https://app.example.org/?a=%zz&b=%FF');
  });

  it('resolves dot segments that only appear after decoding', () => {
    expect(canonicalServiceUrl('https://app.example.org/app/..%2Fadmin/')).toBe('https://app.example.org/admin/');
  });

  it('refuses anything that is not an absolute http(s) URL', () => {
    for (const url of [
      'javascript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      '/relative/path',
      '//app.example.org/x',
      'ftp://app.example.org/',
      'https://user:pw@app.example.org/',
      'https://app.example.org@evil.com/',
      'https://app.example.org/\r\nSet-Cookie: x=1',
      '',
    ]) {
      expect(canonicalServiceUrl(url), url).toBeUndefined();
    }
  });
});

describe('sameService (docs/cas-protocol.md §2.2)', () => {
  const base = 'https://app.example.org/cas/login?next=/home&lang=en';

  it('treats encoded and decoded forms as the same service', () => {
    expect(sameService(base, 'https://app.example.org/cas/login?next=%2Fhome&lang=en')).toBe(true);
    expect(sameService('https://app.example.org/a%20b', 'https://app.example.org/a b')).toBe(true);
  });

  it('ignores the case of scheme and host, the default port and the fragment', () => {
    expect(sameService(base, 'HTTPS://APP.example.org:443/cas/login?next=/home&lang=en#section')).toBe(true);
  });

  it('distinguishes a trailing slash, query order, path case, scheme and port', () => {
    expect(sameService('https://app.example.org/x', 'https://app.example.org/x/')).toBe(false);
    expect(sameService(base, 'https://app.example.org/cas/login?lang=en&next=/home')).toBe(false);
    expect(sameService(base, 'https://app.example.org/CAS/login?next=/home&lang=en')).toBe(false);
    expect(sameService(base, 'http://app.example.org/cas/login?next=/home&lang=en')).toBe(false);
    expect(sameService(base, 'https://app.example.org:8443/cas/login?next=/home&lang=en')).toBe(false);
  });

  it('never finds a non-service URL the same as anything, itself included', () => {
    expect(sameService('javascript:alert(1)', 'javascript:alert(1)')).toBe(false);
  });
});

describe('appendQueryParam', () => {
  it('starts a query when there is none', () => {
    expect(appendQueryParam('https://app.example.org/x', 'ticket', 'ST-1-abc')).toBe('https://app.example.org/x?ticket=ST-1-abc');
  });

  it('adds to an existing query, leaving it untouched', () => {
    expect(appendQueryParam('https://app.example.org/x?a=%2F&b=2', 'ticket', 'ST-1')).toBe('https://app.example.org/x?a=%2F&b=2&ticket=ST-1');
  });

  it('does not double a separator the URL already ends with', () => {
    expect(appendQueryParam('https://app.example.org/x?', 'ticket', 'ST-1')).toBe('https://app.example.org/x?ticket=ST-1');
    expect(appendQueryParam('https://app.example.org/x?a=1&', 'ticket', 'ST-1')).toBe('https://app.example.org/x?a=1&ticket=ST-1');
  });

  it('puts the parameter before the fragment', () => {
    expect(appendQueryParam('https://app.example.org/x#/route?y', 'ticket', 'ST-1')).toBe('https://app.example.org/x?ticket=ST-1#/route?y');
    expect(appendQueryParam('https://app.example.org/x?a=1#f', 'ticket', 'ST-1')).toBe('https://app.example.org/x?a=1&ticket=ST-1#f');
  });

  it('encodes the name and value', () => {
    expect(appendQueryParam('https://app.example.org/', 'SAMLRequest', 'a+b/c=&')).toBe('https://app.example.org/?SAMLRequest=a%2Bb%2Fc%3D%26');
  });
});
