// The "max" metadata: the default "min" set cannot tell a mobile number from a landline.
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

export type PhoneResult = { ok: true; phone: string } | { ok: false; reason: 'invalid' | 'not_mobile'; message: string };

/** The shape of every phone number the user store accepts. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * Turns what a person typed into E.164: `13812345678`, `138 1234 5678`, `+86 138-1234-5678` and `0086…` all become
 * `+8613812345678`. Numbers without a country code are read as mainland China. Only mobile numbers are accepted,
 * because the number must receive SMS codes.
 */
export function normalisePhone(input: string): PhoneResult {
  const parsed = parsePhoneNumberFromString(input.trim(), 'CN');
  if (!parsed?.isValid())
    return {
      ok: false,
      reason: 'invalid',
      message: `"${input}" is not a valid phone number: give an 11-digit mainland mobile (13812345678) or +country code`,
    };
  const type = parsed.getType();
  if (type !== 'MOBILE' && type !== 'FIXED_LINE_OR_MOBILE')
    return { ok: false, reason: 'not_mobile', message: `${parsed.number} is not a mobile number: it cannot receive SMS codes` };
  return { ok: true, phone: parsed.number };
}
