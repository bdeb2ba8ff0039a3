// Reading request parameters the lenient way WeChat does: a repeated parameter counts once (first wins).
import type { FastifyRequest } from 'fastify';

export function param(source: unknown, name: string): string | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const value: unknown = (source as Record<string, unknown>)[name];
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

export const queryParam = (request: FastifyRequest, name: string): string | undefined => param(request.query, name);
export const bodyParam = (request: FastifyRequest, name: string): string | undefined => param(request.body, name);
