import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/**
 * A phone number as audit events and logs show it: the country code, the first and last few digits, the rest
 * starred (`+8613812345678` → `+86138****5678`). At least a third of the national number is always hidden.
 */
export function maskPhone(e164: string): string {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed) return '***';
  const national = String(parsed.nationalNumber);
  const long = national.length >= 10;
  const head = long ? 3 : Math.min(2, Math.floor(national.length / 3));
  const tail = long ? 4 : Math.min(2, Math.floor(national.length / 3));
  const hidden = national.length - head - tail;
  return `+${parsed.countryCallingCode}${national.slice(0, head)}${'*'.repeat(hidden)}${national.slice(national.length - tail)}`;
}
