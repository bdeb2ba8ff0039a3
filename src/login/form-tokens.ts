import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../kv/store.js';
import { newTicketId } from '../tickets/ids.js';

/**
 * The login form's one-time token (CAS's `lt`/`execution`), bound to the browser that was shown the form.
 * Every form that can end in a sign-in carries one: without it a foreign site could post its own credentials
 * (or its own phone's code) and sign the visitor in as someone else.
 */
export function createFormTokens({ kv, ttlSeconds }: { kv: KeyValueStore; ttlSeconds: number }) {
  return {
    async issue(browserId: string): Promise<string> {
      const token = newTicketId('LT');
      await kv.put(`login-tx:${token}`, { browser: sha256(browserId) }, ttlSeconds);
      return token;
    },

    /** Single use: a replayed token, or one shown to another browser, is refused. */
    async take(token: string | undefined, browserId: string | undefined): Promise<boolean> {
      if (!token || !/^LT-[A-Za-z0-9]{10,64}$/.test(token)) return false;
      const record = await kv.take<{ browser: string }>(`login-tx:${token}`);
      return !!record && !!browserId && record.browser === sha256(browserId);
    },
  };
}

export type FormTokens = ReturnType<typeof createFormTokens>;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
