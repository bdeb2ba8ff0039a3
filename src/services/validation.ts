import { z } from 'zod';
import { anchoredRegex, canonicalPattern } from './matching.js';
import { backtrackingRisk } from './regex-safety.js';
import { MFA_POLICIES, type NewService, type RegisteredService, SIGN_IN_METHODS } from './types.js';

/** A service definition that cannot be registered; `field` names the offending property. */
export class ServiceValidationError extends Error {
  override name = 'ServiceValidationError';
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

// Attribute names become XML element names in validation responses (docs/cas-protocol.md §0.5).
const XML_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

// A name the person's attributes may have (a source of a rename, a required or username attribute): never an element name.
const attributeName = z.string().trim().min(1, 'must not be empty').max(255);
const releasedName = z.string().regex(XML_NAME, 'attribute names must be XML names ([A-Za-z_][A-Za-z0-9_.-]*)');

const httpUrl = z.string().refine(isServiceUrl, 'must be an absolute http(s) URL');

const serviceSchema = z
  .object({
    id: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
    name: z.string().trim().min(1, 'must not be empty').max(255),
    description: z.string().nullable().default(null),
    pattern: z.string().trim().min(1, 'must not be empty'),
    matchType: z.enum(['exact', 'prefix', 'regex']),
    evaluationOrder: z.number().int().default(0),
    attributes: z
      .array(z.string().regex(XML_NAME, 'attribute names must be XML names ([A-Za-z_][A-Za-z0-9_.-]*)'))
      .default([])
      .transform((names) => [...new Set(names)]),
    attributeRenames: z
      .record(attributeName, z.array(releasedName).min(1, 'name at least one name to release it as'))
      .default({})
      .transform((renames) => Object.fromEntries(Object.entries(renames).map(([source, names]) => [source, [...new Set(names)]]))),
    usernameAttribute: attributeName.nullable().default(null),
    usernameCase: z.enum(['none', 'upper', 'lower']).default('none'),
    requiredAttributes: z
      .record(
        attributeName,
        z
          .array(
            z
              .string()
              .min(1, 'must not be empty')
              .refine(isRegex, 'is not a valid regular expression')
              .superRefine((p, ctx) => refuseBacktracking(p, ctx)),
          )
          .min(1, 'name at least one value pattern'),
      )
      .default({})
      .transform((required) => Object.fromEntries(Object.entries(required).map(([name, values]) => [name, [...new Set(values)]]))),
    requireAllAttributes: z.boolean().default(true),
    requiredAttributesCaseInsensitive: z.boolean().default(false),
    signInMethods: z
      .array(z.enum(SIGN_IN_METHODS))
      .default([])
      .transform((methods) => SIGN_IN_METHODS.filter((m) => methods.includes(m))),
    mfaPolicy: z.enum(MFA_POLICIES).default('optional'),
    logoutType: z.enum(['back-channel', 'front-channel', 'none']).default('back-channel'),
    logoutUrl: httpUrl.nullable().default(null),
    proxyPattern: z
      .string()
      .min(1, 'must not be empty')
      .refine(isRegex, 'is not a valid regular expression')
      .superRefine(refuseBacktracking)
      .nullable()
      .default(null),
    enabled: z.boolean().default(true),
  })
  .superRefine((s, ctx) => {
    // One released name, one source: a name two attributes were released under would hide one of them.
    const sourceOf = new Map<string, string>(s.attributes.map((name) => [name, name]));
    for (const [source, names] of Object.entries(s.attributeRenames)) {
      for (const name of names) {
        const other = sourceOf.get(name);
        if (other !== undefined && other !== source) {
          ctx.addIssue({ code: 'custom', path: ['attributeRenames', source], message: `${name} is already released from ${other}` });
        }
        sourceOf.set(name, source);
      }
    }
    if (s.matchType === 'regex') {
      if (!isRegex(s.pattern)) ctx.addIssue({ code: 'custom', path: ['pattern'], message: `is not a valid regular expression: ${s.pattern}` });
      else refuseBacktracking(s.pattern, ctx, ['pattern']);
    } else if (!isServiceUrl(s.pattern) || s.pattern.includes('#')) {
      ctx.addIssue({
        code: 'custom',
        path: ['pattern'],
        message: `${s.matchType === 'exact' ? 'an exact' : 'a prefix'} pattern must be an absolute http(s) URL without user info or #fragment (got ${s.pattern})`,
      });
    }
  });

export type ValidService = Omit<RegisteredService, 'id'> & { id?: number };

/** Checks a service definition and fills in the defaults; throws ServiceValidationError. */
export function validateService(input: RegisteredService): RegisteredService;
export function validateService(input: NewService): ValidService;
export function validateService(input: NewService): ValidService {
  const parsed = serviceSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  const field = issues[0]?.path.join('.');
  const message = issues.map((i) => `${i.path.join('.') || 'service'}: ${i.message}`).join('; ');
  throw new ServiceValidationError(`invalid service: ${message}`, field);
}

function isServiceUrl(url: string): boolean {
  try {
    canonicalPattern(url);
    return true;
  } catch {
    return false;
  }
}

/** Admins' patterns run on every sign-in with no time limit: refuse the ones that can take exponential time. */
function refuseBacktracking(pattern: string, ctx: z.RefinementCtx, path: string[] = []): void {
  if (!isRegex(pattern)) return;
  const risk = backtrackingRisk(pattern);
  if (risk) ctx.addIssue({ code: 'custom', path, message: risk });
}

function isRegex(pattern: string): boolean {
  try {
    anchoredRegex(pattern);
    return true;
  } catch {
    return false;
  }
}
