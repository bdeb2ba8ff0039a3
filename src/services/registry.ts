import type { Selectable } from 'kysely';
import type { Clock } from '../clock.js';
import { type Db, toBool } from '../store/db.js';
import type { ServicesTable } from '../store/schema.js';
import { type CompiledService, compileService, findMatchingService, sortByEvaluationOrder } from './matching.js';
import { type NewService, type RegisteredService, SIGN_IN_METHODS, type SignInMethod } from './types.js';
import { ServiceValidationError, validateService } from './validation.js';

export { ServiceValidationError } from './validation.js';

/** Which applications may use this CAS server. */
export interface ServiceRegistry {
  /**
   * The first service, in evaluation order, that the URL belongs to, INCLUDING disabled services:
   * the caller refuses disabled ones. Non-http(s) URLs match nothing.
   */
  find(serviceUrl: string): Promise<RegisteredService | undefined>;
  get(id: number): Promise<RegisteredService | undefined>;
  /** Every service, in evaluation order. */
  list(): Promise<RegisteredService[]>;
  /** Validates and stores a service; its id is max(id) + 1 when not given. Throws ServiceValidationError. */
  add(service: NewService): Promise<RegisteredService>;
  /** Validates and replaces the service with this id; false when there is none. Throws ServiceValidationError. */
  update(service: RegisteredService): Promise<boolean>;
  remove(id: number): Promise<boolean>;
}

export interface SqlServiceRegistryOptions {
  /** How old the in-memory copy may grow before it is read again, so changes made by other processes show up. */
  reloadIntervalMs?: number;
  /** Told about stored services that cannot be compiled (edited by hand in the database); they match nothing. */
  onInvalidService?: (service: RegisteredService, error: Error) => void;
}

interface Snapshot {
  loadedAt: number;
  services: RegisteredService[]; // in evaluation order
  compiled: CompiledService[]; // in evaluation order, without the ones that failed to compile
}

/**
 * Services in the `services` table. Finding a service happens on every login and validation, so the sorted,
 * compiled list is kept in memory; it is read again after this registry's own writes and once it is older than
 * `reloadIntervalMs` (default 5 s), which is how a `wecas service add` run in another process reaches the server.
 */
export class SqlServiceRegistry implements ServiceRegistry {
  private readonly reloadIntervalMs: number;
  private readonly onInvalidService: (service: RegisteredService, error: Error) => void;
  private snapshot: Snapshot | undefined;
  private loading: Promise<Snapshot> | undefined;
  private generation = 0; // bumped by every write

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    options: SqlServiceRegistryOptions = {},
  ) {
    this.reloadIntervalMs = options.reloadIntervalMs ?? 5000;
    this.onInvalidService = options.onInvalidService ?? (() => {});
  }

  async find(serviceUrl: string): Promise<RegisteredService | undefined> {
    return findMatchingService((await this.current()).compiled, serviceUrl);
  }

  async get(id: number): Promise<RegisteredService | undefined> {
    return (await this.current()).services.find((s) => s.id === id);
  }

  async list(): Promise<RegisteredService[]> {
    return [...(await this.current()).services];
  }

  async add(input: NewService): Promise<RegisteredService> {
    const valid = validateService(input);
    const now = this.clock.now();
    const service = await this.db.transaction().execute(async (trx) => {
      let id = valid.id;
      if (id === undefined) {
        const { max } = await trx
          .selectFrom('services')
          .select((eb) => eb.fn.max('id').as('max'))
          .executeTakeFirstOrThrow();
        id = (max === null ? 0 : Number(max)) + 1;
      } else if (await trx.selectFrom('services').select('id').where('id', '=', id).executeTakeFirst()) {
        throw new ServiceValidationError(`a service with id ${id} already exists`, 'id');
      }
      const stored: RegisteredService = { ...valid, id };
      await trx
        .insertInto('services')
        .values({ ...toRow(stored), created_at: now, updated_at: now })
        .execute();
      return stored;
    });
    this.invalidate();
    return service;
  }

  async update(input: RegisteredService): Promise<boolean> {
    const service = validateService(input);
    const { id, ...row } = toRow(service);
    const result = await this.db
      .updateTable('services')
      .set({ ...row, updated_at: this.clock.now() })
      .where('id', '=', id)
      .executeTakeFirst();
    this.invalidate();
    return result.numUpdatedRows > 0n;
  }

  async remove(id: number): Promise<boolean> {
    const result = await this.db.deleteFrom('services').where('id', '=', id).executeTakeFirst();
    this.invalidate();
    return result.numDeletedRows > 0n;
  }

  /** Drops the in-memory copy, including a read that started before the write and would bring back the old rows. */
  private invalidate(): void {
    this.snapshot = undefined;
    this.loading = undefined;
    this.generation++;
  }

  private async current(): Promise<Snapshot> {
    const snapshot = this.snapshot;
    if (snapshot && this.clock.now() - snapshot.loadedAt < this.reloadIntervalMs) return snapshot;
    if (!this.loading) {
      // Concurrent requests share one read.
      const loading = this.load().finally(() => {
        if (this.loading === loading) this.loading = undefined;
      });
      this.loading = loading;
    }
    return this.loading;
  }

  private async load(): Promise<Snapshot> {
    const generation = this.generation;
    const loadedAt = this.clock.now();
    const rows = await this.db.selectFrom('services').selectAll().execute();
    const services = sortByEvaluationOrder(rows.map(fromRow));
    const compiled: CompiledService[] = [];
    for (const service of services) {
      try {
        compiled.push(compileService(service));
      } catch (error) {
        this.onInvalidService(service, error instanceof Error ? error : new Error(String(error)));
      }
    }
    const snapshot = { loadedAt, services, compiled };
    if (generation === this.generation) this.snapshot = snapshot;
    return snapshot;
  }
}

type ServiceRow = Omit<Selectable<ServicesTable>, 'created_at' | 'updated_at'>;

function toRow(s: RegisteredService): ServiceRow {
  return {
    id: s.id,
    name: s.name,
    description: s.description,
    pattern: s.pattern,
    match_type: s.matchType,
    evaluation_order: s.evaluationOrder,
    attributes: JSON.stringify(s.attributes),
    attribute_renames: JSON.stringify(s.attributeRenames),
    username_attribute: s.usernameAttribute,
    username_case: s.usernameCase,
    required_attributes: JSON.stringify(s.requiredAttributes),
    require_all_attributes: s.requireAllAttributes ? 1 : 0,
    required_attributes_case_insensitive: s.requiredAttributesCaseInsensitive ? 1 : 0,
    sign_in_methods: JSON.stringify(s.signInMethods),
    mfa_policy: s.mfaPolicy,
    logout_type: s.logoutType,
    logout_url: s.logoutUrl,
    proxy_pattern: s.proxyPattern,
    // better-sqlite3 cannot bind booleans; PostgreSQL reads '1'/'0' as boolean literals.
    enabled: s.enabled ? 1 : 0,
  };
}

/** Frozen: callers share the cached objects, and a stray assignment must fail rather than change the registry. */
function fromRow(r: Selectable<ServicesTable>): RegisteredService {
  return Object.freeze({
    id: Number(r.id),
    name: r.name,
    description: r.description,
    pattern: r.pattern,
    matchType: r.match_type,
    evaluationOrder: Number(r.evaluation_order),
    attributes: Object.freeze(parseNames(r.attributes)) as string[],
    attributeRenames: frozenNameLists(r.attribute_renames),
    usernameAttribute: r.username_attribute,
    usernameCase: r.username_case,
    requiredAttributes: frozenNameLists(r.required_attributes),
    requireAllAttributes: toBool(r.require_all_attributes),
    requiredAttributesCaseInsensitive: toBool(r.required_attributes_case_insensitive),
    signInMethods: Object.freeze(parseNames(r.sign_in_methods).filter(isSignInMethod)) as SignInMethod[],
    mfaPolicy: r.mfa_policy === 'required' ? 'required' : 'optional',
    logoutType: r.logout_type,
    logoutUrl: r.logout_url,
    proxyPattern: r.proxy_pattern,
    enabled: toBool(r.enabled),
  });
}

function parseNames(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

/** A stored `{ name: [strings] }` object, frozen to the last list; anything else in it is dropped. */
function frozenNameLists(json: string): Record<string, string[]> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return Object.freeze({});
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return Object.freeze({});
  const out: Record<string, string[]> = {};
  for (const [name, list] of Object.entries(value)) {
    if (!Array.isArray(list)) continue;
    out[name] = Object.freeze(list.filter((v): v is string => typeof v === 'string')) as string[];
  }
  return Object.freeze(out);
}

function isSignInMethod(value: string): value is SignInMethod {
  return (SIGN_IN_METHODS as readonly string[]).includes(value);
}
