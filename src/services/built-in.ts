import { compileService, findMatchingService } from './matching.js';
import { type ServiceRegistry, ServiceValidationError } from './registry.js';
import { type MfaPolicy, type NewService, POLICY_DEFAULTS, type RegisteredService } from './types.js';

/** The built-in services' ids: 0 is below every id the registry assigns (max + 1, from 1). */
export const CONSOLE_SERVICE_ID = 0;

/**
 * The admin console's own CAS service: its callback under the public URL, nothing released (the console reads the
 * account itself), no single logout (the console's session is its own short cookie), and a second factor when the
 * deployment asks one of administrators. Built in rather than registered: a deployment cannot sign in to its console
 * to register the console, and deleting or loosening it from the console would lock every administrator out.
 */
export function consoleService(callbackUrl: string, mfaPolicy: MfaPolicy): RegisteredService {
  return Object.freeze({
    ...POLICY_DEFAULTS,
    id: CONSOLE_SERVICE_ID,
    name: 'wecas admin console',
    description: 'Built in: the web console at /admin signs in through wecas as this service.',
    pattern: callbackUrl,
    matchType: 'prefix',
    evaluationOrder: Number.MIN_SAFE_INTEGER,
    attributes: [],
    mfaPolicy,
    logoutType: 'none',
    logoutUrl: null,
    proxyPattern: null,
    enabled: true,
  });
}

/** Whether a service is one of wecas's own (shown, never edited or deleted). */
export function isBuiltIn(service: Pick<RegisteredService, 'id'>): boolean {
  return service.id === CONSOLE_SERVICE_ID;
}

/**
 * The registry with built-in services in front: found first, listed first, and refused to `update`, `remove` and an
 * `add` that names their id, with a message that says why.
 */
export function withBuiltInServices(registry: ServiceRegistry, builtIns: RegisteredService[]): ServiceRegistry {
  const compiled = builtIns.map(compileService);
  const byId = new Map(builtIns.map((s) => [s.id, s]));
  const refuse = (id: number) => {
    throw new ServiceValidationError(`service ${id} (${byId.get(id)?.name}) is built into wecas: it cannot be changed or deleted`, 'id');
  };
  return {
    async find(url) {
      return findMatchingService(compiled, url) ?? registry.find(url);
    },
    async get(id) {
      return byId.get(id) ?? registry.get(id);
    },
    async list() {
      return [...builtIns, ...(await registry.list())];
    },
    async add(service: NewService) {
      if (service.id !== undefined && byId.has(service.id)) refuse(service.id);
      return registry.add(service);
    },
    async update(service) {
      if (byId.has(service.id)) refuse(service.id);
      return registry.update(service);
    },
    async remove(id) {
      if (byId.has(id)) refuse(id);
      return registry.remove(id);
    },
  };
}
