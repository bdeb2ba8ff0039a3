// Which admin-supplied patterns wecas refuses because matching them can take exponential time (services/regex-safety.ts).
import { describe, expect, it } from 'vitest';
import { DEMO_SERVICE_PATTERN } from '../../dev/demo-data.js';
import { backtrackingRisk } from '../../src/services/regex-safety.js';
import { validateService } from '../../src/services/validation.js';
import { loopbackService } from '../support/server.js';

describe('backtrackingRisk', () => {
  it.each([
    ['^(a+)+$'],
    ['(x+x+)+y'],
    ['^https://app\\.example\\.org/(\\w+\\s?)+$'],
    ['^https://app\\.example\\.org/(a?a?)+$'], // optional parts inside a repetition still count
    ['^https://([a-z0-9-]+\\.)*example\\.org/.*$'], // a known false alarm of the star-height rule, refused all the same
  ])('refuses %s as exponential', (pattern) => {
    expect(backtrackingRisk(pattern)).toMatch(/exponential time/);
  });

  it('refuses what it cannot read rather than waving it through', () => {
    expect(backtrackingRisk('^https://app\\.example\\.org/(?<=x)y$')).toMatch(/cannot be checked/);
  });

  it.each([
    ['^https://app\\.example\\.org/.*'],
    ['^(https|imaps)://.*'],
    ['^https://payroll\\.example\\.org(:8443)?/.*'],
    ['^https://app\\.example\\.org(:[0-9]+)?(/.*)?$'], // an optional part that repeats inside is run at most once
    ['^https://([a-z]+\\.)?example\\.org/[\\w./-]*$'],
    [DEMO_SERVICE_PATTERN],
    [loopbackService('App', 'http://127.0.0.1:8080').pattern],
  ])('accepts %s', (pattern) => {
    expect(backtrackingRisk(pattern)).toBeUndefined();
  });
});

describe('validateService', () => {
  it('names the field of a refused pattern', () => {
    const base = { name: 'App', pattern: 'https://app.example.org/', matchType: 'prefix' as const };
    expect(() => validateService({ ...base, pattern: '^(a+)+$', matchType: 'regex' })).toThrow(expect.objectContaining({ field: 'pattern' }));
    expect(() => validateService({ ...base, proxyPattern: '^(a+)+$' })).toThrow(expect.objectContaining({ field: 'proxyPattern' }));
    expect(validateService({ ...base, proxyPattern: '^https://app\\.example\\.org/pgt$' }).proxyPattern).toBe('^https://app\\.example\\.org/pgt$');
  });
});
