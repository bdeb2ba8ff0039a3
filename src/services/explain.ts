import { compileService, sortByEvaluationOrder } from './matching.js';
import type { RegisteredService } from './types.js';
import { matchableServiceUrl } from './url.js';

/** One service tried for a URL, in evaluation order, and what came of it. */
export interface TriedService {
  service: RegisteredService;
  outcome: 'matched' | 'no_match' | 'invalid_pattern';
}

/** Which service a URL belongs to and why: the form it is matched in, and each service tried up to the match. */
export interface MatchExplanation {
  url: string;
  /** What patterns are matched against (canonical form); absent when the URL is no service URL at all. */
  matchable: string | undefined;
  tried: TriedService[];
  match: RegisteredService | undefined;
  /** What a sign-in for this URL would get: a ticket, or which refusal. */
  verdict: 'allowed' | 'disabled' | 'unregistered' | 'not_a_service_url';
}

/** The registry's own matching (services/matching.ts), step by step, for the console's "which service?" tester. */
export function explainMatch(services: readonly RegisteredService[], url: string): MatchExplanation {
  const matchable = matchableServiceUrl(url);
  if (matchable === undefined) return { url, matchable, tried: [], match: undefined, verdict: 'not_a_service_url' };
  const tried: TriedService[] = [];
  for (const service of sortByEvaluationOrder(services)) {
    let matched: boolean;
    try {
      matched = compileService(service).matches(matchable);
    } catch {
      tried.push({ service, outcome: 'invalid_pattern' });
      continue;
    }
    tried.push({ service, outcome: matched ? 'matched' : 'no_match' });
    if (matched) return { url, matchable, tried, match: service, verdict: service.enabled ? 'allowed' : 'disabled' };
  }
  return { url, matchable, tried, match: undefined, verdict: 'unregistered' };
}
