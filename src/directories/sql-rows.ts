import { normalisePhone } from '../users/phone.js';
import { type DirectoryAccount, DirectoryUnavailable } from './directory.js';

/**
 * The columns every directory query returns, by these names (the queries alias the table's own with AS). Any other
 * column a query returns becomes an attribute of that name (`dept AS department` releases `department`).
 */
export const ACCOUNT_COLUMNS = ['id', 'login', 'password_hash', 'display_name', 'phone', 'mail', 'groups', 'disabled'] as const;
const REQUIRED_COLUMNS = ['id', 'login', 'password_hash'] as const;
const FIXED = new Set<string>(ACCOUNT_COLUMNS);

/** How to read the columns whose form varies from one system to another. */
export interface RowFormat {
  groups: { format: 'delimited' | 'json'; delimiter: string };
  /** Set: `disabled` is a status, active only when one of these. Unset: a flag. */
  activeStatuses: string[] | undefined;
}

/** An account as a row holds it, with the hash its password is checked against (never part of the account). */
export interface AccountRow {
  account: DirectoryAccount;
  passwordHash: string | null;
}

/** The required columns a query's result lacks (`disabled` is required too when it is read as a status). */
export function missingColumns(columns: string[], format: RowFormat): string[] {
  const required: string[] = [...REQUIRED_COLUMNS, ...(format.activeStatuses ? ['disabled'] : [])];
  return required.filter((c) => !columns.includes(c));
}

export function readAccountRow(directory: string, row: Record<string, unknown>, format: RowFormat): AccountRow {
  const misconfigured = (detail: string) => new DirectoryUnavailable(directory, 'misconfigured', detail);
  const id = text(row.id);
  if (id === null) throw misconfigured('a directory query returned a row whose id is empty');
  const phone = text(row.phone);
  const normalised = phone === null ? undefined : normalisePhone(phone);
  return {
    account: {
      directory,
      id,
      login: text(row.login),
      displayName: text(row.display_name),
      phone: normalised?.ok ? normalised.phone : null,
      mail: text(row.mail),
      groups: readGroups(row.groups, format.groups, misconfigured),
      attributes: otherColumns(row),
      disabled: readDisabled(row.disabled, format.activeStatuses, misconfigured),
    },
    passwordHash: text(row.password_hash),
  };
}

/**
 * A column's value as text: trimmed (CHAR(n) columns come padded with spaces), empty read as absent, numbers (an id,
 * a phone kept as BIGINT) written out.
 */
function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const written = Buffer.isBuffer(value) ? value.toString('utf8') : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return written.trim() || null;
}

type Misconfigured = (detail: string) => DirectoryUnavailable;

/** A PostgreSQL array or JSON column arrives as an array; text is a JSON array or a delimited list, as configured. */
function readGroups(value: unknown, { format, delimiter }: RowFormat['groups'], misconfigured: Misconfigured): string[] {
  if (Array.isArray(value)) return value.map(text).filter((g): g is string => g !== null);
  const written = text(value);
  if (written === null) return [];
  if (format === 'delimited') return written.split(delimiter).flatMap((g) => text(g) ?? []);
  let parsed: unknown;
  try {
    parsed = JSON.parse(written);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed)) throw misconfigured('the groups column is not a JSON array, as the groups format says it is');
  return parsed.map(text).filter((g): g is string => g !== null);
}

const FLAG_SET = new Set(['true', 't', '1', 'yes', 'y', 'on']);
const FLAG_UNSET = new Set(['false', 'f', '0', 'no', 'n', 'off']);

/** As a status: active only when listed (a missing status is not active). As a flag: absent is not disabled. */
function readDisabled(value: unknown, activeStatuses: string[] | undefined, misconfigured: Misconfigured): boolean {
  const written = text(value)?.toLowerCase() ?? null;
  if (activeStatuses) return written === null || !activeStatuses.some((s) => s.toLowerCase() === written);
  if (written === null) return false;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0;
  if (FLAG_SET.has(written)) return true;
  if (FLAG_UNSET.has(written)) return false;
  throw misconfigured(
    `the disabled column holds "${written}", not a flag (true/false, 1/0, yes/no); configure active statuses to read it as a status`,
  );
}

/** Every column beyond the fixed ones, by its name, as the attribute values it releases. */
function otherColumns(row: Record<string, unknown>): Record<string, string[]> {
  const attributes: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(row)) {
    if (FIXED.has(name)) continue;
    const values = (Array.isArray(value) ? value : [value]).map(text).filter((v): v is string => v !== null);
    if (values.length > 0) attributes[name] = values;
  }
  return attributes;
}
