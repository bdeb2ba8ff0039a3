import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { ServiceRegistry } from './registry.js';
import type { LogoutType, RegisteredService } from './types.js';
import { ServiceValidationError, validateService } from './validation.js';

/**
 * Imports Apereo CAS JSON service definitions (one service per file, as in Apereo's JSON service registry), so a
 * site moving from Apereo keeps its registry. Only what wecas can honour is read; a policy it cannot honour is
 * refused rather than silently widened or narrowed.
 */

/** Why some definitions could not be imported; each problem names the file and the field. Nothing was imported. */
export class ApereoImportError extends Error {
  override name = 'ApereoImportError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

export interface ImportedService {
  file: string;
  service: RegisteredService;
  action: 'added' | 'updated';
}

/**
 * Imports a definition file, or every `*.json` file of a directory. All files are checked before the first one
 * is written; a service whose id exists already is updated.
 */
export async function importApereoServices(registry: ServiceRegistry, fileOrDir: string): Promise<ImportedService[]> {
  const definitions = await readApereoServices(fileOrDir);
  const imported: ImportedService[] = [];
  for (const { file, service } of definitions) {
    if (await registry.update(service)) {
      imported.push({ file, service, action: 'updated' });
    } else {
      imported.push({ file, service: await registry.add(service), action: 'added' });
    }
  }
  return imported;
}

/** Reads and checks the definitions of a file or directory (sorted by file name); throws ApereoImportError. */
export async function readApereoServices(fileOrDir: string): Promise<Array<{ file: string; service: RegisteredService }>> {
  const files = await definitionFiles(fileOrDir);
  const problems: string[] = [];
  const definitions: Array<{ file: string; service: RegisteredService }> = [];
  const fileById = new Map<number, string>();
  for (const file of files) {
    try {
      const service = parseApereoService(await readFile(file, 'utf8'), file);
      const other = fileById.get(service.id);
      if (other !== undefined) {
        problems.push(`${file}: id: ${service.id} is also the id of ${other}`);
        continue;
      }
      fileById.set(service.id, file);
      definitions.push({ file, service });
    } catch (error) {
      if (!(error instanceof ApereoImportError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ApereoImportError(problems);
  return definitions;
}

/** Turns the text of one definition into a service; `source` names it in errors. Throws ApereoImportError. */
export function parseApereoService(text: string, source: string): RegisteredService {
  let json: unknown;
  try {
    json = JSON.parse(relaxedJsonToJson(text));
  } catch (error) {
    throw new ApereoImportError([`${source}: not valid JSON: ${describeJsonError(error, text)}`]);
  }
  const parsed = apereoServiceSchema.safeParse(json);
  if (!parsed.success) {
    throw new ApereoImportError(parsed.error.issues.map((i) => `${source}: ${i.path.join('.') || '(file)'}: ${i.message}`));
  }
  const d = parsed.data;
  const release = d.attributeReleasePolicy ?? { attributes: [], attributeRenames: {} };
  const access = d.accessStrategy;
  try {
    return validateService({
      id: d.id,
      name: d.name,
      description: d.description ?? null,
      pattern: d.serviceId,
      matchType: 'regex',
      evaluationOrder: d.evaluationOrder ?? 0,
      attributes: release.attributes,
      attributeRenames: release.attributeRenames,
      usernameAttribute: d.usernameAttributeProvider?.usernameAttribute ?? null,
      usernameCase: d.usernameAttributeProvider?.usernameCase ?? 'none',
      requiredAttributes: access?.requiredAttributes ?? {},
      requireAllAttributes: access?.requireAllAttributes ?? true,
      requiredAttributesCaseInsensitive: access?.caseInsensitive ?? false,
      signInMethods: [],
      mfaPolicy: d.multifactorPolicy ?? 'optional',
      logoutType: logoutTypes[d.logoutType ?? 'BACK_CHANNEL'],
      logoutUrl: d.logoutUrl ?? null,
      proxyPattern: d.proxyPolicy ?? null,
      enabled: access?.enabled ?? true,
    });
  } catch (error) {
    if (!(error instanceof ServiceValidationError)) throw error;
    const [ours, ...rest] = error.field?.split('.') ?? [];
    const field = apereoFieldNames[ours ?? ''] ?? error.field ?? '(file)';
    const key = ours === 'attributeRenames' || ours === 'requiredAttributes' ? rest.slice(0, 1) : [];
    // Our own field's name leaves the message: the Apereo one stands before it.
    const message = error.message.replace(/^invalid service: /, '').replace(`${error.field}: `, '');
    throw new ApereoImportError([`${source}: ${[field, ...key].join('.')}: ${message}`]);
  }
}

/**
 * Apereo reads its definitions with a relaxed (hjson) parser; this accepts the part of it seen in practice:
 * `//`, `#` and `/* *\/` comments and trailing commas. They are blanked out with spaces, so JSON.parse's
 * error positions still point into the original text.
 */
export function relaxedJsonToJson(text: string): string {
  const out = text.split('');
  let lastSignificant = -1; // index of the last character outside comments and whitespace
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const end = endOfString(text, i);
      lastSignificant = end;
      i = end;
    } else if (c === '/' && text[i + 1] === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? text.length : close + 2;
      blank(out, i, end);
      i = end - 1;
    } else if ((c === '/' && text[i + 1] === '/') || c === '#') {
      const newline = text.indexOf('\n', i);
      const end = newline === -1 ? text.length : newline;
      blank(out, i, end);
      i = end - 1;
    } else if ((c === '}' || c === ']') && lastSignificant >= 0 && out[lastSignificant] === ',') {
      out[lastSignificant] = ' ';
      lastSignificant = i;
    } else if (c !== undefined && !/\s/.test(c)) {
      lastSignificant = i;
    }
  }
  return out.join('');
}

function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

function blank(chars: string[], from: number, to: number): void {
  for (let i = from; i < to; i++) if (chars[i] !== '\n') chars[i] = ' ';
}

function describeJsonError(error: unknown, text: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const position = /at position (\d+)/.exec(message)?.[1];
  if (position === undefined) return message;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = Number(position) - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

async function definitionFiles(fileOrDir: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(fileOrDir);
  } catch {
    throw new ApereoImportError([`${fileOrDir}: no such file or directory`]);
  }
  if (!info.isDirectory()) return [fileOrDir];
  const names = (await readdir(fileOrDir)).filter((n) => n.endsWith('.json')).sort();
  if (names.length === 0) throw new ApereoImportError([`${fileOrDir}: no .json service definitions in this directory`]);
  return names.map((n) => path.join(fileOrDir, n));
}

const logoutTypes: Record<'BACK_CHANNEL' | 'FRONT_CHANNEL' | 'NONE', LogoutType> = {
  BACK_CHANNEL: 'back-channel',
  FRONT_CHANNEL: 'front-channel',
  NONE: 'none',
};

// Our field names, as the Apereo file spells them, for error messages.
const apereoFieldNames: Record<string, string> = {
  id: 'id',
  name: 'name',
  description: 'description',
  pattern: 'serviceId',
  evaluationOrder: 'evaluationOrder',
  attributes: 'attributeReleasePolicy.allowedAttributes',
  attributeRenames: 'attributeReleasePolicy.allowedAttributes',
  usernameAttribute: 'usernameAttributeProvider.usernameAttribute',
  requiredAttributes: 'accessStrategy.requiredAttributes',
  logoutUrl: 'logoutUrl',
  proxyPattern: 'proxyPolicy.pattern',
};

/** The simple class name of an Apereo `@class` value (`org.apereo.cas.services.X` → `X`). */
function className(value: string): string {
  return value.slice(value.lastIndexOf('.') + 1);
}

function classOneOf(names: string[]) {
  return z.string().refine((v) => names.includes(className(v)), `unsupported @class (wecas reads ${names.join(', ')})`);
}

// Apereo's Jackson writes typed collections as ["java.util.ArrayList", [items]]; hand-written files use a plain array.
const javaList = z.union([z.array(z.string()), z.tuple([z.string().startsWith('java.util.'), z.array(z.string())]).transform(([, items]) => items)]);

/** A Java map as Jackson writes it: a JSON object, with its type as an `@class` key ("java.util.TreeMap") to drop. */
function javaMap<T extends z.ZodType>(values: T) {
  return z.preprocess(
    (value) => {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
      const { '@class': _type, ...entries } = value as Record<string, unknown>;
      return entries;
    },
    z.record(z.string(), values),
  );
}

/** One string where a list may stand: the list of it. */
function oneOrList(value: unknown): unknown {
  return typeof value === 'string' ? [value] : value;
}

/** Apereo runs inline Groovy (and script files) where a name or a value is expected; wecas runs no scripts. */
const SCRIPT = /^\s*(groovy\s*\{|file:|classpath:)/i;
const noScript = (what: string) =>
  z.string().refine((v) => !SCRIPT.test(v), `is a script; wecas runs no scripts, so ${what} must be plain (rewrite it, or leave it out)`);

// A released name, or several (Apereo: a source can be released under several names).
const releasedNames = z.preprocess(oneOrList, javaList.pipe(z.array(noScript('a released name'))));

const attributeReleasePolicy = z
  .object({
    '@class': classOneOf(['ReturnAllowedAttributeReleasePolicy', 'ReturnMappedAttributeReleasePolicy', 'DenyAllAttributeReleasePolicy']),
    allowedAttributes: z.unknown().optional(),
    // A filter takes values away: releasing them unfiltered would widen what the service is told.
    attributeFilter: z.null({ error: 'wecas cannot filter released values; remove the filter, or the attributes it filters' }).optional(),
  })
  .transform((p, ctx) => {
    const none = { attributes: [] as string[], attributeRenames: {} as Record<string, string[]> };
    const policy = className(p['@class']);
    if (policy === 'DenyAllAttributeReleasePolicy' || p.allowedAttributes === undefined) return none;
    const schema = policy === 'ReturnAllowedAttributeReleasePolicy' ? javaList : javaMap(releasedNames);
    const read = schema.safeParse(p.allowedAttributes);
    if (!read.success) {
      for (const issue of read.error.issues) ctx.addIssue({ ...issue, path: ['allowedAttributes', ...issue.path] } as never);
      return z.NEVER;
    }
    return Array.isArray(read.data) ? { ...none, attributes: read.data } : { ...none, attributeRenames: read.data as Record<string, string[]> };
  });

const canonicalization = { UPPER: 'upper', LOWER: 'lower', NONE: 'none' } as const;

const usernameAttributeProvider = z
  .object({
    '@class': classOneOf(['DefaultRegisteredServiceUsernameProvider', 'PrincipalAttributeRegisteredServiceUsernameProvider']),
    usernameAttribute: z.string().optional(),
    canonicalizationMode: z.enum(['UPPER', 'LOWER', 'NONE']).optional(),
    encryptUsername: z.literal(false, { error: 'wecas does not encrypt user names' }).optional(),
    scope: z.literal('', { error: 'wecas does not add a scope to user names' }).nullish(),
    removePattern: z.literal('', { error: 'wecas does not remove parts of user names' }).nullish(),
  })
  .superRefine((p, ctx) => {
    if (className(p['@class']) === 'PrincipalAttributeRegisteredServiceUsernameProvider' && !p.usernameAttribute) {
      ctx.addIssue({
        code: 'custom',
        path: ['usernameAttribute'],
        message: 'a PrincipalAttributeRegisteredServiceUsernameProvider needs a usernameAttribute',
      });
    }
  })
  .transform((p) => ({
    usernameAttribute: className(p['@class']) === 'PrincipalAttributeRegisteredServiceUsernameProvider' ? (p.usernameAttribute ?? null) : null,
    usernameCase: canonicalization[p.canonicalizationMode ?? 'NONE'],
  }));

// Apereo reads a required value as a pattern found anywhere in a value (or, in newer versions, an inline script).
const requiredValues = z.preprocess(oneOrList, javaList.pipe(z.array(noScript('a required value'))));

const accessStrategy = z.object({
  // The strategies that decide elsewhere (a remote endpoint, Grouper, a time window) cannot be honoured here.
  '@class': classOneOf(['DefaultRegisteredServiceAccessStrategy']).optional(),
  enabled: z.boolean().optional(),
  ssoEnabled: z.literal(true, { error: 'wecas cannot turn single sign-on off for one service (the application can ask with renew=true)' }).optional(),
  requiredAttributes: javaMap(requiredValues).optional(),
  requireAllAttributes: z.boolean().optional(),
  caseInsensitive: z.boolean().optional(),
  rejectedAttributes: javaMap(z.unknown())
    .refine((m) => Object.keys(m).length === 0, 'wecas cannot refuse people by attribute; require the attributes they must have instead')
    .optional(),
});

const authenticationPolicy = z.object({
  requiredAuthenticationHandlers: javaList
    .refine(
      (handlers) => handlers.length === 0,
      'wecas has no authentication handlers of these names; choose the sign-in methods with `wecas service update <id> --methods`',
    )
    .optional(),
});

/**
 * Apereo's per-service multifactor policy. Its TOTP provider (`mfa-gauth`) and its simple token provider
 * (`mfa-simple`, a code by SMS) are what wecas's second factor is, so either makes the service require it. Other
 * providers (Duo, WebAuthn, YubiKey, RADIUS …), triggers on the person's attributes, bypasses and an open failure
 * mode would each let someone in whom Apereo would have stopped, or stop someone it let in: refused.
 */
const WECAS_MFA_PROVIDERS = ['mfa-gauth', 'mfa-simple'];
const multifactorPolicy = z
  .object({
    '@class': classOneOf(['DefaultRegisteredServiceMultifactorPolicy']).optional(),
    multifactorAuthenticationProviders: javaList
      .refine(
        (providers) => providers.every((p) => WECAS_MFA_PROVIDERS.includes(p)),
        'wecas offers only a TOTP app (mfa-gauth) or an SMS code (mfa-simple) as the second factor',
      )
      .optional(),
    failureMode: z
      .enum(['CLOSED', 'NONE', 'UNDEFINED'], { error: 'wecas never lets a sign-in through without its second factor (failureMode CLOSED)' })
      .optional(),
    bypassEnabled: z.literal(false, { error: 'wecas cannot bypass the second factor for some people' }).optional(),
    forceExecution: z.boolean().optional(),
    principalAttributeNameTrigger: z.literal('', { error: 'wecas cannot ask for a second factor depending on attributes' }).nullish(),
    principalAttributeValueToMatch: z.literal('', { error: 'wecas cannot ask for a second factor depending on attributes' }).nullish(),
    bypassPrincipalAttributeName: z.literal('', { error: 'wecas cannot bypass the second factor for some people' }).nullish(),
    bypassPrincipalAttributeValue: z.literal('', { error: 'wecas cannot bypass the second factor for some people' }).nullish(),
    bypassIfMissingPrincipalAttribute: z.literal(false, { error: 'wecas cannot bypass the second factor for some people' }).optional(),
  })
  .transform((p): 'optional' | 'required' => ((p.multifactorAuthenticationProviders ?? []).length > 0 ? 'required' : 'optional'));

const apereoServiceSchema = z.object({
  '@class': classOneOf(['CasRegisteredService', 'RegexRegisteredService']),
  serviceId: z.string(),
  name: z.string(),
  id: z.number().int(),
  description: z.string().nullish(),
  evaluationOrder: z.number().int().optional(),
  logoutType: z.enum(['BACK_CHANNEL', 'FRONT_CHANNEL', 'NONE']).optional(),
  logoutUrl: z.string().nullish(),
  attributeReleasePolicy: attributeReleasePolicy.optional(),
  usernameAttributeProvider: usernameAttributeProvider.optional(),
  accessStrategy: accessStrategy.optional(),
  authenticationPolicy: authenticationPolicy.optional(),
  multifactorPolicy: multifactorPolicy.optional(),
  // The pgtUrl pattern, or null when the service may not proxy.
  proxyPolicy: z
    .object({
      '@class': classOneOf(['RegexMatchingRegisteredServiceProxyPolicy', 'RefuseRegisteredServiceProxyPolicy']),
      pattern: z.string().optional(),
    })
    .refine((p) => className(p['@class']) !== 'RegexMatchingRegisteredServiceProxyPolicy' || p.pattern, {
      message: 'a RegexMatchingRegisteredServiceProxyPolicy needs a pattern',
      path: ['pattern'],
    })
    .transform((p) => (className(p['@class']) === 'RegexMatchingRegisteredServiceProxyPolicy' ? (p.pattern ?? null) : null))
    .optional(),
});
