import { z } from 'zod';
import { anchoredRegex, canonicalPattern } from './matching.js';
import { backtrackingRisk } from './regex-safety.js';
import type { NewService, RegisteredService } from './types.js';

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
