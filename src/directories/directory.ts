/**
 * Where accounts live: wecas's own tables, an LDAP or Active Directory server, an existing system's user table.
 * One small interface; one contract suite (test/directories/directory.contract.ts) runs against every kind.
 */

/** An account as a directory holds it, read into wecas's terms. */
export interface DirectoryAccount {
  /** The configured name of the directory it lives in (`local`, `ldap`, `hr`…). */
  directory: string;
  /** The directory's stable id for it: unchanged by renames (entryUUID, objectGUID, a primary key, a chosen attribute). */
  id: string;
  /** The name the person signs in with (学号, 工号, uid, sAMAccountName); none for a wecas account made by WeChat or SMS. */
  login: string | null;
  displayName: string | null;
  /** E.164 (`+8613812345678`), read from whatever the directory holds; null when it holds none a phone could receive SMS at. */
  phone: string | null;
  mail: string | null;
  /** Group names, as `memberOf` releases them. */
  groups: string[];
  /** The other attributes the directory maps, by their released name. */
  attributes: Record<string, string[]>;
  /** Disabled in the directory itself (AD's userAccountControl, a configured filter, a status column). */
  disabled: boolean;
}

/** Why a directory could not answer: a person sees "the account service is unavailable" (503), an operator this kind. */
export type DirectoryFailureKind = 'unreachable' | 'timeout' | 'service_account_refused' | 'misconfigured';

/** A directory that could not answer. Its message names the directory and the kind, never a password or a bind DN's secret. */
export class DirectoryUnavailable extends Error {
  override name = 'DirectoryUnavailable';
  constructor(
    readonly directory: string,
    readonly kind: DirectoryFailureKind,
    detail?: string,
  ) {
    super(`directory ${directory} is unavailable: ${kind}${detail ? ` (${detail})` : ''}`);
  }
}

export interface Directory {
  /** Its configured name: part of every account's identity in wecas (`directory` + `id`). */
  readonly name: string;
  /** The account with this login name (case-insensitively where the directory compares so), if any. */
  findByLogin(login: string): Promise<DirectoryAccount | undefined>;
  /** The account with this phone number (E.164), if exactly one has it. */
  findByPhone(phone: string): Promise<DirectoryAccount | undefined>;
  /** The account with this stable id, if it still exists. */
  findById(id: string): Promise<DirectoryAccount | undefined>;
  /** Whether `password` is the account's password. Says nothing about `disabled`: the caller decides what to tell. */
  verifyPassword(account: DirectoryAccount, password: string): Promise<boolean>;
  /** Resolves when the directory answers now (readiness); throws DirectoryUnavailable otherwise. */
  check(): Promise<void>;
  close(): Promise<void>;
}
