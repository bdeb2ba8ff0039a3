// The "max" metadata: the default "min" set cannot tell a mobile number from a landline.
import { type CountryCode, getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult =
  | { ok: true; phone: string }
  | { ok: false; reason: 'invalid' | 'not_mobile'; message: string }
  /** A real mobile number, but of a country SMS codes are not sent to (SMS_COUNTRIES). */
  | { ok: false; reason: 'country_not_accepted'; country: string | undefined; message: string };

/** The shape of every phone number the user store accepts. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** Mainland China: where a number without a country code is read as being, and where SMS codes go by default. */
export const DEFAULT_COUNTRIES: readonly string[] = ['CN'];

/** Whether libphonenumber knows this ISO 3166 alpha-2 code (`CN`, `HK`…). */
export function isCountryCode(code: string): boolean {
  return isSupportedCountry(code);
}

/** `+86` for `CN`. */
export function callingCode(country: string): string {
  return `+${getCountryCallingCode(country as CountryCode)}`;
}

/**
 * Turns what a person typed into E.164: `13812345678`, `138 1234 5678`, `+86 138-1234-5678` and `0086…` all become
 * `+8613812345678`. Numbers without a country code are read as mainland China (or the first of `countries`). Only
 * mobile numbers are accepted, because the number must receive SMS codes; given `countries` (the SMS layer gives
 * SMS_COUNTRIES), only numbers of those countries, because codes are sent nowhere else.
 */
export function normalisePhone(input: string, options: { countries?: readonly string[] } = {}): PhoneResult {
  const { countries } = options;
  const home = (countries?.[0] ?? DEFAULT_COUNTRIES[0]) as CountryCode;
  const parsed = parsePhoneNumberFromString(input.trim(), home);
  if (!parsed?.isValid())
    return {
      ok: false,
      reason: 'invalid',
      message: `"${input}" is not a valid phone number: give an 11-digit mainland mobile (13812345678) or +country code`,
    };
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE')
    return { ok: false, reason: 'not_mobile', message: `${parsed.number} is not a mobile number: it cannot receive SMS codes` };
  if (countries && !(parsed.country && countries.includes(parsed.country)))
    return {
      ok: false,
      reason: 'country_not_accepted',
      country: parsed.country,
      message: `${parsed.number} is not a number of ${countries.join(', ')}: SMS codes are sent there only`,
    };
  return { ok: true, phone: parsed.number };
}
