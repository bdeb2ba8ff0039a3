import { type Challenge, solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';

/** Solves a challenge as the altcha widget does in a browser, and encodes the answer as the widget's form field. */
export async function solve(challenge: Challenge): Promise<string> {
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('challenge not solved');
  return Buffer.from(JSON.stringify({ challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution })).toString(
    'base64',
  );
}

/** Little work, so tests solve in milliseconds: one PBKDF2 of 1000 iterations a try, one try. */
export const TEST_CHALLENGE_WORK = 1000;
