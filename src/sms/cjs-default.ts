/**
 * The default export of a CommonJS module compiled from ES modules (`exports.default = …`, as both SMS SDKs are).
 * Native Node ESM (and TypeScript's nodenext types) hand over the whole `exports` object, so the value sits at
 * `.default`; Vitest unwraps it already. This accepts both.
 */
export function cjsDefault<T>(imported: { default: T }): T {
  return (imported as { default?: T }).default ?? (imported as unknown as T);
}
