import type { Entry } from 'ldapts';
import type { LdapSettings } from '../../config.js';
import { normalisePhone } from '../../users/phone.js';
import { guidBytes, guidText } from './guid.js';

type Value = string | Buffer;

/** Attributes whose values are a binary GUID, read and searched in AD's canonical text form. */
const GUID_ATTRIBUTES = new Set(['objectguid', 'ms-ds-consistencyguid']);
export const isGuidAttribute = (attribute: string): boolean => GUID_ATTRIBUTES.has(attribute.toLowerCase());

/** AD's ACCOUNTDISABLE flag in userAccountControl. */
const ACCOUNT_DISABLED = 2;

/** What to ask the server for: what an account is made of, and nothing else (never a password). */
export function attributesToRead(settings: LdapSettings): string[] {
  const { login, phone, displayName, mail, groups, id } = settings.attributes;
  return [
    ...new Set([
      login,
      phone,
      displayName,
      'cn',
      mail,
      ...(settings.groups.search ? [] : [groups]),
      id,
      ...Object.values(settings.released),
      ...(settings.disabled.userAccountControl ? ['userAccountControl'] : []),
    ]),
  ];
}

/** Attributes ldapts must hand back as bytes rather than try to read as UTF-8. */
export function binaryAttributes(settings: LdapSettings): string[] {
  return isGuidAttribute(settings.attributes.id) ? [settings.attributes.id] : [];
}

/** An attribute's values, whatever case the server spelled its name in (`memberOf`, `memberof`). */
export function valuesOf(entry: Entry, attribute: string): Value[] {
  const wanted = attribute.toLowerCase();
  const key = Object.keys(entry).find((name) => name.toLowerCase() === wanted);
  const value = key === undefined || key === 'dn' ? [] : entry[key]!;
  return Array.isArray(value) ? value : [value];
}

export function textsOf(entry: Entry, attribute: string): string[] {
  return valuesOf(entry, attribute).filter((value): value is string => typeof value === 'string');
}

/** The entry's stable id as text: a GUID's bytes in AD's canonical form, another attribute's first value as it is. */
export function idOf(entry: Entry, attribute: string): string | undefined {
  const [value] = valuesOf(entry, attribute);
  if (value === undefined) return undefined;
  if (isGuidAttribute(attribute)) return guidText(Buffer.from(value));
  return typeof value === 'string' ? value : undefined;
}

/** What to put in a filter to find the entry `idOf` named; undefined when the text cannot be such an id. */
export function idAssertion(attribute: string, id: string): string | Buffer | undefined {
  if (id === '') return undefined;
  return isGuidAttribute(attribute) ? guidBytes(id) : id;
}

/** Every value of the phone attribute that reads as a mobile number, in E.164. */
export function phonesOf(entry: Entry, attribute: string): string[] {
  return textsOf(entry, attribute).flatMap((text) => {
    const read = normalisePhone(text);
    return read.ok ? [read.phone] : [];
  });
}

export function disabledByUserAccountControl(entry: Entry): boolean {
  const [flags] = textsOf(entry, 'userAccountControl');
  return flags !== undefined && (Number.parseInt(flags, 10) & ACCOUNT_DISABLED) !== 0;
}

/** A group as released: its DN, or the value of the DN's first part (`cn=计算机学院,ou=groups,…` → `计算机学院`). */
export function groupAs(format: 'dn' | 'name', dn: string): string {
  return format === 'dn' ? dn : firstRdnValue(dn);
}

/** The value of a DN's first attribute=value pair, its RFC 4514 escapes (`\,`, `\2C`, UTF-8 as `\E5\BC\A0`) undone. */
export function firstRdnValue(dn: string): string {
  const bytes: number[] = [];
  let i = dn.indexOf('=') + 1;
  while (i < dn.length && dn[i] !== ',' && dn[i] !== '+') {
    if (dn[i] === '\\' && /^[0-9a-fA-F]{2}$/.test(dn.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(dn.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      if (dn[i] === '\\') i += 1;
      if (i >= dn.length) break;
      const char = String.fromCodePoint(dn.codePointAt(i) ?? 0);
      bytes.push(...Buffer.from(char));
      i += char.length;
    }
  }
  return Buffer.from(bytes).toString('utf8').trim();
}
