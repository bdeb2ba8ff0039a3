import type { RegisteredService } from './types.js';
import { canonicalServiceUrl, matchableServiceUrl } from './url.js';

/** A registered service with its pattern prepared once, so matching a request costs no parsing or compiling. */
export interface CompiledService {
  service: RegisteredService;
  /** Whether a service URL, in the form patterns are matched against (see matchableServiceUrl), belongs to this service. */
  matches(url: string): boolean;
}

/** Compiles the service's pattern; throws when it is not a valid pattern of its match type. */
export function compileService(service: RegisteredService): CompiledService {
  switch (service.matchType) {
    case 'exact': {
      const pattern = matchablePattern(service.pattern);
      return { service, matches: (url) => url === pattern };
    }
    case 'prefix': {
      const pattern = matchablePattern(service.pattern);
      return { service, matches: (url) => matchesPrefix(pattern, url) };
    }
    case 'regex': {
      const regex = anchoredRegex(service.pattern);
      return { service, matches: (url) => regex.test(url) };
    }
  }
}

/**
 * The first service, in evaluation order, that the URL belongs to, whether enabled or not (the caller refuses
 * disabled ones with a message of its own). Non-service URLs (not absolute http(s)) match nothing.
 */
export function findMatchingService(sorted: readonly CompiledService[], serviceUrl: string): RegisteredService | undefined {
  const url = matchableServiceUrl(serviceUrl);
  if (url === undefined) return undefined;
  return sorted.find((c) => c.matches(url))?.service;
}

/** Evaluation order: lowest evaluationOrder first, then lowest id. Returns a new array. */
export function sortByEvaluationOrder(services: readonly RegisteredService[]): RegisteredService[] {
  return [...services].sort((a, b) => a.evaluationOrder - b.evaluationOrder || a.id - b.id);
}

/**
 * A regex that must match the whole string. The pattern is wrapped rather than given `^`/`$` at its ends,
 * so a top-level alternation (`a|b`) cannot escape the anchors. Throws when the pattern is not a regex.
 */
export function anchoredRegex(pattern: string): RegExp {
  // Compiled alone first: `a)|(?:.*` is no regex, yet would compile once wrapped, and match everything.
  new RegExp(pattern);
  return new RegExp(`^(?:${pattern})$`);
}

/** Whether the service may obtain proxy-granting tickets delivered to this pgtUrl (docs/cas-protocol.md §3.3). */
export function allowsProxyCallback(service: RegisteredService, pgtUrl: string): boolean {
  return service.proxyPattern !== null && anchoredRegex(service.proxyPattern).test(pgtUrl);
}

/** The canonical form of an exact or prefix pattern; throws when the pattern is not a service URL. */
export function canonicalPattern(pattern: string): string {
  const canonical = canonicalServiceUrl(pattern);
  if (canonical === undefined) throw new Error(`not an absolute http(s) URL: ${pattern}`);
  return canonical;
}

/** An exact or prefix pattern as URLs are matched against it; throws when the pattern is not a service URL. */
function matchablePattern(pattern: string): string {
  const form = matchableServiceUrl(pattern);
  if (form === undefined) throw new Error(`not an absolute http(s) URL: ${pattern}`);
  return form;
}

/**
 * A prefix only counts when it ends at a boundary, so `https://app.example.org` cannot be extended into
 * `https://app.example.org.evil.com/` nor `/app` into `/application`.
 */
function matchesPrefix(pattern: string, url: string): boolean {
  if (!url.startsWith(pattern)) return false;
  if (url.length === pattern.length || pattern.endsWith('/')) return true;
  const next = url[pattern.length];
  return next === '/' || next === '?' || next === '#';
}
