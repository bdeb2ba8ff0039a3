// The LDAP directory against a real OpenLDAP (test/support/ldap.ts, seeded by test/support/ldap-tree.ts): the
// contract suite over the university tree and over the Active Directory-shaped branch, then what only LDAP has:
// TLS, failover, filter escaping, the service account, timeouts, a server that comes back, the pool.
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/cluster/processes.js';
import { loadConfig } from '../../src/config.js';
import { type Directory, DirectoryUnavailable } from '../../src/directories/directory.js';
import { createLdapConnections } from '../../src/directories/ldap/connections.js';
import { createLdapDirectory } from '../../src/directories/ldap.js';
import { type LdapServer, startLdapServer } from '../support/ldap.js';
import {
  AD_ACCOUNTS,
  AD_BASE_DN,
  BASE_DN,
  DISABLED_FILTER,
  GROUPS_DN,
  METACHARACTER_ACCOUNT,
  OPENLDAP_ACCOUNTS,
  SERVICE_ACCOUNT,
  type SeededAccount,
} from '../support/ldap-tree.js';
import { adBindRefuser, countingRelay, silentServer } from '../support/tcp-fakes.js';
import { type DirectoryFixture, directoryContract, type KnownAccount } from './directory.contract.js';

// One slapd for the file (about 1.5 s to configure, seed and start); the tests take turns on it.
let started: Promise<LdapServer> | undefined;
const ldap = () => {
  started ??= startLdapServer();
  return started;
};
afterAll(async () => {
  await (await started?.catch(() => undefined))?.close();
});

type Env = Record<string, string>;

/** The variables an operator sets for the university tree. */
const openLdapEnv = (url: string, extra: Env = {}): Env => ({
  DIRECTORIES: 'local,ldap',
  LDAP_URL: url,
  LDAP_BIND_DN: SERVICE_ACCOUNT.dn,
  LDAP_BIND_PASSWORD: SERVICE_ACCOUNT.password,
  LDAP_BASE_DN: BASE_DN,
  LDAP_DISABLED_FILTER: DISABLED_FILTER,
  LDAP_ATTRIBUTES: 'department=departmentNumber,type=employeeType',
  ...extra,
});

/** … and for the AD-shaped branch: AD's defaults, groups by name, attributes as JSON. */
const adEnv = (url: string, extra: Env = {}): Env => ({
  DIRECTORIES: 'ldap',
  LDAP_URL: url,
  LDAP_BIND_DN: SERVICE_ACCOUNT.dn,
  LDAP_BIND_PASSWORD: SERVICE_ACCOUNT.password,
  LDAP_BASE_DN: AD_BASE_DN,
  LDAP_ACTIVE_DIRECTORY: 'true',
  LDAP_GROUP_FORMAT: 'name',
  LDAP_ATTRIBUTES: '{"upn":"userPrincipalName","title":"title"}',
  ...extra,
});

const directoryFor = (env: Env): Directory => createLdapDirectory(loadConfig({ NODE_ENV: 'test', ...env }).directories.ldap!);

const seeded = <A extends SeededAccount>(accounts: readonly A[], login: string): A => accounts.find((a) => a.login === login)!;
const known = (account: SeededAccount, groups = account.groups): KnownAccount => ({
  login: account.login,
  password: account.password,
  phone: account.phone!,
  displayName: account.displayName,
  groups,
});

/** A URL nobody answers at: a port the kernel just found free. */
const closedPortUrl = async () => `ldap://127.0.0.1:${await freePort()}`;

directoryContract('LDAP (OpenLDAP, the university tree)', async (): Promise<DirectoryFixture> => {
  const server = await ldap();
  const directory = directoryFor(openLdapEnv(server.url));
  const [active, other, disabled] = ['2024010001', 'T0001', '2024010050'].map((login) => seeded(OPENLDAP_ACCOUNTS, login));
  return {
    directory,
    active: known(active!),
    other: known(other!),
    disabled: disabled!,
    unreachable: async () => directoryFor(openLdapEnv(await closedPortUrl())),
    close: () => directory.close(),
  };
});

directoryContract('LDAP (Active Directory-shaped)', async (): Promise<DirectoryFixture> => {
  const server = await ldap();
  const directory = directoryFor(adEnv(server.url));
  const [active, other, disabled] = ['wangfang', 'liuyang', 'chenjing'].map((login) => seeded(AD_ACCOUNTS, login));
  // LDAP_GROUP_FORMAT=name: `cn=教务处,ou=groups,…` is released as `教务处`.
  const byName = (a: SeededAccount) => a.groups.map((dn) => dn.slice('cn='.length, dn.indexOf(',')));
  return {
    directory,
    active: known(active!, byName(active!)),
    other: known(other!, byName(other!)),
    disabled: disabled!,
    unreachable: async () => directoryFor(adEnv(await closedPortUrl())),
    close: () => directory.close(),
  };
});

/** Runs `test` with a directory made from `env`, closing it afterwards. */
async function withDirectory(env: Env, test: (directory: Directory) => Promise<void>): Promise<void> {
  const directory = directoryFor(env);
  try {
    await test(directory);
  } finally {
    await directory.close();
  }
}

const unavailable = (kind: string) => expect.objectContaining({ name: 'DirectoryUnavailable', directory: 'ldap', kind });

describe('the LDAP directory', () => {
  it('finds the seeded accounts by login (a sample of the 1,000) and by phone, whatever form the phone is stored in, with their groups', async () => {
    const server = await ldap();
    await withDirectory(openLdapEnv(server.url), async (directory) => {
      const sample = [0, 1, 2, 3, 7, 13, 49, 399, 799, 800, 801, 849, 999].map((i) => OPENLDAP_ACCOUNTS[i]!);
      for (const person of sample) {
        const account = await directory.findByLogin(person.login);
        expect(account, person.login).toMatchObject({
          login: person.login,
          displayName: person.displayName,
          phone: person.phone,
          disabled: person.disabled,
        });
        expect(account!.groups.sort()).toEqual([...person.groups].sort());
        expect(account!.mail).toBe(`${person.login.toLowerCase()}@example.edu`);
        expect(account!.attributes.department).toEqual([person.login.startsWith('T') ? '教务处' : '计算机学院']);
        if (person.phone) expect((await directory.findByPhone(person.phone))?.login, person.mobile).toBe(person.login);
      }
      // Stored as `+86-138-0000-0002`, `138 0000 0003`, a landline (no SMS, so no phone) and nothing at all.
      expect(OPENLDAP_ACCOUNTS.slice(2, 4).map((a) => a.mobile)).toEqual(['+86-138-0000-0002', '138 0000 0003']);
      expect(OPENLDAP_ACCOUNTS[13]!.mobile).toBe('010-6275 1234');
      expect(OPENLDAP_ACCOUNTS[7]!.mobile).toBeUndefined();
    });
  });

  it('finds groups by a search for servers without memberOf, and releases them by name', async () => {
    const server = await ldap();
    const env = openLdapEnv(server.url, {
      LDAP_GROUP_FILTER: '(&(objectClass=groupOfNames)(member={dn}))',
      LDAP_GROUP_BASE_DN: GROUPS_DN,
      LDAP_GROUP_FORMAT: 'name',
    });
    await withDirectory(env, async (directory) => {
      expect((await directory.findByLogin('2024010001'))!.groups.sort()).toEqual(['cs-2024', 'students', '计算机学院'].sort());
      expect((await directory.findByLogin('T0151'))!.groups).toEqual(['staff']);
    });
  });

  it('reads the AD branch: objectGUID as canonical GUID text, userAccountControl bit 2 as disabled, released attributes', async () => {
    const server = await ldap();
    await withDirectory(adEnv(server.url), async (directory) => {
      const wangfang = seeded(AD_ACCOUNTS, 'wangfang');
      const account = (await directory.findByLogin('WangFang'))!;
      const bytes = wangfang.objectGuid.toString('hex');
      // The first three groups little-endian, the last two as stored.
      const expected = `${bytes.slice(6, 8)}${bytes.slice(4, 6)}${bytes.slice(2, 4)}${bytes.slice(0, 2)}-${bytes.slice(10, 12)}${bytes.slice(8, 10)}-${bytes.slice(14, 16)}${bytes.slice(12, 14)}-${bytes.slice(16, 20)}-${bytes.slice(20)}`;
      expect(account.id).toBe(expected);
      expect(account.attributes).toEqual({ upn: ['wangfang@ad.example.edu'], title: ['讲师'] });
      expect((await directory.findById(account.id.toUpperCase()))?.login).toBe('wangfang');
      const flags = await Promise.all(
        ['liuyang', 'chenjing', 'zhaolei', 'ad0001'].map(async (login) => (await directory.findByLogin(login))?.disabled),
      );
      expect(flags).toEqual([false, true, true, false]); // 66048, 514, 66050, 512
    });
  });

  it('escapes the login: filter metacharacters find nothing and inject nothing, and a login made of them finds only its account', async () => {
    const server = await ldap();
    await withDirectory(openLdapEnv(server.url), async (directory) => {
      for (const login of ['*', '2024*', '*)(uid=*', '2024010001)(|(uid=*)', '(', ')', '\\', '\\2a', '2024010001\u0000', '*)(objectClass=*'])
        expect(await directory.findByLogin(login), login).toBeUndefined();
      const account = await directory.findByLogin(METACHARACTER_ACCOUNT.login);
      expect(account).toMatchObject({ login: METACHARACTER_ACCOUNT.login, displayName: '符号' });
      expect(await directory.verifyPassword(account!, METACHARACTER_ACCOUNT.password)).toBe(true);
      expect(await directory.findByPhone('*')).toBeUndefined();
      expect(await directory.findById('*')).toBeUndefined();
    });
  });

  it('searches over a few service-account connections it keeps, and checks passwords over others, kept apart', async () => {
    const server = await ldap();
    const relay = await countingRelay(Number(new URL(server.url).port));
    try {
      await withDirectory(openLdapEnv(relay.url('ldap'), { LDAP_POOL_SIZE: '2' }), async (directory) => {
        const logins = OPENLDAP_ACCOUNTS.slice(100, 140).map((a) => a.login);
        const found = await Promise.all(logins.map((login) => directory.findByLogin(login)));
        expect(found.map((a) => a?.login)).toEqual(logins);
        expect(relay.connections()).toBe(2);
        const student = found[0]!;
        expect(await directory.verifyPassword(student, `pw-${student.login}`)).toBe(true);
        expect(await directory.verifyPassword(student, 'wrong')).toBe(false);
        // One more connection, bound by the first check and bound again by the second: no handshake per sign-in.
        expect(relay.connections()).toBe(3);
        // A right password after a wrong one on the same connection, and checks in parallel up to the pool's size.
        const checks = await Promise.all(found.slice(1, 6).map((a) => directory.verifyPassword(a!, `pw-${a!.login}`)));
        expect(checks).toEqual([true, true, true, true, true]);
        expect(relay.connections()).toBe(4);
        // Searching again uses the service account's kept connections: nothing new is opened.
        await directory.findByLogin('T0001');
        expect(relay.connections()).toBe(4);
      });
    } finally {
      await relay.close();
    }
  });

  it('speaks LDAPS with the CA file, and refuses the server without it', async () => {
    const server = await ldap();
    await withDirectory(openLdapEnv(server.ldapsUrl, { LDAP_CA_FILE: server.caFile }), async (directory) => {
      expect((await directory.findByLogin('2024010001'))?.displayName).toBe('张伟');
      expect(await directory.verifyPassword((await directory.findByLogin('T0001'))!, 'pw-T0001')).toBe(true);
    });
    await withDirectory(openLdapEnv(server.ldapsUrl), async (directory) => {
      await expect(directory.findByLogin('2024010001')).rejects.toEqual(unavailable('misconfigured'));
    });
  });

  it('upgrades a plain connection with StartTLS, checked against the CA file (without it the upgrade is refused)', async () => {
    const server = await ldap();
    await withDirectory(openLdapEnv(server.url, { LDAP_STARTTLS: 'true', LDAP_CA_FILE: server.caFile }), async (directory) => {
      const account = (await directory.findByLogin('2024010001'))!;
      expect(await directory.verifyPassword(account, 'pw-2024010001')).toBe(true);
    });
    await withDirectory(openLdapEnv(server.url, { LDAP_STARTTLS: 'true' }), async (directory) => {
      await expect(directory.check()).rejects.toEqual(unavailable('misconfigured'));
    });
  });

  it('fails over to the second URL when the first cannot be reached, for searches and password checks', async () => {
    const server = await ldap();
    const env = openLdapEnv(`ldap://127.0.0.1:${await freePort()}`, { LDAP_FAILOVER_URL: server.url });
    await withDirectory(env, async (directory) => {
      await directory.check();
      const account = (await directory.findByLogin('T0002'))!;
      expect(await directory.verifyPassword(account, 'pw-T0002')).toBe(true);
    });
  });

  it("says service_account_refused when the service account's password is wrong, misconfigured when the base DN is not there", async () => {
    const server = await ldap();
    await withDirectory(openLdapEnv(server.url, { LDAP_BIND_PASSWORD: 'not-the-password' }), async (directory) => {
      await expect(directory.check()).rejects.toEqual(unavailable('service_account_refused'));
      const error = await directory.findByLogin('2024010001').catch((err: unknown) => err);
      expect(error).toEqual(unavailable('service_account_refused'));
      expect(String(error)).not.toContain('not-the-password');
    });
    await withDirectory(openLdapEnv(server.url, { LDAP_BASE_DN: 'ou=nowhere,dc=example,dc=edu' }), async (directory) => {
      await expect(directory.check()).rejects.toEqual(unavailable('misconfigured'));
    });
  });

  it('gives up on a server that accepts but never answers: timeout, within LDAP_TIMEOUT_MS (300 ms here; this test allows 5 s)', {
    timeout: 5000,
  }, async () => {
    const silent = await silentServer();
    try {
      const env = { LDAP_TIMEOUT_MS: '300', LDAP_CONNECT_TIMEOUT_MS: '300' };
      await withDirectory(openLdapEnv(silent.url('ldap'), env), async (directory) => {
        await expect(directory.findByLogin('2024010001')).rejects.toEqual(unavailable('timeout'));
        await expect(directory.check()).rejects.toEqual(unavailable('timeout'));
      });
      // Over ldaps:// the TLS handshake is what never ends.
      await withDirectory(openLdapEnv(silent.url('ldaps'), env), async (directory) => {
        await expect(directory.check()).rejects.toEqual(unavailable('timeout'));
      });
    } finally {
      await silent.close();
    }
  });

  it('uses a server that was stopped and started again, without a new directory', async () => {
    const server = await ldap();
    await withDirectory(openLdapEnv(server.url), async (directory) => {
      const account = (await directory.findByLogin('2024010001'))!;
      await server.stop();
      await expect(directory.findByLogin('2024010001')).rejects.toEqual(unavailable('unreachable'));
      await expect(directory.verifyPassword(account, 'pw-2024010001')).rejects.toEqual(unavailable('unreachable'));
      await server.start();
      expect((await directory.findByLogin('2024010001'))?.id).toBe(account.id);
      expect(await directory.verifyPassword(account, 'pw-2024010001')).toBe(true);
    });
  });

  it("never says yes to an empty password or to another directory's account", async () => {
    const server = await ldap();
    await withDirectory(openLdapEnv(server.url), async (directory) => {
      const account = (await directory.findByLogin('2024010001'))!;
      expect(await directory.verifyPassword(account, '')).toBe(false);
      expect(await directory.verifyPassword({ ...account, directory: 'local' }, 'pw-2024010001')).toBe(false);
    });
  });

  it('stops at creation when the CA file cannot be read', () => {
    expect(() => directoryFor(openLdapEnv('ldaps://127.0.0.1:636', { LDAP_CA_FILE: '/nonexistent/ca.pem' }))).toThrow(DirectoryUnavailable);
  });
});

describe("the LDAP directory's password check against Active Directory's refusals", () => {
  const refusal = (subCode: string) => `80090308: LdapErr: DSID-0C09044E, comment: AcceptSecurityContext error, data ${subCode}, v4563`;

  it('takes 533 (account disabled, said only after the right password) as a right password, and 52e or 775 as a wrong one', async () => {
    for (const [subCode, right] of [
      ['533', true],
      ['52e', false],
      ['775', false],
    ] as const) {
      const fake = await adBindRefuser(refusal(subCode));
      const settings = loadConfig({ NODE_ENV: 'test', ...adEnv(fake.url('ldap')) }).directories.ldap!;
      const connections = createLdapConnections(settings, undefined);
      try {
        expect(await connections.bindsAs('cn=陈静,ou=users,ou=ad,dc=example,dc=edu', 'Ad-chenjing-1!'), subCode).toBe(right);
      } finally {
        await connections.close();
        await fake.close();
      }
    }
  });
});
