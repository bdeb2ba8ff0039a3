// `node --import tsx bench/password-burst.ts`: how long one person's password sign-in takes while another address
// fires 400 wrong passwords at once (the outside review measured 16 s against 0.09 s alone). The authenticator as
// wecas wires it (throttle, hash gate, real scrypt), in-memory stores; median of 5 rounds, each against fresh counters.
import { createWecas } from '../src/wecas.js';
import { testConfig } from '../test/support/config.js';

const ROUNDS = 5;
const BURST = 400;
const context = (ip: string) => ({ client: { ip, userAgent: null }, browserId: undefined });
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const alone: number[] = [];
const during: number[] = [];
let checked = 0;
for (let round = 0; round < ROUNDS; round++) {
  const wecas = await createWecas(testConfig({ TICKET_REGISTRY: 'memory' }));
  await wecas.users.create({ username: 'alice', password: 'right-password' });
  const signIn = async (ip: string) => {
    const started = performance.now();
    const outcome = await wecas.password.authenticate({ username: 'alice', password: 'right-password' }, context(ip));
    if (outcome.kind !== 'authenticated') throw new Error(`alice was refused: ${JSON.stringify(outcome)}`);
    return performance.now() - started;
  };
  alone.push(await signIn(`203.0.113.${round + 1}`));
  const burst = Array.from({ length: BURST }, (_, i) =>
    wecas.password.authenticate({ username: `guess${i}`, password: 'Password1' }, context('198.51.100.4')),
  );
  during.push(await signIn(`203.0.113.${round + 100}`));
  checked = (await Promise.all(burst)).filter((o) => o.kind === 'refused' && o.reason === 'invalid_credentials').length;
  await wecas.close();
}
console.log(
  `password sign-in alone: ${median(alone).toFixed(0)} ms; during a burst of ${BURST} wrong passwords from another address: ${median(during).toFixed(0)} ms (median of ${ROUNDS}); passwords of the burst checked: ${checked}`,
);
