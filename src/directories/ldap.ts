import { readFileSync } from 'node:fs';
import { AndFilter, type Client, type Entry, EqualityFilter, type Filter, PresenceFilter } from 'ldapts';
import type { LdapSettings } from '../config.js';
import { E164 } from '../users/phone.js';
import { type Directory, type DirectoryAccount, DirectoryUnavailable } from './directory.js';
import { createLdapConnections } from './ldap/connections.js';
import { attributesToRead, binaryAttributes, disabledByUserAccountControl, groupAs, idAssertion, idOf, phonesOf, textsOf } from './ldap/entries.js';
import { directoryFailure } from './ldap/failures.js';
import { anyOf, fillFilter, phoneForms } from './ldap/filters.js';

/**
 * An LDAP or Active Directory server as a directory. People are found by a service account (a small pool of bound
 * connections), and a password is checked by binding as the person's DN on a connection of its own: bind, search,
 * bind. Every failure to answer is a DirectoryUnavailable; a wrong password is only `false`. Nothing is logged.
 */
export function createLdapDirectory(settings: LdapSettings, name = 'ldap'): Directory {
  const connections = createLdapConnections(settings, readCa(name, settings.tls.caFile));
  const attributes = attributesToRead(settings);
  const explicitBufferAttributes = binaryAttributes(settings);
  const { login: loginAttribute, id: idAttribute } = settings.attributes;
  /** The DN each account was just read at: a password check right after a lookup binds there without searching again. */
  const dnAtRead = new WeakMap<DirectoryAccount, string>();

  /** Every failure leaves as a DirectoryUnavailable naming this directory. */
  const answering = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw directoryFailure(name, err);
    }
  };

  const search = (client: Client, filter: string | Filter, sizeLimit: number) =>
    client.search(settings.baseDn, { scope: 'sub', filter, attributes, explicitBufferAttributes, sizeLimit }).then((r) => r.searchEntries);

  /** The one entry `filter` finds, read into an account; none when it finds nothing, or more than one. */
  const findOne = (filter: string | Filter) =>
    connections.withServiceAccount(async (client) => {
      const entries = await search(client, filter, 2);
      return entries.length === 1 ? toAccount(client, entries[0]!) : undefined;
    });

  /**
   * The entry with this stable id; an account must also have a login name (the service account has none). Built as
   * a filter object: ldapts reads `\xx` escapes in a filter string as characters, not bytes, which breaks a GUID.
   */
  const byIdFilter = (id: string): Filter | undefined => {
    const value = idAssertion(idAttribute, id);
    if (value === undefined) return undefined;
    return new AndFilter({ filters: [new EqualityFilter({ attribute: idAttribute, value }), new PresenceFilter({ attribute: loginAttribute })] });
  };

  async function toAccount(client: Client, entry: Entry): Promise<DirectoryAccount> {
    const id = idOf(entry, idAttribute);
    const [login] = textsOf(entry, loginAttribute);
    if (!id) throw new DirectoryUnavailable(name, 'misconfigured', `an account has no ${idAttribute} to identify it by`);
    const released = Object.entries(settings.released).map(([as, attribute]) => [as, textsOf(entry, attribute)] as const);
    const account: DirectoryAccount = {
      directory: name,
      id,
      login: login ?? null,
      displayName: textsOf(entry, settings.attributes.displayName)[0] ?? textsOf(entry, 'cn')[0] ?? null,
      phone: phonesOf(entry, settings.attributes.phone)[0] ?? null,
      mail: textsOf(entry, settings.attributes.mail)[0] ?? null,
      groups: (await groupDns(client, entry)).map((dn) => groupAs(settings.groups.format, dn)),
      attributes: Object.fromEntries(released.filter(([, values]) => values.length > 0)),
      disabled: (settings.disabled.userAccountControl && disabledByUserAccountControl(entry)) || (await matchesDisabledFilter(client, entry)),
    };
    dnAtRead.set(account, entry.dn);
    return account;
  }

  async function groupDns(client: Client, entry: Entry): Promise<string[]> {
    const search = settings.groups.search;
    if (!search) return textsOf(entry, settings.attributes.groups);
    const filter = fillFilter(search.filter, 'dn', entry.dn);
    const { searchEntries } = await client.search(search.baseDn, { scope: 'sub', filter, attributes: ['1.1'] });
    return searchEntries.map((group) => group.dn);
  }

  /** Asked of the server, on the entry itself: it evaluates the filter as it does every other. */
  async function matchesDisabledFilter(client: Client, entry: Entry): Promise<boolean> {
    if (!settings.disabled.filter) return false;
    const { searchEntries } = await client.search(entry.dn, { scope: 'base', filter: settings.disabled.filter, attributes: ['1.1'] });
    return searchEntries.length > 0;
  }

  return {
    name,
    findByLogin: (login) => answering(async () => (login ? findOne(fillFilter(settings.userFilter, 'login', login)) : undefined)),
    findByPhone: (phone) =>
      answering(async () => {
        if (!E164.test(phone)) return undefined;
        return connections.withServiceAccount(async (client) => {
          const entries = await search(client, anyOf(settings.phoneFilter, 'phone', phoneForms(phone)), 10);
          // The forms may match other numbers' spellings: keep the entries whose number really is this one.
          const holders = entries.filter((entry) => phonesOf(entry, settings.attributes.phone).includes(phone));
          return holders.length === 1 ? toAccount(client, holders[0]!) : undefined;
        });
      }),
    findById: (id) =>
      answering(async () => {
        const filter = byIdFilter(id);
        return filter ? findOne(filter) : undefined;
      }),
    verifyPassword: (account, password) =>
      answering(async () => {
        // An empty password would make an unauthenticated bind, which LDAP servers accept (RFC 4513 §5.1.2).
        if (account.directory !== name || password === '') return false;
        const filter = byIdFilter(account.id);
        if (!filter) return false;
        // Bind as the DN the account has now (renames move it): the one it was just read at, else found anew.
        const dn =
          dnAtRead.get(account) ??
          (
            await connections.withServiceAccount((client) =>
              client.search(settings.baseDn, { scope: 'sub', filter, attributes: ['1.1'], sizeLimit: 1 }).then((r) => r.searchEntries),
            )
          )[0]?.dn;
        return dn ? connections.bindsAs(dn, password) : false;
      }),
    check: () =>
      answering(() =>
        connections.withServiceAccount(async (client) => {
          await client.search(settings.baseDn, { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
        }),
      ),
    close: () => connections.close(),
  };
}

/** The CA file's PEM text, read once at creation so that a wrong path stops the start rather than a sign-in. */
function readCa(name: string, file: string | undefined): string | undefined {
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new DirectoryUnavailable(name, 'misconfigured', `the CA file ${file} cannot be read (${(err as NodeJS.ErrnoException).code})`);
  }
}
