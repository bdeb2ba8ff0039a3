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
    // A double-encoded escape keeps its second layer: %2526 is the text %26 (its % written %25), not &.
    expect(canonicalServiceUrl('https://app.example.org/?next=%2526')).toBe('https://app.example.org/?next=%2526');
    expect(sameService('https://app.example.org/?next=%2526', 'https://app.example.org/?next=%26')).toBe(false);
  });

  it('decodes one UTF-8 sequence at a time, keeping only the bytes that are not UTF-8 as escapes', () => {
    expect(canonicalServiceUrl('https://app.example.org/%E4%B8%AD%e6%96%87')).toBe('https://app.example.org/中文');
    expect(canonicalServiceUrl('https://app.example.org/%FF%61')).toBe('https://app.example.org/%FFa');
    expect(canonicalServiceUrl('https://app.example.org/%c3%28')).toBe('https://app.example.org/%C3(');
    expect(canonicalServiceUrl('https://app.example.org/%E4%B8%41?q=%ed%a0%80')).toBe('https://app.example.org/%E4%B8A?q=%ED%A0%80');
    expect(sameService('https://app.example.org/%FF%61', 'https://app.example.org/%FFa')).toBe(true);
  });

  it('writes a percent sign that is text as %25, whether it came encoded or not', () => {
    expect(canonicalServiceUrl('https://app.example.org/?a=%zz&b=%FF&c=%')).toBe('https://app.example.org/?a=%25zz&b=%FF&c=%25');
    expect(sameService('https://app.example.org/100%', 'https://app.example.org/100%25')).toBe(true);
    expect(canonicalServiceUrl('https://app.example.org/%2541')).toBe('https://app.example.org/%2541');
  });

  it('keeps encoded what would be syntax once decoded: #, backslash, control characters, a final space or ?', () => {
    expect(canonicalServiceUrl('https://app.example.org/a%23b?c=%23')).toBe('https://app.example.org/a%23b?c=%23');
    expect(canonicalServiceUrl('https://app.example.org/a%5cb?c=\\')).toBe('https://app.example.org/a%5Cb?c=%5C');
    expect(canonicalServiceUrl('https://app.example.org/a%0Ab%00?c=%7f')).toBe('https://app.example.org/a%0Ab%00?c=%7F');
    expect(canonicalServiceUrl('https://app.example.org/a%20')).toBe('https://app.example.org/a%20');
    expect(canonicalServiceUrl('https://app.example.org/a?q=%20')).toBe('https://app.example.org/a?q=%20');
    expect(canonicalServiceUrl('https://app.example.org/a%3F')).toBe('https://app.example.org/a%3F');
    // Not at the end, a decoded ? or space is itself: %3F reads as the query's ? (clients drift in encoding it).
    expect(canonicalServiceUrl('https://app.example.org/a%3Fq=1%20')).toBe('https://app.example.org/a?q=1%20');
    expect(sameService('https://app.example.org/a?q=1', 'https://app.example.org/a%3Fq=1')).toBe(true);
  });

  it('is a normal form: the canonical form of a canonical form is itself', () => {
    for (const url of [
      'https://app.example.org/%2541',
      'https://app.example.org/a%23b',
      'https://app.example.org/%5C%5Cx',
      'https://app.example.org/%0D%0A',
      'https://app.example.org/a%20',
      'https://app.example.org/a%3F',
      'https://app.example.org/x/..%3Fq',
      'https://app.example.org/x/..%3F%2F..%3Fq',
      'https://app.example.org/%zz%FF%61',
      'https://app.example.org/x?%3F',
    ]) {
      const canonical = canonicalServiceUrl(url);
      expect(canonical, url).toBeDefined();
      expect(canonicalServiceUrl(canonical!), url).toBe(canonical);
    }
  });

  it('resolves dot segments that only appear after decoding', () => {
    expect(canonicalServiceUrl('https://app.example.org/app/..%2Fadmin/')).toBe('https://app.example.org/admin/');
    expect(canonicalServiceUrl('https://app.example.org/app/%FF%2F..%2F..%2Fadmin')).toBe('https://app.example.org/admin');
  });

  it('resolves dot segments as servers that read a backslash as / or ignore ;parameters would', () => {
    expect(canonicalServiceUrl('https://app.example.org/app/x/..%5C..%5cadmin')).toBe('https://app.example.org/admin');
    expect(canonicalServiceUrl('https://app.example.org/app/%2e%2e%5Cadmin')).toBe('https://app.example.org/admin');
    expect(canonicalServiceUrl('https://app.example.org/app/..;/admin')).toBe('https://app.example.org/admin');
    expect(canonicalServiceUrl('https://app.example.org/app/..;jsessionid=1/admin')).toBe('https://app.example.org/admin');
    expect(canonicalServiceUrl('https://app.example.org/app/.;x/page')).toBe('https://app.example.org/app/page');
    expect(canonicalServiceUrl('https://app.example.org/app/%2e%2e%3B/admin')).toBe('https://app.example.org/admin');
    // A backslash that is not next to a dot segment stays, as %5C; ; elsewhere is text.
    expect(canonicalServiceUrl('https://app.example.org/app/a%5Cb;c=1')).toBe('https://app.example.org/app/a%5Cb;c=1');
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

describe('remembered forms', () => {
  it('answer as a first parse does, also after a flood of other URLs has emptied the memory', () => {
    const cases: Array<[string, string | undefined]> = [
      ['HTTPS://App.Example.org:443/a/./b/../c?x=%41', 'https://app.example.org/a/c?x=A'],
      ['javascript:alert(1)', undefined],
      ['https://user@app.example.org/', undefined],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [url, form] of cases) expect(canonicalServiceUrl(url), url).toBe(form);
      for (let i = 0; i < 3000; i++)
        expect(canonicalServiceUrl(`https://app${i}.example.org/p${round}`)).toBe(`https://app${i}.example.org/p${round}`);
    }
  });
});
