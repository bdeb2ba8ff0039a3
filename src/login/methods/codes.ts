import type { SmsPurpose } from '../../sms/sender.js';
import type { VerificationCodes } from '../../sms/verification-codes.js';
import { normalisePhone } from '../../users/phone.js';
import type { CodeRefusal } from '../outcome.js';

export type TypedCodeCheck = { ok: true; phone: string } | { ok: false; reason: CodeRefusal; attemptsLeft?: number };

/** Checks a phone number and code as a person typed them. A wrong code stays usable; the answer says how many tries are left. */
export async function checkTypedCode(
  codes: VerificationCodes,
  input: { phone: string; code: string; purpose: SmsPurpose; holder?: string },
): Promise<TypedCodeCheck> {
  const parsed = normalisePhone(input.phone.trim());
  if (!parsed.ok) return { ok: false, reason: 'invalid_phone' };
  const code = input.code.trim();
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'missing_code' };
  const verified = await codes.verify({ phone: parsed.phone, purpose: input.purpose, code, ...(input.holder ? { holder: input.holder } : {}) });
  if (verified.ok) return { ok: true, phone: verified.phone };
  return verified.reason === 'wrong_code'
    ? { ok: false, reason: 'wrong_code', attemptsLeft: verified.attemptsLeft }
    : { ok: false, reason: verified.reason };
}
