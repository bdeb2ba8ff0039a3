import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

/**
 * Seals short secrets kept in the database (a TOTP secret) with AES-256-GCM under a key derived from the server
 * secret (SMS_CODE_SECRET), which is not in the database: a dump or a backup alone gives no codes away.
 */
export interface Sealer {
  seal(plain: string): string;
  /** The plain text, or undefined when the sealed text was not made with this key (or was altered). */
  open(sealed: string): string | undefined;
}

export function createSealer(serverSecret: string, purpose: string): Sealer {
  const key = createHmac('sha256', serverSecret).update(`wecas sealing key: ${purpose}`).digest();
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      const bytes = Buffer.from(sealed, 'base64url');
      if (bytes.length < 28) return undefined;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(12, 28));
        return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
    },
  };
}
