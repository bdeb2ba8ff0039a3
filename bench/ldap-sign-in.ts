// `node --import tsx bench/ldap-sign-in.ts`: what a password sign-in through LDAP costs wecas. A real slapd
// (Debian's, started as the tests start it, seeded with ~1,000 accounts) answers the service account's search and
// the person's bind; wecas runs the authenticator as it is wired in production (throttle, directory chain, ldapts).
// The wall time is mostly LDAP's round trips; the CPU time of this process (slapd is another process) is wecas's
// own work: building filters, ldapts encoding and decoding, mapping the entry, the throttle; its system part is
// mostly the socket writes of the three LDAP messages (search, disabled-filter check, bind). Median of 5 rounds of
// 300 sign-ins after a warm-up, one at a time, each by another person from another address.
import { createWecas } from '../src/wecas.js';
import { testConfig } from '../test/support/config.js';
import { startLdapServer } from '../test/support/ldap.js';
import { BASE_DN, DISABLED_FILTER, OPENLDAP_ACCOUNTS, SERVICE_ACCOUNT } from '../test/support/ldap-tree.js';

const ROUNDS = 5;
const PER_ROUND = 300;
const WARM_UP = 100;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const ldap = await startLdapServer();
const wecas = await createWecas(
  testConfig({
    TICKET_REGISTRY: 'memory',
    DIRECTORIES: 'local,ldap',
    LDAP_URL: ldap.url,
    LDAP_BIND_DN: SERVICE_ACCOUNT.dn,
    LDAP_BIND_PASSWORD: SERVICE_ACCOUNT.password,
    LDAP_BASE_DN: BASE_DN,
    LDAP_DISABLED_FILTER: DISABLED_FILTER,
    LDAP_GROUP_FORMAT: 'name',
  }),
);
const people = OPENLDAP_ACCOUNTS.filter((a) => !a.disabled);
let n = 0;
async function signInOnce(): Promise<void> {
  const person = people[n % people.length]!;
  const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  n++;
  const outcome = await wecas.password.authenticate(
    { username: person.login, password: person.password },
    { client: { ip, userAgent: null }, browserId: undefined },
  );
  if (outcome.kind !== 'authenticated') throw new Error(`${person.login} was refused: ${JSON.stringify(outcome)}`);
}

try {
  for (let i = 0; i < WARM_UP; i++) await signInOnce();
  const wallMs: number[] = [];
  const cpuUs: number[] = [];
  const userUs: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < PER_ROUND; i++) await signInOnce();
    const used = process.cpuUsage(cpu);
    wallMs.push((performance.now() - started) / PER_ROUND);
    cpuUs.push((used.user + used.system) / PER_ROUND);
    userUs.push(used.user / PER_ROUND);
  }
  console.log(
    `LDAP password sign-in (the authenticator, ${ROUNDS}×${PER_ROUND}, median per sign-in): ` +
      `${median(wallMs).toFixed(2)} ms wall (LDAP's search and bind round trips included), ` +
      `${(median(cpuUs) / 1000).toFixed(3)} ms of wecas CPU, of which ${(median(userUs) / 1000).toFixed(3)} ms in user space ` +
      "(the rest is the kernel sending the LDAP messages: on loopback it also does the receiving side's TCP work)",
  );
} finally {
  await wecas.close();
  await ldap.close();
}
