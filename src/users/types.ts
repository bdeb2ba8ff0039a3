/** A person who can sign in. The password hash never leaves the store on this record (see `hasPassword`). */
export interface User {
  id: string;
  /** Lower-case; usernames are unique regardless of case. */
  username: string | null;
  /** E.164, e.g. `+8613812345678`. */
  phone: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  /** Extra attributes a service may be released, e.g. `{ mail: ['a@b.cn'], memberOf: ['staff'] }`. */
  attributes: Record<string, string[]>;
  status: UserStatus;
  /** Where the account lives: `local` (this record is the account) or a directory's name, with its id there. */
  directory: string;
  directoryId: string | null;
  hasPassword: boolean;
  /**
   * The number last proved by a code in a sign-in to this account. A bound number that is not this one was put there
   * by an import, an administrator or a directory and never used: it alone does not hand over an account with a password.
   */
  provedPhone: string | null;
  createdAt: number;
  updatedAt: number;
}

export type UserStatus = 'active' | 'disabled';

/** What a new user is made from. A user needs a username or a phone, or nobody could ever find them again. */
export interface NewUser {
  username?: string;
  /** Already normalised to E.164 (see `normalisePhone`). */
  phone?: string;
  password?: string;
  displayName?: string;
  avatarUrl?: string;
  attributes?: Record<string, string[]>;
  /** For the record of an account in another directory: which, and its stable id there. */
  directory?: { name: string; id: string };
}

export interface UserPatch {
  /** A new login name (lower-cased, unique regardless of case), or null to remove it. */
  username?: string | null;
  displayName?: string | null;
  avatarUrl?: string | null;
  /** E.164, or null to remove the phone. */
  phone?: string | null;
  /** Replaces all extra attributes. */
  attributes?: Record<string, string[]>;
}
