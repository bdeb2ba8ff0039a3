// A real OpenLDAP for the LDAP directory's tests: Debian's /usr/sbin/slapd (never the system service), on free
// loopback ports, with its own configuration and data in a temporary directory, seeded in one slapadd before it
// starts. Plain LDAP (with StartTLS) on one port, LDAPS on another, both with a self-signed certificate.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Attribute, Change, Client } from 'ldapts';
import { freePort } from '../../scripts/cluster/processes.js';
import { type ChildServer, startChildServer } from './child-server.js';
import { BASE_DN, SERVICE_ACCOUNT, seedLdif } from './ldap-tree.js';
import { selfSignedCertificate } from './tls.js';

const SLAPD = '/usr/sbin/slapd';
const SLAPADD = '/usr/sbin/slapadd';
const AD_SCHEMA = fileURLToPath(new URL('./ldap-ad.schema', import.meta.url));

export interface LdapServer {
  /** `ldap://127.0.0.1:port`: plain, StartTLS offered. */
  url: string;
  /** `ldaps://127.0.0.1:port`: TLS from the first byte. */
  ldapsUrl: string;
  /** The PEM file a client trusts the server's certificate with (it is its own CA). */
  caFile: string;
  /** Stops slapd, keeping its data: the directory is down until `start`. */
  stop(): Promise<void>;
  /** Starts slapd again on the same ports with the same data. */
  start(): Promise<void>;
  /** Stops slapd and deletes its configuration and data. */
  close(): Promise<void>;
  /** slapd's output so far, for failure messages. */
  output(): string;
  /** Replaces attributes of an entry, as the directory's administrator (an operator disabling an account…). */
  modify(dn: string, replace: Record<string, string | string[]>): Promise<void>;
}

/** Configures, seeds and starts a slapd; on any failure removes what it made and throws with slapd's words. */
export async function startLdapServer(): Promise<LdapServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'wecas-ldap-'));
  let child: ChildServer | undefined;
  try {
    const [plainPort, tlsPort] = [await freePort(), await freePort()];
    const files = await writeConfiguration(dir);
    await promisify(execFile)(SLAPADD, ['-q', '-f', files.config, '-l', files.seed]);
    const urls = `ldap://127.0.0.1:${plainPort}/ ldaps://127.0.0.1:${tlsPort}/`;
    // -d keeps slapd in the foreground (a child the test owns); level 0 logs nothing but fatal errors.
    const run = () => startChildServer(SLAPD, ['-d', '0', '-f', files.config, '-h', urls], { port: plainPort, timeoutMs: 15_000 });
    child = await run();
    return {
      url: `ldap://127.0.0.1:${plainPort}`,
      ldapsUrl: `ldaps://127.0.0.1:${tlsPort}`,
      caFile: files.cert,
      stop: async () => child?.stop(),
      start: async () => {
        child = await run();
      },
      close: async () => {
        await child?.stop();
        await rm(dir, { recursive: true, force: true });
      },
      output: () => child?.output() ?? '',
      modify: (dn, replace) => modifyAsAdmin(`ldap://127.0.0.1:${plainPort}`, dn, replace),
    };
  } catch (err) {
    await child?.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function writeConfiguration(dir: string) {
  const files = {
    config: path.join(dir, 'slapd.conf'),
    seed: path.join(dir, 'seed.ldif'),
    cert: path.join(dir, 'cert.pem'),
    key: path.join(dir, 'key.pem'),
    data: path.join(dir, 'data'),
  };
  const { cert, key } = await selfSignedCertificate();
  await mkdir(files.data);
  await writeFile(files.cert, cert);
  await writeFile(files.key, key, { mode: 0o600 });
  await writeFile(files.seed, seedLdif());
  await writeFile(files.config, slapdConf(dir, files));
  return files;
}

/**
 * slapd.conf: Debian's schemas plus the AD attributes, one mdb database, memberOf computed from groupOfNames by
 * dynlist (the memberof overlay would not see entries loaded by slapadd), and access for the service account only:
 * anonymous may bind and nothing else, so a search that lost its service-account bind finds nothing.
 */
function slapdConf(dir: string, files: { cert: string; key: string; data: string }): string {
  const schemas = ['core', 'cosine', 'inetorgperson', 'nis', 'dyngroup'].map((s) => `include /etc/ldap/schema/${s}.schema`);
  return [
    ...schemas,
    `include ${AD_SCHEMA}`,
    'modulepath /usr/lib/ldap',
    'moduleload back_mdb.so',
    'moduleload dynlist.so',
    `pidfile ${path.join(dir, 'slapd.pid')}`,
    `argsfile ${path.join(dir, 'slapd.args')}`,
    `TLSCertificateFile ${files.cert}`,
    `TLSCertificateKeyFile ${files.key}`,
    'database mdb',
    `suffix "${BASE_DN}"`,
    `directory ${files.data}`,
    // The directory's administrator: tests change entries as an operator would (disable, move, rename).
    `rootdn "${DIRECTORY_ADMIN.dn}"`,
    `rootpw ${DIRECTORY_ADMIN.password}`,
    'maxsize 268435456',
    'index objectClass eq',
    'index uid,mobile,mail,sAMAccountName,userPrincipalName,entryUUID,objectGUID,member,employeeType eq',
    'access to attrs=userPassword by anonymous auth by * none',
    `access to * by dn.exact="${SERVICE_ACCOUNT.dn}" read by self read by * none`,
    'overlay dynlist',
    'dynlist-attrset groupOfURLs memberURL member+memberOf@groupOfNames',
    '',
  ].join('\n');
}

/** The administrator of the test directory (its rootdn): not the service account wecas searches with. */
export const DIRECTORY_ADMIN = { dn: `cn=admin,${BASE_DN}`, password: 'admin-secret' };

async function modifyAsAdmin(url: string, dn: string, replace: Record<string, string | string[]>): Promise<void> {
  const client = new Client({ url });
  try {
    await client.bind(DIRECTORY_ADMIN.dn, DIRECTORY_ADMIN.password);
    const changes = Object.entries(replace).map(
      ([type, values]) =>
        new Change({ operation: 'replace', modification: new Attribute({ type, values: Array.isArray(values) ? values : [values] }) }),
    );
    await client.modify(dn, changes);
  } finally {
    await client.unbind();
  }
}
