import { describe, expect, it } from 'vitest';
import { allowsProxyCallback, anchoredRegex, compileService, findMatchingService, sortByEvaluationOrder } from '../../src/services/matching.js';
import { type MatchType, POLICY_DEFAULTS, type RegisteredService } from '../../src/services/types.js';

let nextId = 1;
function service(pattern: string, matchType: MatchType, extra: Partial<RegisteredService> = {}): RegisteredService {
  const id = extra.id ?? nextId++;
  return {
    id,
    name: `service ${id}`,
    description: null,
    pattern,
    matchType,
    evaluationOrder: 0,
    attributes: [],
    ...POLICY_DEFAULTS,
    logoutType: 'back-channel',
    logoutUrl: null,
    proxyPattern: null,
    enabled: true,
    ...extra,
  };
}

function registryOf(...services: RegisteredService[]) {
  const compiled = sortByEvaluationOrder(services).map(compileService);
  return (url: string) => findMatchingService(compiled, url);
}

describe('exact services', () => {
  const app = service('https://app.example.org/cas/callback?x=1', 'exact');
  const find = registryOf(app);

  it('match the same URL in any canonical spelling', () => {
    expect(find('https://app.example.org/cas/callback?x=1')).toBe(app);
    expect(find('HTTPS://App.Example.org:443/cas/%63allback?x=1#frag')).toBe(app);
  });

  it('do not match another path, query or trailing slash', () => {
    expect(find('https://app.example.org/cas/callback')).toBeUndefined();
    expect(find('https://app.example.org/cas/callback/?x=1')).toBeUndefined();
    expect(find('https://app.example.org/cas/callback?x=1&y=2')).toBeUndefined();
  });
});

describe('prefix services', () => {
  it('match only at a boundary after a pattern without a trailing slash', () => {
    const app = service('https://app.example.org/app', 'prefix');
    const find = registryOf(app);
    expect(find('https://app.example.org/app')).toBe(app);
    expect(find('https://app.example.org/app/')).toBe(app);
    expect(find('https://app.example.org/app/page?q=1')).toBe(app);
    expect(find('https://app.example.org/app?q=1')).toBe(app);
    expect(find('https://app.example.org/application')).toBeUndefined();
    expect(find('https://app.example.org/ap')).toBeUndefined();
  });

  it('do not let a bare host be extended into another host', () => {
    const app = service('https://app.example.org', 'prefix');
    const find = registryOf(app);
    expect(find('https://app.example.org/anything')).toBe(app);
    expect(find('https://app.example.org')).toBe(app);
    expect(find('https://app.example.org.evil.com/')).toBeUndefined();
    expect(find('https://app.example.org.evil.com')).toBeUndefined();
    expect(find('https://app.example.org:8443/')).toBeUndefined();
    expect(find('https://app.example.org@evil.com/')).toBeUndefined();
    expect(find('https://app.example.org%2Eevil.com/')).toBeUndefined();
  });

  it('match anything below a pattern ending with a slash', () => {
    const app = service('https://app.example.org/app/', 'prefix');
    const find = registryOf(app);
    expect(find('https://app.example.org/app/x')).toBe(app);
    expect(find('https://app.example.org/app')).toBeUndefined();
  });

  it('do not let a decoded ../ climb out of the prefix', () => {
    const find = registryOf(service('https://app.example.org/app/', 'prefix'));
    expect(find('https://app.example.org/app/..%2Fadmin/')).toBeUndefined();
    expect(find('https://app.example.org/app/%FF%2F..%2F..%2Fadmin')).toBeUndefined();
  });

  it('do not let a backslash or a Tomcat path parameter (..;) climb out of the prefix', () => {
    const app = service('https://app.example.org/cas/', 'prefix');
    const find = registryOf(app);
    for (const url of [
      'https://app.example.org/cas/..;/admin',
      'https://app.example.org/cas/..;x=1/admin',
      'https://app.example.org/cas/%2e%2e;/admin',
      'https://app.example.org/cas/..%3B/admin',
      'https://app.example.org/cas/..%5Cadmin',
      'https://app.example.org/cas/%2e%2e%5cadmin',
      'https://app.example.org/cas/x/..%5C..%5Cadmin',
      'https://app.example.org/cas\\..\\admin',
    ])
      expect(find(url), url).toBeUndefined();
    expect(find('https://app.example.org/cas/x/..;/page')).toBe(app);
    expect(find('https://app.example.org/cas/a%5Cb')).toBe(app);
  });

  it('extend a pattern whose path ends with an encoded space', () => {
    const app = service('https://app.example.org/a%20', 'prefix');
    const find = registryOf(app);
    expect(find('https://app.example.org/a%20')).toBe(app);
    expect(find('https://app.example.org/a%20/b')).toBe(app);
    expect(find('https://app.example.org/a%20?q=1')).toBe(app);
    expect(find('https://app.example.org/a')).toBeUndefined();
  });
});

describe('regex services', () => {
  it('are anchored at both ends', () => {
    const app = service('https://app\\.example\\.org/.*', 'regex');
    const find = registryOf(app);
    expect(find('https://app.example.org/x')).toBe(app);
    expect(find('https://evil.com/?https://app.example.org/x')).toBeUndefined();
    expect(find('https://app.example.org.evil.com/')).toBeUndefined();
  });

  it('keep a top-level alternation inside the anchors', () => {
    const app = service('https://a\\.example\\.org/.*|https://b\\.example\\.org/.*', 'regex');
    const find = registryOf(app);
    expect(find('https://b.example.org/x')).toBe(app);
    expect(find('https://evil.com/https://a.example.org/')).toBeUndefined();
    expect(find('https://b.example.org/x\u2028')).toBeUndefined();
  });

  it('accept patterns that already carry their anchors', () => {
    const app = service('^(https|imaps)://.*$', 'regex');
    expect(registryOf(app)('https://anything.example.net/')).toBe(app);
  });

  it('see dot segments resolved, so a climb out of a path never matches', () => {
    const app = service('https://app\\.example\\.org/cas/.*', 'regex');
    const find = registryOf(app);
    expect(find('https://app.example.org/cas/page')).toBe(app);
    for (const url of ['https://app.example.org/cas/..;/admin', 'https://app.example.org/cas/..%5Cadmin', 'https://app.example.org/cas/..%2Fadmin'])
      expect(find(url), url).toBeUndefined();
  });

  it('match the canonical URL (lower-case host, no fragment)', () => {
    const app = service('https://app\\.example\\.org/x', 'regex');
    expect(registryOf(app)('https://APP.example.org/x#frag')).toBe(app);
  });
});

describe('anchoredRegex', () => {
  it('refuses a pattern that only compiles once wrapped', () => {
    expect(() => anchoredRegex('a)|(?:.*')).toThrow();
    expect(() => anchoredRegex('(unclosed')).toThrow();
  });
});

describe('evaluation order', () => {
  it('tries the lowest evaluationOrder first, then the lowest id', () => {
    const broad = service('https://.*', 'regex', { id: 1, evaluationOrder: 10 });
    const specificHigherId = service('https://app.example.org/', 'prefix', { id: 3, evaluationOrder: 5 });
    const specificLowerId = service('https://app.example.org/', 'prefix', { id: 2, evaluationOrder: 5 });
    const find = registryOf(broad, specificHigherId, specificLowerId);
    expect(find('https://app.example.org/x')).toBe(specificLowerId);
    expect(find('https://other.example.org/x')).toBe(broad);
  });

  it('still finds disabled services, so the caller can refuse them by name', () => {
    const disabled = service('https://app.example.org/', 'prefix', { evaluationOrder: 0, enabled: false });
    const fallback = service('https://.*', 'regex', { evaluationOrder: 1 });
    expect(registryOf(disabled, fallback)('https://app.example.org/x')).toBe(disabled);
  });
});

describe('non-service URLs', () => {
  it('match nothing, even a catch-all regex', () => {
    const find = registryOf(service('.*', 'regex'));
    expect(find('https://app.example.org/')).toBeDefined();
    for (const url of ['javascript:alert(1)', 'data:text/html,hi', '/relative', 'mailto:a@b.c', 'file:///etc/passwd']) {
      expect(find(url), url).toBeUndefined();
    }
  });
});

describe('allowsProxyCallback', () => {
  it('needs a proxy pattern matching the whole pgtUrl', () => {
    const proxying = service('https://app.example.org/', 'prefix', { proxyPattern: 'https://app\\.example\\.org/pgt' });
    expect(allowsProxyCallback(proxying, 'https://app.example.org/pgt')).toBe(true);
    expect(allowsProxyCallback(proxying, 'https://app.example.org/pgt/other')).toBe(false);
    expect(allowsProxyCallback(service('https://app.example.org/', 'prefix'), 'https://app.example.org/pgt')).toBe(false);
  });
});
