import { createHmac } from 'node:crypto';
import type { KeyValueStore } from '../kv/store.js';
import type { ProofCheck, SendChallenges } from './send-challenges.js';

/** Whether a send may go ahead: the browser's first to the number, or a repeat with a valid proof of work. */
export type RepeatCheck = 'first' | ProofCheck;

/**
 * The first code a browser asks for a number is free: a person without JavaScript can still sign in. Every further
 * send from that browser to that number within a day needs a solved challenge, one per send. "A browser" is the
 * browser-id cookie (http/cookies.ts); a client that keeps no cookie has no first send and always proves work.
 * The store keeps a keyed digest of the browser id (it also binds login forms), never the id itself.
 */
export function createRepeatSendGate(options: { kv: KeyValueStore; challenges: SendChallenges; secret: string; windowSeconds: number }) {
  const { kv, challenges, secret, windowSeconds } = options;
  const digest = (browser: string) => createHmac('sha256', secret).update(`browser\n${browser}`).digest('base64url');
  const sentKey = (browser: string, phone: string) => `sms:browser-sent:${digest(browser)}:${phone}`;

  return {
    async check(request: { browser: string | undefined; phone: string; proof: string | undefined }): Promise<RepeatCheck> {
      if (request.browser && !(await kv.get(sentKey(request.browser, request.phone)))) return 'first';
      return challenges.redeem(request.proof);
    },
    /** Marks a code as sent from this browser to this number: its next send there needs a proof. */
    async sent(browser: string | undefined, phone: string): Promise<void> {
      if (browser) await kv.put(sentKey(browser, phone), true, windowSeconds);
    },
  };
}

export type RepeatSendGate = ReturnType<typeof createRepeatSendGate>;
