import type { AdminVia, AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Accounts } from '../directories/accounts.js';
import type { DirectoryAccount } from '../directories/directory.js';
import type { Db } from '../store/db.js';
import type { SsoSessions } from '../tickets/sessions.js';
import { normalisePhone } from '../users/phone.js';
import { SqlUserStore } from '../users/store.js';
import type { User, UserPatch } from '../users/types.js';
import { normaliseUsername } from '../users/username.js';
import { CsvSyntaxError, parseCsv } from './csv.js';

/**
 * `wecas user import`: a CSV file of accounts, one per row, synced into the users table.
 *
 * - The header names the columns: `login` (required), `phone`, `name`, and any other column is an attribute of that
 *   name, its values separated by `|` (`memberOf` = `staff|library`).
 * - Sync: a login not in wecas is added (without a password: it signs in by SMS code or WeChat, or gets one with
 *   `wecas user passwd`); a login already there takes the row's values for the columns the file has. An empty cell
 *   clears that value (phone, name, or the attribute); a column the file does not have is left alone, as are the
 *   attributes it does not name. Running the same file again changes nothing.
 * - A login that names an account of another directory (found as sign-in finds it, in the DIRECTORIES order) is synced
 *   onto that account's wecas record (made when it has none): the phone becomes its phone binding, the name and the
 *   attributes are used where the directory holds none. No copy of a directory account is made.
 * - Accounts not in the file are left alone, unless `disableMissing`: then wecas's own accounts with a login name that
 *   the file does not list are disabled, and their sessions end with single logout. Accounts without a login name
 *   (made by WeChat or SMS sign-in) and directory accounts are never touched.
 * - All or nothing: every row is checked first, every problem reported by line and column, and the changes are
 *   written in one transaction only when there is none.
 */

export const ATTRIBUTE_SEPARATOR = '|';
const MAX_ERRORS = 50;

export interface ImportOptions {
  dryRun?: boolean;
  disableMissing?: boolean;
}

/** One problem of the file: the line (1-based), and the column (1-based, and its header name) when it is a cell's. */
export interface ImportProblem {
  line: number;
  column?: { index: number; name: string };
  message: string;
}

export class ImportRefused extends Error {
  override name = 'ImportRefused';
  constructor(readonly problems: ImportProblem[]) {
    super(`${problems.length} problem${problems.length === 1 ? '' : 's'} in the file`);
  }
}

export interface FieldChange {
  field: string;
  from: string | null;
  to: string | null;
}

export interface ImportResult {
  added: Array<{ login: string; line: number; fields: FieldChange[] }>;
  updated: Array<{ login: string; line: number; userId: string; changes: FieldChange[] }>;
  unchanged: number;
  disabled: Array<{ login: string; userId: string; sessions: number }>;
  /** True when nothing was written (a dry run). */
  dryRun: boolean;
}

interface Row {
  line: number;
  login: string;
  /** Undefined: the file has no such column. Null: the cell is empty (clear it). */
  phone?: string | null;
  phoneColumn?: ImportProblem['column'];
  displayName?: string | null;
  attributes: Record<string, string[] | null>;
}

const RESERVED: Record<string, string> = {
  password: 'passwords are not imported: accounts sign in through SMS, WeChat or a directory, or get one with `wecas user passwd`',
  id: 'wecas ids are not imported: rows are matched by login',
  status: 'the status is not imported: use `wecas user disable`/`enable`, or --disable-missing',
};

export function createUserImport(deps: {
  db: Db;
  clock: Clock;
  accounts: Pick<Accounts, 'findByLogin'>;
  sessions: Pick<SsoSessions, 'endAll'>;
  audit: AuditLog;
  via: AdminVia;
}) {
  const { db, clock, accounts, sessions, audit, via } = deps;

  return {
    /** Checks the whole file, then (unless a dry run) writes every change in one transaction. Throws ImportRefused. */
    async run(text: string, options: ImportOptions = {}): Promise<ImportResult> {
      const rows = readRows(text);
      const dryRun = options.dryRun ?? false;
      // Which rows name an account of another directory (in the DIRECTORIES order, as sign-in finds them): read before
      // the transaction, which then holds the database only while it writes.
      const inDirectories = new Map<string, DirectoryAccount>();
      for (const row of rows) {
        const account = await accounts.findByLogin(row.login);
        if (account && account.directory !== 'local') inDirectories.set(row.login, account);
      }
      const result = await db.transaction().execute(async (trx) => {
        const store = new SqlUserStore(trx, clock);
        const plan = await planImport(store, trx, rows, inDirectories, options.disableMissing ?? false);
        if (dryRun) return plan;
        // Phones that move between accounts of the file are freed first: the unique index sees no transient duplicate.
        for (const u of plan.updates) if (u.patch.phone !== undefined && u.before.phone !== null) await store.update(u.before.id, { phone: null });
        for (const a of plan.adds) a.user = await store.create(a.input);
        for (const u of plan.updates) await store.update(u.before.id, u.patch);
        for (const d of plan.disables) await store.setStatus(d.id, 'disabled');
        return plan;
      });

      const disabled: ImportResult['disabled'] = [];
      for (const d of result.disables) {
        const ended = dryRun ? 0 : await sessions.endAll(d.id);
        if (!dryRun) await audit.record({ type: 'user.disabled', userId: d.id, via, sessions: ended, missingFromImport: true });
        disabled.push({ login: d.username ?? d.id, userId: d.id, sessions: ended });
      }
      if (!dryRun) {
        for (const a of result.adds)
          if (a.user)
            await audit.record({
              type: 'user.added',
              userId: a.user.id,
              via,
              ...(a.input.directory ? { directory: a.input.directory.name } : { username: a.row.login }),
              password: false,
              import: true,
            });
        for (const u of result.updates)
          await audit.record({ type: 'user.updated', userId: u.before.id, via, changed: u.changes.map((c) => c.field), import: true });
      }
      return {
        added: result.adds.map((a) => ({ login: a.label, line: a.row.line, fields: a.fields })),
        updated: result.updates.map((u) => ({ login: u.label, line: u.row.line, userId: u.before.id, changes: u.changes })),
        unchanged: result.unchanged,
        disabled,
        dryRun,
      };
    },
  };
}

export type UserImport = ReturnType<typeof createUserImport>;

/** The rows of the file, every cell checked; ImportRefused with every problem found (up to 50). */
function readRows(text: string): Row[] {
  let records: ReturnType<typeof parseCsv>;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvSyntaxError) throw new ImportRefused([{ line: err.line, message: err.message }]);
    throw err;
  }
  const [header, ...body] = records;
  if (!header) throw new ImportRefused([{ line: 1, message: 'the file is empty: the first line must name the columns (login,phone,name,…)' }]);

  const problems: ImportProblem[] = [];
  const names = header.cells.map((c) => c.trim());
  const kinds = names.map((name, i) => {
    const column = { index: i + 1, name };
    const lower = name.toLowerCase();
    if (name === '') problems.push({ line: header.line, column, message: 'a column without a name' });
    else if (RESERVED[lower]) problems.push({ line: header.line, column, message: RESERVED[lower] });
    else if (names.indexOf(name) !== i) problems.push({ line: header.line, column, message: `column "${name}" appears twice` });
    if (lower === 'login' || lower === 'username') return 'login';
    if (lower === 'phone') return 'phone';
    if (lower === 'name' || lower === 'displayname' || lower === 'display_name') return 'name';
    return 'attribute';
  });
  if (!kinds.includes('login')) problems.push({ line: header.line, message: 'no "login" column: every row must name its account' });
  if (problems.length > 0) throw new ImportRefused(problems);

  const rows: Row[] = [];
  const loginLines = new Map<string, number>();
  const phoneLines = new Map<string, number>();
  for (const record of body) {
    if (problems.length >= MAX_ERRORS) break;
    const problem = (index: number, message: string) =>
      problems.push({ line: record.line, column: { index: index + 1, name: names[index]! }, message });
    if (record.cells.length !== names.length) {
      problems.push({ line: record.line, message: `${record.cells.length} cells, where the header names ${names.length} columns` });
      continue;
    }
    const row: Row = { line: record.line, login: '', attributes: {} };
    for (const [i, raw] of record.cells.entries()) {
      const cell = raw.trim();
      switch (kinds[i]) {
        case 'login': {
          const login = normaliseUsername(cell);
          if (login === null) {
            problem(i, `"${cell}" is not a login name: 1 to 64 characters of letters, digits and . _ @ -`);
            continue;
          }
          const seen = loginLines.get(login);
          if (seen !== undefined) {
            problem(i, `${login} is also on line ${seen}`);
            continue;
          }
          loginLines.set(login, record.line);
          row.login = login;
          continue;
        }
        case 'phone': {
          if (cell === '') {
            row.phone = null;
            continue;
          }
          row.phoneColumn = { index: i + 1, name: names[i]! };
          const phone = normalisePhone(cell);
          if (!phone.ok) {
            problem(i, phone.message);
            continue;
          }
          const seen = phoneLines.get(phone.phone);
          if (seen !== undefined) {
            problem(i, `${phone.phone} is also on line ${seen}`);
            continue;
          }
          phoneLines.set(phone.phone, record.line);
          row.phone = phone.phone;
          continue;
        }
        case 'name':
          row.displayName = cell === '' ? null : cell;
          continue;
        default: {
          const values = cell
            .split(ATTRIBUTE_SEPARATOR)
            .map((v) => v.trim())
            .filter((v) => v !== '');
          row.attributes[names[i]!] = values.length > 0 ? values : null;
        }
      }
    }
    if (row.login !== '') rows.push(row);
  }
  if (problems.length > 0) throw new ImportRefused(problems);
  return rows;
}

interface Plan {
  /** `label`: the login, with its directory's name for a directory account (`zhangsan (hr)`). */
  adds: Array<{ row: Row; label: string; input: Parameters<SqlUserStore['create']>[0]; fields: FieldChange[]; user?: User }>;
  updates: Array<{ row: Row; label: string; before: User; patch: UserPatch; changes: FieldChange[] }>;
  unchanged: number;
  disables: User[];
}

async function planImport(
  store: SqlUserStore,
  db: Db,
  rows: Row[],
  inDirectories: Map<string, DirectoryAccount>,
  disableMissing: boolean,
): Promise<Plan> {
  const plan: Plan = { adds: [], updates: [], unchanged: 0, disables: [] };
  const problems: ImportProblem[] = [];
  // Each row's wecas account: its own, or the record of its directory account (none yet when it never signed in).
  const existing = new Map<string, User | null>();
  for (const row of rows) {
    const account = inDirectories.get(row.login);
    existing.set(row.login, account ? await store.findByDirectoryId(account.directory, account.id) : await store.findByUsername(row.login));
  }
  // The phone each account of the file will have once the file is applied, by wecas id.
  const phoneAfter = new Map<string, string | null>();
  for (const row of rows) {
    const user = existing.get(row.login);
    if (user) phoneAfter.set(user.id, row.phone !== undefined ? row.phone : user.phone);
  }

  for (const row of rows) {
    const user = existing.get(row.login) ?? null;
    const account = inDirectories.get(row.login);
    const label = account ? `${row.login} (${account.directory})` : row.login;
    if (row.phone) {
      const holder = await store.findByPhone(row.phone);
      const holderStays = holder && holder.id !== user?.id && !(phoneAfter.has(holder.id) && phoneAfter.get(holder.id) !== row.phone);
      if (holder && holderStays) {
        const who =
          holder.username ??
          (holder.directory === 'local'
            ? `an account without a login name (id ${holder.id}; name it with \`wecas user rename ${row.phone} <login>\`)`
            : `the record of ${holder.directory} account ${holder.directoryId}`);
        problems.push({ line: row.line, column: row.phoneColumn, message: `${row.phone} belongs to ${who}, which keeps it` });
        continue;
      }
    }
    const changes = diff(user, row);
    if (!user) {
      const displayName = row.displayName ?? account?.displayName ?? undefined;
      plan.adds.push({
        row,
        label,
        input: {
          ...(account ? { directory: { name: account.directory, id: account.id } } : { username: row.login }),
          ...(row.phone ? { phone: row.phone } : {}),
          ...(displayName ? { displayName } : {}),
          attributes: Object.fromEntries(Object.entries(row.attributes).filter((e): e is [string, string[]] => e[1] !== null)),
        },
        fields: changes,
      });
    } else if (changes.length === 0) plan.unchanged++;
    else plan.updates.push({ row, label, before: user, patch: patchOf(user, row), changes });
  }
  if (problems.length > 0) throw new ImportRefused(problems);

  if (disableMissing) {
    const listed = new Set(rows.map((r) => r.login));
    const candidates = await db
      .selectFrom('users')
      .select('username')
      .where('directory', '=', 'local')
      .where('status', '=', 'active')
      .where('username', 'is not', null)
      .orderBy('username')
      .execute();
    for (const { username } of candidates) {
      if (username === null || listed.has(username)) continue;
      const user = await store.findByUsername(username);
      if (user) plan.disables.push(user);
    }
  }
  return plan;
}

function diff(user: User | null, row: Row): FieldChange[] {
  const changes: FieldChange[] = [];
  const show = (values: string[] | undefined) => (values && values.length > 0 ? values.join(ATTRIBUTE_SEPARATOR) : null);
  if (row.phone !== undefined && (user?.phone ?? null) !== row.phone) changes.push({ field: 'phone', from: user?.phone ?? null, to: row.phone });
  if (row.displayName !== undefined && (user?.displayName ?? null) !== row.displayName)
    changes.push({ field: 'name', from: user?.displayName ?? null, to: row.displayName });
  for (const [name, values] of Object.entries(row.attributes)) {
    const before = show(user?.attributes[name]);
    const after = show(values ?? undefined);
    if (before !== after) changes.push({ field: name, from: before, to: after });
  }
  return changes;
}

function patchOf(user: User, row: Row): UserPatch {
  const patch: UserPatch = {};
  if (row.phone !== undefined && row.phone !== user.phone) patch.phone = row.phone;
  if (row.displayName !== undefined && row.displayName !== user.displayName) patch.displayName = row.displayName;
  const attributes = { ...user.attributes };
  let attributesChanged = false;
  for (const [name, values] of Object.entries(row.attributes)) {
    const before = user.attributes[name];
    if (values === null) {
      if (before !== undefined) {
        delete attributes[name];
        attributesChanged = true;
      }
    } else if (JSON.stringify(before) !== JSON.stringify(values)) {
      attributes[name] = values;
      attributesChanged = true;
    }
  }
  if (attributesChanged) patch.attributes = attributes;
  return patch;
}
