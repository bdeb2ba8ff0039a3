import { readFileSync } from 'node:fs';
import type { DirectoryAccount } from '../directories/directory.js';
import type { User } from './types.js';

/** What a new password must be (PASSWORD_* settings). */
export interface PasswordPolicySettings {
  /** Characters, after NFKC normalisation (as the hash sees them). */
  minLength: number;
  /** Of lower-case letters, upper-case letters, digits and everything else: how many kinds at least. */
  minClasses: number;
  /** Refuse a password that contains the account's login name or phone digits, or is its display name. */
  refuseOwnName: boolean;
  /** Refuse the passwords of the bundled list (src/users/data/common-passwords.txt). */
  refuseCommon: boolean;
}

export const DEFAULT_PASSWORD_POLICY: PasswordPolicySettings = { minLength: 8, minClasses: 2, refuseOwnName: true, refuseCommon: true };

/** Longer passwords are refused: scrypt takes them, but nobody types 256 characters, and forms are bounded. */
export const MAX_PASSWORD_LENGTH = 256;

export type PasswordRefusal =
  | { reason: 'too_short'; minLength: number }
  | { reason: 'too_long'; maxLength: number }
  | { reason: 'too_few_classes'; minClasses: number }
  | { reason: 'contains_name' }
  | { reason: 'common' };

/** Who the password is for: what it must not contain. */
export interface PasswordOwner {
  login?: string | null;
  displayName?: string | null;
  phone?: string | null;
}

export type PasswordPolicy = ReturnType<typeof createPasswordPolicy>;

let bundled: ReadonlySet<string> | undefined;

/** The bundled list, read once: one password a line, `#` comments, compared lower-cased. */
export function commonPasswords(): ReadonlySet<string> {
  bundled ??= new Set(
    readFileSync(new URL('./data/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => line.toLowerCase()),
  );
  return bundled;
}

/** The kinds of character a password has: lower, upper, digit, other. */
export function characterClasses(password: string): number {
  const kinds = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{Ll}\p{Lu}\p{Nd}]/u];
  return kinds.filter((kind) => kind.test(password)).length;
}

/** Checks a new password against the policy; the first rule it breaks, or undefined when it meets them all. */
export function createPasswordPolicy(settings: PasswordPolicySettings) {
  const common = settings.refuseCommon ? commonPasswords() : new Set<string>();
  return {
    settings,
    check(typed: string, owner: PasswordOwner = {}): PasswordRefusal | undefined {
      const password = typed.normalize('NFKC');
      const length = [...password].length;
      if (length < settings.minLength) return { reason: 'too_short', minLength: settings.minLength };
      if (length > MAX_PASSWORD_LENGTH) return { reason: 'too_long', maxLength: MAX_PASSWORD_LENGTH };
      if (characterClasses(password) < Math.min(settings.minClasses, 4)) return { reason: 'too_few_classes', minClasses: settings.minClasses };
      const lower = password.toLowerCase();
      if (settings.refuseOwnName && containsOwnName(lower, owner)) return { reason: 'contains_name' };
      if (common.has(lower)) return { reason: 'common' };
      return undefined;
    },
  };
}

function containsOwnName(lower: string, owner: PasswordOwner): boolean {
  const login = owner.login?.toLowerCase();
  if (login && login.length >= 3 && lower.includes(login)) return true;
  const name = owner.displayName?.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
  if (name && name.length >= 2 && lower.replace(/\s+/g, '') === name) return true;
  // The number's national part (the last 11 digits of a mainland number): 13812345678 as a password is the phone.
  const digits = owner.phone?.replace(/\D/g, '');
  const national = digits && digits.length > 8 ? digits.slice(-Math.min(11, digits.length - 2)) : undefined;
  return national !== undefined && lower.includes(national);
}

/**
 * Whether an account signs in with a password: a wecas account that has one, or any directory account (LDAP and an
 * existing table keep their passwords; wecas cannot tell an empty one from outside). Such an account is not handed
 * over on the strength of an SMS code to a number it never signed in with.
 */
export function hasPassword(account: Pick<DirectoryAccount, 'directory'>, user: Pick<User, 'hasPassword'>): boolean {
  return account.directory !== 'local' || user.hasPassword;
}
