import { describe, expect, it } from 'vitest';
import { appendQueryParam, asciiUrl, canonicalServiceUrl, sameService } from '../../src/services/url.js';

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

describe('asciiUrl (IRI to URI, for HTTP headers)', () => {
  it('percent-encodes non-ASCII characters as UTF-8 in path, query and fragment', () => {
    expect(asciiUrl('https://app.example.org/中文/?q=报告#第一')).toBe(
      'https://app.example.org/%E4%B8%AD%E6%96%87/?q=%E6%8A%A5%E5%91%8A#%E7%AC%AC%E4%B8%80',
    );
    expect(asciiUrl('https://app.example.org/Straße')).toBe('https://app.example.org/Stra%C3%9Fe');
  });

  it('puts an internationalised host name in punycode and keeps the port', () => {
    expect(asciiUrl('https://bücher.example:8443/ä')).toBe('https://xn--bcher-kva.example:8443/%C3%A4');
    expect(asciiUrl('http://例子.测试/')).toBe('http://xn--fsqu00a.xn--0zwm56d/');
  });

  it('leaves an ASCII URL byte for byte, escapes and all', () => {
    for (const url of ['https://app.example.org/a%20b?next=%2Fhome&x=%zz#top', 'HTTPS://App.Example.ORG:443/x', 'http://[::1]:8080/p'])
      expect(asciiUrl(url)).toBe(url);
  });

  it('encodes a lone surrogate as U+FFFD rather than failing', () => {
    expect(asciiUrl('https://app.example.org/\ud800')).toBe('https://app.example.org/%EF%BF%BD');
  });

  it('names the same service as the URL it came from', () => {
    for (const url of ['https://app.example.org/中文/?q=报告', 'https://bücher.example/katalog?titel=Straße'])
      expect(sameService(url, asciiUrl(url)), url).toBe(true);
  });
});
