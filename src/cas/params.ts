/** Request parameters as CAS reads them: case-sensitive names, the first value when repeated. */
export type Params = Record<string, unknown>;

export function param(params: Params | undefined, name: string): string | undefined {
  const v = params?.[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === 'string' ? first : undefined;
}

/** `renew` and `gateway` are set when present (spec 2.1.1); an explicit `false` is read as not set. */
export function flag(params: Params | undefined, name: string): boolean {
  const v = param(params, name);
  return v !== undefined && v.toLowerCase() !== 'false' && v !== '0';
}

/** Query and form body together (validators accept both GET and POST); the body wins on conflict. */
export function mergedParams(query: unknown, body: unknown): Params {
  return { ...(isRecord(query) ? query : {}), ...(isRecord(body) ? body : {}) };
}

function isRecord(v: unknown): v is Params {
  return typeof v === 'object' && v !== null && !Buffer.isBuffer(v);
}
