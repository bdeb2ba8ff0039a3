import { createHash } from 'node:crypto';
import type { KeyValueStore } from '../../kv/store.js';
import { randomToken } from '../../tickets/ids.js';

/** Why a `state` coming back from WeChat or WeCom is not accepted. */
export type StateRefusal = 'state_missing' | 'state_unknown_or_expired' | 'state_other_browser';

/**
 * The `state` of a trip to WeChat or WeCom: 32 characters of [A-Za-z0-9] (both allow 128 bytes), kept server-side
 * with what the trip is for, bound to the browser that started it (a hash of its id cookie), single use.
 */
export function createBrowserStates<T>(kv: KeyValueStore, prefix: string, ttlSeconds: number) {
  return {
    async begin(browserId: string, value: T): Promise<string> {
      const state = randomToken(32);
      await kv.put(`${prefix}${state}`, { browser: hashBrowser(browserId), value }, ttlSeconds);
      return state;
    },

    /**
     * The value a state was made with, used up. Checked before it is taken: a state leaked to another browser
     * cannot be burned there; then taken, so a replayed callback (or the same one on two nodes) finds nothing.
     * `accept` rejects a state made for something else (it then stays, as if unknown here).
     */
    async claim(
      state: string | undefined,
      browserId: string | undefined,
      accept: (value: T) => boolean = () => true,
    ): Promise<{ ok: true; value: T } | { ok: false; reason: StateRefusal }> {
      if (!state || !/^[A-Za-z0-9]{16,64}$/.test(state)) return { ok: false, reason: 'state_missing' };
      const key = `${prefix}${state}`;
      const seen = await kv.get<{ browser: string; value: T }>(key);
      if (!seen || !accept(seen.value)) return { ok: false, reason: 'state_unknown_or_expired' };
      if (!browserId || seen.browser !== hashBrowser(browserId)) return { ok: false, reason: 'state_other_browser' };
      const taken = await kv.take<{ browser: string; value: T }>(key);
      if (!taken) return { ok: false, reason: 'state_unknown_or_expired' };
      return { ok: true, value: taken.value };
    },
  };
}

export function hashBrowser(browserId: string): string {
  return createHash('sha256').update(browserId).digest('base64url');
}
