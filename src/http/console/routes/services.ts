import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceAdmin } from '../../../admin/services.js';
import { AdminNotFound } from '../../../admin/users.js';
import { isBuiltIn } from '../../../services/built-in.js';
import { type ServiceRegistry, ServiceValidationError } from '../../../services/registry.js';
import { type NewService, POLICY_DEFAULTS, type RegisteredService, SIGN_IN_METHODS, type SignInMethod } from '../../../services/types.js';
import { field, form, param, query } from '../../params.js';
import { matchExplanationText, serviceInvalidText } from '../domain-texts.js';
import type { ConsoleKit } from '../kit.js';

const idParams = z.object({ id: z.coerce.number().int().min(0) });
/** Checkboxes arrive as nothing, one value or several. */
const several = z
  .unknown()
  .optional()
  .transform((v) => (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string'));
const serviceForm = form({
  csrf: field,
  name: field,
  description: field,
  pattern: field,
  matchType: field,
  evaluationOrder: field,
  attributes: field,
  attributeRenames: field,
  usernameAttribute: field,
  usernameCase: field,
  requiredAttributes: field,
  requireAllAttributes: field,
  requiredAttributesCaseInsensitive: field,
  signInMethods: several,
  mfaPolicy: field,
  logoutType: field,
  logoutUrl: field,
  proxyPattern: field,
  enabled: field,
});
type ServiceForm = z.infer<typeof serviceForm>;

export interface ServicePageDeps {
  kit: ConsoleKit;
  /** Reads (the list, one service). */
  services: Pick<ServiceRegistry, 'list' | 'get'>;
  /** Changes and the match tester, as this administrator (admin/services.ts: each change audited naming them). */
  serviceAdmin: (request: FastifyRequest) => Pick<ServiceAdmin, 'add' | 'update' | 'remove' | 'match'>;
}

/** Services: the admin's alone. List, register, edit, delete, and the "which service matches this URL" tester. */
export function registerServicePages(app: FastifyInstance, deps: ServicePageDeps): void {
  // A scope of its own: the hook below must cover these routes only.
  void app.register(async (scope) => registerServiceRoutes(scope, deps));
}

function registerServiceRoutes(app: FastifyInstance, deps: ServicePageDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { kit, services } = deps;
  const t = (request: FastifyRequest) => kit.translate(request);
  // Every route here is the admin's: a helpdesk operator is refused before anything is read or validated.
  routes.addHook('preValidation', async (request, reply) => {
    if (request.consoleAdmin && !(await kit.onlyAdmins(request, reply))) return reply;
  });

  routes.get('/services', { schema: { querystring: query({ done: param }) } }, async (request, reply) => {
    const list = await services.list();
    const done =
      request.query.done === 'deleted'
        ? t(request)('admin.services.deleted')
        : request.query.done === 'saved'
          ? t(request)('admin.services.saved')
          : undefined;
    return kit.render(request, reply, 'admin-services', {
      title: t(request)('admin.services.title'),
      services: list.map((s) => ({ ...s, builtIn: isBuiltIn(s) })),
      notice: done,
      section: 'services',
    });
  });

  routes.get('/services/test', { schema: { querystring: query({ url: param }) } }, async (request, reply) => {
    const url = request.query.url?.slice(0, 2048);
    const report = url ? await deps.serviceAdmin(request).match(url) : undefined;
    return kit.render(request, reply, 'admin-service-test', {
      title: t(request)('admin.services.test.title'),
      url: url ?? '',
      report,
      reason: report ? matchExplanationText(t(request), report.explanation) : undefined,
      section: 'services',
    });
  });

  routes.get('/services/new', async (request, reply) => editPage(request, reply, undefined, defaults()));

  routes.get('/services/:id', { schema: { params: idParams } }, async (request, reply) => {
    const service = await services.get(request.params.id);
    if (!service) return kit.refuse(request, reply, 404, 'admin.services.missing.title', 'admin.services.missing.body');
    return editPage(request, reply, service, service);
  });

  routes.post('/services/new', { schema: { body: serviceForm } }, async (request, reply) => {
    const input = fromForm(request.body);
    try {
      const added = await deps.serviceAdmin(request).add(input);
      await kit.audited(request, 'service.added', { serviceId: added.id });
      return reply.redirect(`${kit.base}/services?done=saved`, 303);
    } catch (err) {
      if (!(err instanceof ServiceValidationError)) throw err;
      return editPage(request, reply, undefined, input, serviceInvalidText(t(request), kit.locale(request), err));
    }
  });

  routes.post('/services/:id', { schema: { params: idParams, body: serviceForm } }, async (request, reply) => {
    const input = { ...fromForm(request.body), id: request.params.id };
    try {
      const { id, ...patch } = input;
      await deps.serviceAdmin(request).update(id, patch);
      await kit.audited(request, 'service.updated', { serviceId: input.id });
      return reply.redirect(`${kit.base}/services?done=saved`, 303);
    } catch (err) {
      if (err instanceof AdminNotFound) return kit.refuse(request, reply, 404, 'admin.services.missing.title', 'admin.services.missing.body');
      if (!(err instanceof ServiceValidationError)) throw err;
      return editPage(request, reply, await services.get(input.id), input, serviceInvalidText(t(request), kit.locale(request), err));
    }
  });

  routes.post('/services/:id/delete', { schema: { params: idParams, body: form({ csrf: field }) } }, async (request, reply) => {
    const { id } = request.params;
    try {
      await deps.serviceAdmin(request).remove(id);
    } catch (err) {
      if (err instanceof AdminNotFound) return kit.refuse(request, reply, 404, 'admin.services.missing.title', 'admin.services.missing.body');
      if (!(err instanceof ServiceValidationError)) throw err;
      return kit.refuse(request, reply, 409, 'admin.services.builtin.title', 'admin.services.builtin.body');
    }
    await kit.audited(request, 'service.deleted', { serviceId: id });
    return reply.redirect(`${kit.base}/services?done=deleted`, 303);
  });

  function editPage(request: FastifyRequest, reply: FastifyReply, existing: RegisteredService | undefined, values: NewService, error?: string) {
    const title = existing ? existing.name : t(request)('admin.services.new');
    return kit.render(
      request,
      reply,
      'admin-service-edit',
      {
        title,
        existing,
        builtIn: existing ? isBuiltIn(existing) : false,
        v: toFormValues(values),
        methods: SIGN_IN_METHODS,
        error,
        section: 'services',
      },
      error ? 400 : 200,
    );
  }
}

function defaults(): NewService {
  return {
    ...POLICY_DEFAULTS,
    name: '',
    pattern: '',
    matchType: 'prefix',
    evaluationOrder: 100,
    attributes: [],
    logoutType: 'back-channel',
    enabled: true,
  };
}

const names = (text: string) => text.split(/[\s,，]+/).filter(Boolean);

/** `source: name1, name2` per line, as the form shows a map of lists. */
function nameLists(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at <= 0) continue;
    out[line.slice(0, at).trim()] = line
      .slice(at + 1)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  return out;
}

/** The form as a service; the registry's own validation (services/validation.ts) says what is wrong with it. */
function fromForm(f: ServiceForm): Omit<RegisteredService, 'id'> {
  const order = Number(f.evaluationOrder);
  return {
    name: f.name.trim(),
    description: f.description.trim() || null,
    pattern: f.pattern.trim(),
    matchType: f.matchType as RegisteredService['matchType'],
    evaluationOrder: Number.isFinite(order) && f.evaluationOrder.trim() !== '' ? order : 0,
    attributes: names(f.attributes),
    attributeRenames: nameLists(f.attributeRenames),
    usernameAttribute: f.usernameAttribute.trim() || null,
    usernameCase: (f.usernameCase || 'none') as RegisteredService['usernameCase'],
    requiredAttributes: nameLists(f.requiredAttributes),
    requireAllAttributes: f.requireAllAttributes === 'on',
    requiredAttributesCaseInsensitive: f.requiredAttributesCaseInsensitive === 'on',
    signInMethods: f.signInMethods.filter((m): m is SignInMethod => (SIGN_IN_METHODS as readonly string[]).includes(m)),
    mfaPolicy: f.mfaPolicy === 'required' ? 'required' : 'optional',
    logoutType: (f.logoutType || 'back-channel') as RegisteredService['logoutType'],
    logoutUrl: f.logoutUrl.trim() || null,
    proxyPattern: f.proxyPattern.trim() || null,
    enabled: f.enabled === 'on',
  };
}

/** A service as the form's fields show it. */
function toFormValues(s: NewService) {
  const lists = (m: Record<string, string[]> | undefined) =>
    Object.entries(m ?? {})
      .map(([k, v]) => `${k}: ${v.join(', ')}`)
      .join('\n');
  return {
    ...POLICY_DEFAULTS,
    ...s,
    attributes: (s.attributes ?? []).join(', '),
    attributeRenames: lists(s.attributeRenames),
    requiredAttributes: lists(s.requiredAttributes),
    signInMethods: s.signInMethods ?? [],
    description: s.description ?? '',
    usernameAttribute: s.usernameAttribute ?? '',
    logoutUrl: s.logoutUrl ?? '',
    proxyPattern: s.proxyPattern ?? '',
    enabled: s.enabled ?? true,
  };
}
