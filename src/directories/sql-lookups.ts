import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { SqlDirectorySettings } from '../config.js';
import type { DirectoryUnavailable } from './directory.js';
import type { SqlReader } from './sql-connection.js';
import { type AccountRow, missingColumns, readAccountRow } from './sql-rows.js';

type QueryName = 'by-login' | 'by-phone' | 'by-id';

/** The three lookups over the configured queries, each checking what its query returns. */
export function createLookups(
  name: string,
  reader: SqlReader,
  settings: SqlDirectorySettings,
  misconfigured: (detail: string) => DirectoryUnavailable,
) {
  const { queries } = settings;
  const statements: Record<QueryName, string | undefined> = {
    'by-login': queries.byLogin,
    'by-phone': queries.byPhone,
    'by-id': queries.byId,
  };

  /** The query's rows, once its columns are known to be the ones an account needs. */
  const select = async (query: QueryName, parameter: string | null): Promise<Array<Record<string, unknown>>> => {
    const { columns, rows } = await reader.select(statements[query]!, parameter);
    const missing = columns ? missingColumns(columns, settings) : [];
    if (missing.length > 0)
      throw misconfigured(
        `the ${query} query returns no column ${missing.join(', ')} (it returns ${columns!.join(', ') || 'none'}); name them with AS`,
      );
    return rows;
  };
  const lookup = async (query: QueryName, parameter: string) => (await select(query, parameter)).map((row) => readAccountRow(name, row, settings));
  const atMostOne = (query: QueryName, rows: AccountRow[]): AccountRow | undefined => {
    if (rows.length > 1) throw misconfigured(`the ${query} query found ${rows.length} accounts where it must find at most one`);
    return rows[0];
  };

  return {
    async byLogin(login: string): Promise<AccountRow | undefined> {
      const row = atMostOne('by-login', await lookup('by-login', login));
      // Without a by-id query, ids are looked up with the by-login query: that only works when the login is the id.
      if (row && !queries.byId && row.account.id !== row.account.login)
        throw misconfigured('without a by-id query the login must be the id, but the by-login query returns an id that differs from the login');
      return row;
    },
    async byId(id: string): Promise<AccountRow | undefined> {
      const query = queries.byId ? 'by-id' : 'by-login';
      // Exact match only: a by-login query standing in may compare case-insensitively, and an id is exact.
      return atMostOne(
        query,
        (await lookup(query, id)).filter((r) => r.account.id === id),
      );
    },
    /** The one account whose stored number is this one once normalised; several, or none, is no match. */
    async byPhone(phone: string): Promise<AccountRow | undefined> {
      const parameter = phoneParameter(phone, settings.phoneParameter);
      if (!queries.byPhone || !parameter) return undefined;
      const rows = (await lookup('by-phone', parameter)).filter((r) => r.account.phone === phone);
      return rows.length === 1 ? rows[0] : undefined;
    },
    /** Runs every configured query with NULL (which matches nothing in a plain comparison) and checks its columns. */
    async checkColumns(): Promise<void> {
      for (const query of ['by-login', 'by-phone', 'by-id'] as const) if (statements[query]) await select(query, null);
    },
  };
}

/** The number as the by-phone query is given it: national (`13812345678`) or E.164; undefined for a number that is not one. */
function phoneParameter(phone: string, form: SqlDirectorySettings['phoneParameter']): string | undefined {
  const parsed = parsePhoneNumberFromString(phone);
  if (!parsed?.isValid()) return undefined;
  return form === 'e164' ? parsed.number : parsed.nationalNumber;
}
