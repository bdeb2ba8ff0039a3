import type { AdminVia, AuditLog } from '../audit/audit-log.js';
import { compileService, sortByEvaluationOrder } from '../services/matching.js';
import type { ServiceRegistry } from '../services/registry.js';
import type { NewService, RegisteredService } from '../services/types.js';
import { matchableServiceUrl } from '../services/url.js';
import { refusal } from './refusals.js';
import { AdminNotFound } from './users.js';

/** One service as the match tester weighed it, in evaluation order. */
export interface MatchStep {
  id: number;
  name: string;
  matchType: RegisteredService['matchType'];
  pattern: string;
  evaluationOrder: number;
  enabled: boolean;
  /** `matched`, `no_match`, or `invalid_pattern` (a pattern edited by hand in the database: it matches nothing). */
  outcome: 'matched' | 'no_match' | 'invalid_pattern';
}

/** Which service a URL belongs to, and why: the form it is matched in and each service tried until the first match. */
export interface MatchReport {
  url: string;
  /** The form patterns are matched against (canonical URL); null when the URL is no absolute http(s) URL. */
  matchedAs: string | null;
  service: RegisteredService | null;
  /** What a person would see: `matched`, `matched_disabled` (refused as disabled), `no_service`, `not_a_service_url`. */
  verdict: 'matched' | 'matched_disabled' | 'no_service' | 'not_a_service_url';
  /** Why, as a code with its parameters: the console says it in the page's language. */
  explanation: MatchExplanation;
  /** Why, in English (the API and the CLI). */
  reason: string;
  /** The services tried, in evaluation order, up to and including the one that matched. */
  tried: MatchStep[];
}

/** Why the tester decided as it did: what a person reads under the verdict, as data. */
export type MatchExplanation =
  | { code: 'not_a_service_url' }
  | { code: 'no_service'; tried: number }
  | {
      code: 'matched';
      serviceId: number;
      name: string;
      matchType: RegisteredService['matchType'];
      evaluationOrder: number;
      /** How many services were tried before this one, and did not match. */
      triedBefore: number;
      disabled: boolean;
    };

/** The explanation with its English sentence. */
function explained(explanation: MatchExplanation): { explanation: MatchExplanation; reason: string } {
  return { explanation, reason: explainMatch(explanation) };
}

/** The tester's explanation in English. */
export function explainMatch(e: MatchExplanation): string {
  if (e.code === 'not_a_service_url') return 'not an absolute http(s) URL: no service can match it';
  if (e.code === 'no_service') return `none of the ${e.tried} registered services matches this URL`;
  const how = {
    exact: 'equals the pattern',
    prefix: 'begins with the pattern at a path boundary',
    regex: 'matches the whole regular expression',
  }[e.matchType];
  return (
    `the URL ${how} of service ${e.serviceId} "${e.name}" (${e.matchType}, evaluation order ${e.evaluationOrder})` +
    (e.triedBefore > 0
      ? `; ${e.triedBefore} service${e.triedBefore === 1 ? '' : 's'} tried before it did not match`
      : '; it is the first service tried') +
    (e.disabled ? '; the service is disabled, so sign-in refuses it' : '')
  );
}

/** The fields of a service that an update may change: all but its id. */
export type ServicePatch = Partial<Omit<RegisteredService, 'id'>>;

export type ServiceAdmin = ReturnType<typeof createServiceAdmin>;

/** The service registry as administrators change it (`wecas service …`, the admin API): every change audited. */
export function createServiceAdmin(deps: { registry: ServiceRegistry; audit: AuditLog; via: AdminVia }) {
  const { registry, audit, via } = deps;

  async function get(id: number): Promise<RegisteredService> {
    const service = await registry.get(id);
    if (!service) throw new AdminNotFound(refusal('no_such_service', { id }));
    return service;
  }

  async function update(id: number, patch: ServicePatch): Promise<{ service: RegisteredService; changed: string[] }> {
    const before = await get(id);
    const after = { ...before, ...patch, id };
    const changed = (Object.keys(patch) as Array<keyof ServicePatch>).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
    if (changed.length === 0) return { service: before, changed };
    if (!(await registry.update(after))) throw new AdminNotFound(refusal('no_such_service', { id }));
    const stored = (await registry.get(id)) ?? after;
    await audit.record({ type: 'service.updated', serviceId: id, name: stored.name, via, changed });
    return { service: stored, changed };
  }

  return {
    list: () => registry.list(),
    get,

    async add(input: NewService): Promise<RegisteredService> {
      const service = await registry.add(input);
      await audit.record({ type: 'service.added', serviceId: service.id, name: service.name, via });
      return service;
    },

    update,

    setEnabled: (id: number, enabled: boolean) => update(id, { enabled }),

    async remove(id: number): Promise<RegisteredService> {
      const service = await get(id);
      if (!(await registry.remove(id))) throw new AdminNotFound(refusal('no_such_service', { id }));
      await audit.record({ type: 'service.removed', serviceId: id, name: service.name, via });
      return service;
    },

    /** The match tester: which service `url` belongs to, as /login would decide, and why. */
    async match(url: string): Promise<MatchReport> {
      const matchedAs = matchableServiceUrl(url) ?? null;
      if (matchedAs === null)
        return {
          url,
          matchedAs,
          service: null,
          verdict: 'not_a_service_url',
          ...explained({ code: 'not_a_service_url' }),
          tried: [],
        };
      const tried: MatchStep[] = [];
      for (const service of sortByEvaluationOrder(await registry.list())) {
        const step = {
          id: service.id,
          name: service.name,
          matchType: service.matchType,
          pattern: service.pattern,
          evaluationOrder: service.evaluationOrder,
          enabled: service.enabled,
        };
        let matches: boolean;
        try {
          matches = compileService(service).matches(matchedAs);
        } catch {
          tried.push({ ...step, outcome: 'invalid_pattern' });
          continue;
        }
        tried.push({ ...step, outcome: matches ? 'matched' : 'no_match' });
        if (!matches) continue;
        const explanation: MatchExplanation = {
          code: 'matched',
          serviceId: service.id,
          name: service.name,
          matchType: service.matchType,
          evaluationOrder: service.evaluationOrder,
          triedBefore: tried.length - 1,
          disabled: !service.enabled,
        };
        return { url, matchedAs, service, verdict: service.enabled ? 'matched' : 'matched_disabled', ...explained(explanation), tried };
      }
      return {
        url,
        matchedAs,
        service: null,
        verdict: 'no_service',
        ...explained({ code: 'no_service', tried: tried.length }),
        tried,
      };
    },
  };
}
