import { randomUUID } from 'node:crypto';
import type { Selectable, Updateable } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { UsersTable } from '../store/schema.js';
import { InvalidUserError, UserConflictError } from './errors.js';
import { hashPassword } from './password.js';
import { E164 } from './phone.js';
import type { NewUser, User, UserPatch, UserStatus } from './types.js';
import { normaliseUsername } from './username.js';

/**
 * Where users live. Usernames are kept lower-case and are unique regardless of case; phones are E.164 and unique.
 * A duplicate username or phone raises `UserConflictError`; a malformed field raises `InvalidUserError`.
 */
export interface UserStore {
  create(user: NewUser): Promise<User>;
  findById(id: string): Promise<User | null>;
  /** Case-insensitive. */
  findByUsername(username: string): Promise<User | null>;
  findByPhone(e164: string): Promise<User | null>;
  /** The record of an account that lives in another directory. */
  findByDirectoryId(directory: string, id: string): Promise<User | null>;
  /** Oldest first; 100 at a time unless told otherwise. */
  list(opts?: { limit?: number; offset?: number }): Promise<User[]>;
  /** False when there is no such user. */
  setStatus(id: string, status: UserStatus): Promise<boolean>;
  /** False when there is no such user. */
  setPassword(id: string, password: string): Promise<boolean>;
  /** Stores a hash as it is (the upgrade of a legacy hash to the current one, an import of hashes). False when there is no such user. */
  setPasswordHash(id: string, hash: string): Promise<boolean>;
  /** Records that `phone` was just proved by a code in a sign-in to this account. False when there is no such user. */
  markPhoneProved(id: string, phone: string): Promise<boolean>;
  /** The updated user, or null when there is no such user. */
  update(id: string, patch: UserPatch): Promise<User | null>;
  /** False when there was no such user. Its WeChat links go with it; its audit events stay. */
  delete(id: string): Promise<boolean>;
  /**
   * The user and their password hash in one query, for password sign-in only. The hash is kept off `User`
   * so it can never travel with a user record into logs, sessions or released attributes.
   */
  findForSignIn(username: string): Promise<{ user: User; passwordHash: string | null } | null>;
}

type UserRow = Selectable<UsersTable>;

export class SqlUserStore implements UserStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async create(input: NewUser): Promise<User> {
    const username = input.username === undefined ? null : checkUsername(input.username);
    const phone = input.phone === undefined ? null : checkPhone(input.phone);
    if (username === null && phone === null && !input.directory)
      throw new InvalidUserError('user', 'a user needs a username or a phone number to sign in with');
    const now = this.clock.now();
    const row: UserRow = {
      id: randomUUID(),
      username,
      phone,
      password_hash: input.password === undefined ? null : await hashPassword(checkPassword(input.password)),
      display_name: input.displayName ?? null,
      avatar_url: input.avatarUrl ?? null,
      attributes: JSON.stringify(checkAttributes(input.attributes ?? {})),
      status: 'active',
      directory: input.directory?.name ?? 'local',
      directory_id: input.directory?.id ?? null,
      proved_phone: null,
      created_at: now,
      updated_at: now,
    };
    // No look-up first: two creates racing for one username would both pass it. The unique index decides.
    await withConflicts(this.db.insertInto('users').values(row).execute());
    return toUser(row);
  }

  async findById(id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async findByUsername(username: string): Promise<User | null> {
    return (await this.findForSignIn(username))?.user ?? null;
  }

  async findByPhone(e164: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('phone', '=', e164).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async findByDirectoryId(directory: string, id: string): Promise<User | null> {
    const row = await this.db.selectFrom('users').selectAll().where('directory', '=', directory).where('directory_id', '=', id).executeTakeFirst();
    return row ? toUser(row) : null;
  }

  async list({ limit = 100, offset = 0 }: { limit?: number; offset?: number } = {}): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('created_at').orderBy('id').limit(limit).offset(offset).execute();
    return rows.map(toUser);
  }

  async setStatus(id: string, status: UserStatus): Promise<boolean> {
    return this.set(id, { status });
  }

  async setPassword(id: string, password: string): Promise<boolean> {
    return this.set(id, { password_hash: await hashPassword(checkPassword(password)) });
  }

  async setPasswordHash(id: string, hash: string): Promise<boolean> {
    return this.set(id, { password_hash: hash });
  }

  async markPhoneProved(id: string, phone: string): Promise<boolean> {
    return this.set(id, { proved_phone: checkPhone(phone) });
  }

  async update(id: string, patch: UserPatch): Promise<User | null> {
    const changes: Updateable<UsersTable> = {};
    if (patch.username !== undefined) changes.username = patch.username === null ? null : checkUsername(patch.username);
    if (patch.displayName !== undefined) changes.display_name = patch.displayName;
    if (patch.avatarUrl !== undefined) changes.avatar_url = patch.avatarUrl;
    if (patch.phone !== undefined) changes.phone = patch.phone === null ? null : checkPhone(patch.phone);
    if (patch.attributes !== undefined) changes.attributes = JSON.stringify(checkAttributes(patch.attributes));
    if (!(await this.set(id, changes))) return null;
    return this.findById(id);
  }

  async delete(id: string): Promise<boolean> {
    // Explicitly, not by the foreign key's cascade alone: a SQLite connection opened without foreign_keys would keep them.
    await this.db.deleteFrom('identities').where('user_id', '=', id).execute();
    const result = await this.db.deleteFrom('users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async findForSignIn(username: string): Promise<{ user: User; passwordHash: string | null } | null> {
    const normalised = normaliseUsername(username);
    if (normalised === null) return null;
    const row = await this.db.selectFrom('users').selectAll().where('username', '=', normalised).executeTakeFirst();
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  private async set(id: string, changes: Updateable<UsersTable>): Promise<boolean> {
    const result = await withConflicts(
      this.db
        .updateTable('users')
        .set({ ...changes, updated_at: this.clock.now() })
        .where('id', '=', id)
        .executeTakeFirst(),
    );
    return result.numUpdatedRows > 0n;
  }
}

export function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    phone: row.phone,
    displayName: row.display_name,
    avatarUrl: row.avatar_url,
    attributes: JSON.parse(row.attributes) as Record<string, string[]>,
    status: row.status,
    directory: row.directory,
    directoryId: row.directory_id,
    hasPassword: row.password_hash !== null,
    provedPhone: row.proved_phone,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function checkUsername(raw: string): string {
  const username = normaliseUsername(raw);
  if (username === null) throw new InvalidUserError('username', 'a username is 1 to 64 characters of letters, digits and . _ @ -');
  return username;
}

function checkPhone(phone: string): string {
  if (!E164.test(phone)) throw new InvalidUserError('phone', `phone "${phone}" is not in E.164 form (+8613812345678)`);
  return phone;
}

function checkPassword(password: string): string {
  if (password.length === 0) throw new InvalidUserError('password', 'the password is empty');
  return password;
}

function checkAttributes(attributes: Record<string, string[]>): Record<string, string[]> {
  for (const [name, values] of Object.entries(attributes)) {
    if (name === '' || !Array.isArray(values) || !values.every((v) => typeof v === 'string'))
      throw new InvalidUserError('attributes', `attribute "${name}" must have a name and a list of strings`);
  }
  return attributes;
}

/** Turns a unique-constraint failure of SQLite or PostgreSQL into a `UserConflictError` naming the field. */
async function withConflicts<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (err) {
    const field = conflictingField(err);
    throw field ? new UserConflictError(field) : err;
  }
}

function conflictingField(err: unknown): 'username' | 'phone' | null {
  if (!(err instanceof Error)) return null;
  const e = err as Error & { code?: unknown; constraint?: unknown };
  // SQLite: code SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed: users.username".
  // PostgreSQL: SQLSTATE 23505 (unique_violation), constraint "users_username_key".
  if (e.code !== 'SQLITE_CONSTRAINT_UNIQUE' && e.code !== '23505') return null;
  const where = `${typeof e.constraint === 'string' ? e.constraint : ''} ${e.message}`;
  if (/users[._]username/.test(where)) return 'username';
  if (/users[._]phone/.test(where)) return 'phone';
  return null;
}
