// Identifiers shaped like WeChat's (lengths and alphabets as observed in the wild, docs/wechat-open-platform.md §5.2).
import { createHash, randomBytes, randomInt } from 'node:crypto';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHANUMERIC[randomInt(ALPHANUMERIC.length)];
  return out;
}

function randomUrlSafe(length: number): string {
  return randomBytes(length).toString('base64url').slice(0, length);
}

/** QR session id; WeChat's look like `091Fh7Sx4ppOpm3u`. */
export const newQrUuid = (): string => randomAlphanumeric(16);
/** Authorization code: 32 chars of [0-9A-Za-z]. */
export const newAuthCode = (): string => randomAlphanumeric(32);
/** Newer WeChat tokens carry a two-digit prefix and an underscore, then ~100 URL-safe chars. */
export const newAccessToken = (): string => `86_${randomUrlSafe(100)}`;
export const newRefreshToken = (): string => `86_${randomUrlSafe(100)}`;
export const newPersonaId = (): string => `u_${randomAlphanumeric(10)}`;
export const newAvatarKey = (): string => randomUrlSafe(40);

/** The `rid` WeChat appends to error messages: three groups of eight hex digits. */
export function newRequestId(): string {
  return [0, 1, 2].map(() => randomBytes(4).toString('hex')).join('-');
}

/** 28 chars starting with `o`, stable for one input (so identities survive emulator restarts). */
function derivedWeChatId(input: string): string {
  return `o${createHash('sha256').update(input).digest('base64url').slice(0, 27)}`;
}

/** openid differs per app for the same person, as on WeChat. */
export const openidFor = (appId: string, personaId: string): string => derivedWeChatId(`openid:${appId}:${personaId}`);

/**
 * unionid is shared by every app of one open-platform account. All apps registered with one
 * emulator belong to a single account, so the unionid depends on the person only.
 */
export const unionidFor = (personaId: string): string => derivedWeChatId(`unionid:${personaId}`);

/**
 * The openid of a snapshot-page (快照页) user: WeChat gives a virtual account there, never the person's own
 * openid. A new one each time, so nothing can be tied to it.
 */
export const newVirtualOpenid = (): string => derivedWeChatId(`virtual:${randomUrlSafe(24)}`);
