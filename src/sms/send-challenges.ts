import { createHmac } from 'node:crypto';
import { type Challenge, createChallenge, type Payload, randomInt, verifySolution } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/store.js';

/** What a proof of work given with a send turned out to be. */
export type ProofCheck = 'valid' | 'missing' | 'invalid' | 'expired' | 'used';

/**
 * Proof-of-work challenges for repeated SMS sends (ALTCHA's v2 format, solved in the browser by the altcha widget).
 * A challenge is signed, not stored: making one writes nothing. Redeeming one records its nonce (putIfAbsent), so
 * each challenge buys exactly one send on every node; it expires after CHALLENGE_SECONDS.
 */
export interface SendChallenges {
  /** A fresh challenge for a browser to solve. */
  create(): Promise<Challenge>;
  /** Checks a solution (the widget's base64 payload) and uses its challenge up. */
  redeem(payload: string | undefined): Promise<ProofCheck>;
}

export const CHALLENGE_SECONDS = 10 * 60;
const ALGORITHM = 'PBKDF2/SHA-256';
/** Iterations per try: the rest of the work is the number of tries, so one try stays short on a slow phone. */
const MAX_COST = 5000;

export interface SendChallengesOptions {
  kv: KeyValueStore;
  clock: Clock;
  /** The server secret (SMS_CODE_SECRET); the HMAC keys are derived from it, never it itself. */
  secret: string;
  /** PBKDF2 iterations a solver spends at most (3/4 of it on average). */
  work: number;
}

export function createSendChallenges({ kv, clock, secret, work }: SendChallengesOptions): SendChallenges {
  const derive = (purpose: string) => createHmac('sha256', secret).update(`wecas sms proof of work: ${purpose}`).digest('hex');
  const keys = { hmacSignatureSecret: derive('challenge'), hmacKeySignatureSecret: derive('solution') };
  const cost = Math.min(MAX_COST, work);
  const tries = Math.max(1, Math.floor(work / cost));

  return {
    create() {
      // The answer is a counter between half the tries and all of them: never free, never more than `work`.
      // Expiry goes in `data` and is checked against our clock (altcha-lib's own check reads Date.now()).
      const expires = Math.floor(clock.now() / 1000) + CHALLENGE_SECONDS;
      return createChallenge({
        algorithm: ALGORITHM,
        cost,
        counter: randomInt(tries, Math.ceil(tries / 2)),
        deriveKey,
        data: { expires },
        ...keys,
      });
    },

    async redeem(encoded) {
      const payload = decode(encoded);
      if (!payload) return encoded ? 'invalid' : 'missing';
      const { challenge, solution } = payload;
      if (challenge.parameters.algorithm !== ALGORITHM) return 'invalid';
      const result = await verifySolution({ challenge, solution, deriveKey, ...keys }).catch(() => undefined);
      if (!result?.verified) return 'invalid';
      const left = Number(challenge.parameters.data?.expires) - clock.now() / 1000;
      if (!(left > 0)) return 'expired';
      const fresh = await kv.putIfAbsent(`sms:challenge-used:${challenge.parameters.nonce}`, true, Math.ceil(left));
      return fresh ? 'valid' : 'used';
    },
  };
}

/** The widget's field: base64 of `{ challenge, solution }`. Anything else is not a payload. */
function decode(encoded: string | undefined): Payload | undefined {
  if (!encoded || encoded.length > 4096) return undefined;
  try {
    const value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as Payload;
    const ok =
      typeof value?.challenge?.parameters?.nonce === 'string' &&
      typeof value.challenge.signature === 'string' &&
      typeof value.solution?.counter === 'number' &&
      typeof value.solution.derivedKey === 'string';
    return ok ? value : undefined;
  } catch {
    return undefined;
  }
}
