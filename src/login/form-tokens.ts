import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/store.js';
import { randomToken } from '../tickets/ids.js';

const TOKEN = /^LT-([A-Za-z0-9]{22})-([a-z0-9]{1,12})-([a-f0-9]{32})$/;

/**
 * The login form's one-time token (CAS's `lt`/`execution`), bound to the browser that was shown the form.
 * Every form that can end in a sign-in carries one: without it a foreign site could post its own credentials
 * (or its own phone's code) and sign the visitor in as someone else.
 *
 * A token is signed, not stored: `LT-<nonce>-<expiry>-<mac>`, the MAC over the nonce, the expiry and the browser's
 * id. Showing a form writes nothing, so anonymous page views cost no storage; using one records its nonce once
 * (putIfAbsent), which is what makes it single-use on every node.
 */
export function createFormTokens({ kv, clock, secret, ttlSeconds }: { kv: KeyValueStore; clock: Clock; secret: string; ttlSeconds: number }) {
  // A key of its own, derived from the server secret, so these MACs can never be mistaken for any other use of it.
  const key = createHmac('sha256', secret).update('wecas login form tokens').digest();
  const mac = (nonce: string, expiry: string, browserId: string) =>
    createHmac('sha256', key)
      .update(`${nonce}\n${expiry}\n${sha256(browserId)}`)
      .digest('hex')
      .slice(0, 32);

  return {
    /** A token for a form shown to this browser now; writes nothing. */
    issue(browserId: string): string {
      const nonce = randomToken(22);
      const expiry = (clock.now() + ttlSeconds * 1000).toString(36);
      return `LT-${nonce}-${expiry}-${mac(nonce, expiry, browserId)}`;
    },

    /** Single use: a replayed token, an expired one, or one shown to another browser, is refused. */
    async take(token: string | undefined, browserId: string | undefined): Promise<boolean> {
      const parts = TOKEN.exec(token ?? '');
      if (!parts || !browserId) return false;
      const [, nonce, expiry, given] = parts as unknown as [string, string, string, string];
      const left = Number.parseInt(expiry, 36) - clock.now();
      if (!(left > 0)) return false;
      const expected = Buffer.from(mac(nonce, expiry, browserId));
      if (!timingSafeEqual(expected, Buffer.from(given))) return false;
      return kv.putIfAbsent(`login-form-used:${nonce}`, true, Math.ceil(left / 1000));
    },
  };
}

export type FormTokens = ReturnType<typeof createFormTokens>;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('base64url');
}
