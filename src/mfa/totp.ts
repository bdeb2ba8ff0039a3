import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: HMAC-SHA1, 6 digits, 30-second steps. */
const PERIOD = 30;
const DIGITS = 6;
/** One step either side: a phone clock 30 s off, or a code typed as it turns, is still accepted. */
const WINDOW = 1;

/** A fresh secret: 160 random bits (RFC 4226 §4's recommended length), in base32 as apps take it typed. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, label = '', issuer = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) });
}

/** The `otpauth://totp/…` URI an app scans (as a QR code) or is given as text. */
export function totpUri(secret: string, account: string, issuer: string): string {
  return totp(secret, account, issuer).toString();
}

/**
 * The time step of the code, when it is one of the secret's codes at `now` (± one step), else undefined. The caller
 * accepts each step at most once (RFC 6238 §5.2: a code seen on the wire must not sign in a second time).
 */
export function totpStep(secret: string, code: string, now: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const delta = totp(secret).validate({ token: code, timestamp: now, window: WINDOW });
  if (delta === null) return undefined;
  return TOTP.counter({ period: PERIOD, timestamp: now }) + delta;
}

/** The code of a secret at a time (tests, and nothing else, compute codes). */
export function totpCode(secret: string, now: number): string {
  return totp(secret).generate({ timestamp: now });
}
