import { Filter } from 'ldapts';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * `template` with every `{placeholder}` replaced by `value`, escaped as RFC 4515 asks (ldapts's Filter.escape):
 * `*`, `(`, `)`, `\` and NUL stay literal characters of the value, so a login cannot widen or rewrite the filter.
 */
export function fillFilter(template: string, placeholder: string, value: string | Buffer): string {
  return template.replaceAll(`{${placeholder}}`, Filter.escape(value));
}

/** The template filled with each value, any of which may match. */
export function anyOf(template: string, placeholder: string, values: string[]): string {
  const filters = values.map((value) => fillFilter(template, placeholder, value));
  return filters.length === 1 ? filters[0]! : `(|${filters.join('')})`;
}

/**
 * The forms a directory may hold an E.164 number in: `+8613812345678`, `13812345678`, `+86 138 1234 5678`,
 * `138 1234 5678`, `008613812345678`, `8613812345678`. A telephoneNumber attribute ignores spaces and hyphens when
 * matching; AD's `mobile` is a plain string and does not, hence the spaced forms too. What matched is read back
 * with normalisePhone, so a form that matches someone else's number does no harm.
 */
export function phoneForms(e164: string): string[] {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return [e164];
  const national = parsed.nationalNumber;
  const nationalFormat = parsed.formatNational();
  const forms = [
    e164,
    national,
    nationalFormat,
    nationalFormat.replace(/\D/g, ''),
    parsed.formatInternational(),
    `00${parsed.countryCallingCode}${national}`,
    `${parsed.countryCallingCode}${national}`,
  ];
  return [...new Set(forms)];
}
