// helmet's page headers, computed once at start (http/page-headers.ts): the values pages carry, and HSTS only when
// the server says its cookies are secure (served over HTTPS).
import { describe, expect, it } from 'vitest';
import { helmetHeaders } from '../../src/http/page-headers.js';

const OPTIONS = { contentSecurityPolicy: false, crossOriginEmbedderPolicy: false } as const;

describe('helmet headers', () => {
  it('are helmet 8’s defaults without CSP (pages set their own) and without COEP', () => {
    expect(helmetHeaders({ ...OPTIONS, strictTransportSecurity: false })).toEqual({
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'SAMEORIGIN',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    });
  });

  it('add HSTS over HTTPS', () => {
    expect(helmetHeaders({ ...OPTIONS, strictTransportSecurity: true })['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
  });

  it('refuse an option helmet refuses, at start', () => {
    expect(() => helmetHeaders({ ...OPTIONS, referrerPolicy: { policy: 'no-such-policy' as 'no-referrer' } })).toThrow();
  });
});
