const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;

/**
 * The stored form of a username: trimmed and lower-cased, so `Alice` and `alice` are one account
 * (the unique index then enforces case-insensitive uniqueness on both SQLite and PostgreSQL).
 * Null when it cannot be a username at all.
 */
export function normaliseUsername(raw: string): string | null {
  const trimmed = raw.trim();
  return USERNAME.test(trimmed) ? trimmed.toLowerCase() : null;
}
