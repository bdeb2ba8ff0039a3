import { z } from 'zod';

/**
 * A request parameter as CAS reads it: case-sensitive name, the first value when repeated, anything that is not
 * text read as absent. Never fails, so a protocol endpoint can answer a bad request in the protocol's own form.
 */
export const param = z.unknown().transform(firstText).optional();

/** A form field as typed: text, or empty when missing. */
export const field = z
  .unknown()
  .optional()
  .transform((v) => firstText(v) ?? '');

export function firstText(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/**
 * The named parameters of a parsed query or form body, as `param` reads them (the first value, text only), with no
 * schema run: for the routes every application calls (the validators, /login's SSO redirects). Never fails: anything
 * unreadable is absent.
 */
export function namedParams<K extends string>(source: unknown, names: readonly K[]): Record<K, string | undefined> {
  const record = (typeof source === 'object' && source !== null && !Buffer.isBuffer(source) ? source : {}) as Record<string, unknown>;
  const out = {} as Record<K, string | undefined>;
  for (const name of names) out[name] = firstText(record[name]);
  return out;
}

/**
 * Query strings keep the parameters no route names (`lang`, a client's own extras): pages read `lang`, and a CAS
 * client may add anything.
 */
export function query<T extends z.ZodRawShape>(shape: T) {
  return z.looseObject(shape);
}

/** A form body: only the fields a route names; anything else is dropped. A body that is not a form is a 400. */
export function form<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape);
}
