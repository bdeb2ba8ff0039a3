import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError } from 'ldapts';
import type { LdapSettings } from '../../config.js';
import { isUnanswered } from './failures.js';

/** The connections an LDAP directory works over. */
export interface LdapConnections {
  /**
   * Runs `work` on a pooled connection bound as the service account. A connection that broke is dropped rather than
   * returned, so the call after a server came back connects anew.
   */
  withServiceAccount<T>(work: (client: Client) => Promise<T>): Promise<T>;
  /**
   * Whether `password` is `dn`'s: a bind on a connection kept for password checks only, never used to search (so a
   * person's bind lends nobody their rights). Kept connections spare each sign-in a TCP (and TLS) handshake.
   */
  bindsAs(dn: string, password: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Active Directory refuses a disabled account's bind as invalidCredentials with sub-code 533 (ERROR_ACCOUNT_DISABLED)
 * only once the password was right; a wrong one gives 52e, which hides every other sub-code. The password is then
 * right, as the contract asks, and the account's userAccountControl already tells the caller it is disabled.
 */
const AD_DISABLED_AFTER_RIGHT_PASSWORD = /AcceptSecurityContext error, data 533\b/;

/** `ca`: the PEM text of the CA file, read by the caller. */
export function createLdapConnections(settings: LdapSettings, ca: string | undefined): LdapConnections {
  const tlsFor = (url: string): ConnectionOptions => {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    // SNI carries host names only; Node checks the certificate against `host` either way.
    return { ca: ca ? [ca] : undefined, host, servername: isIP(host) ? undefined : host };
  };

  /** A connection to the first server that answers, bound by `bind`; only an unanswered server hands over to the next. */
  async function openFirstAnswering(bind: (client: Client) => Promise<void>): Promise<Client> {
    let unanswered: unknown;
    for (const url of settings.urls) {
      const secure = url.startsWith('ldaps:');
      const client = new Client({
        url,
        timeout: settings.timeoutMs,
        connectTimeout: settings.connectTimeoutMs,
        tlsOptions: secure ? tlsFor(url) : undefined,
      });
      try {
        // ldapts bounds the StartTLS request but not the handshake after it.
        if (settings.tls.startTls) await within(settings.connectTimeoutMs + settings.timeoutMs, client.startTLS(tlsFor(url)), () => drop(client));
        await bind(client);
        return client;
      } catch (err) {
        await drop(client);
        // A refused bind or an untrusted certificate would be the same on the replica.
        if (!isUnanswered(err)) throw err;
        unanswered = err;
      }
    }
    throw unanswered;
  }

  const pool = createPool(settings.poolSize, () => openFirstAnswering((client) => client.bind(settings.bindDn, settings.bindPassword)));
  // Every take names its opener (the person's own bind), so this pool has no default one.
  const passwordChecks = createPool(settings.poolSize, () => Promise.reject(new Error('a password check opens its connection by binding')));

  return {
    async withServiceAccount(work) {
      for (let attempt = 1; ; attempt++) {
        const { client, reused } = await pool.take();
        try {
          return await work(client);
        } catch (err) {
          // A kept connection the server had closed unnoticed: one more try, on a new connection.
          if (reused && attempt === 1 && !client.isConnected && isUnanswered(err)) continue;
          throw err;
        } finally {
          pool.give(client);
        }
      }
    },
    async bindsAs(dn, password) {
      for (let attempt = 1; ; attempt++) {
        let taken: { client: Client; reused: boolean };
        try {
          // A new connection is opened by the person's own bind; a kept one binds again, as the next person.
          taken = await passwordChecks.take(() => openFirstAnswering((c) => c.bind(dn, password)));
        } catch (err) {
          return passwordRefused(err);
        }
        const { client, reused } = taken;
        try {
          if (reused) await client.bind(dn, password);
          return true;
        } catch (err) {
          // A kept connection the server had closed unnoticed: one more try, on a new connection.
          if (reused && attempt === 1 && !client.isConnected && isUnanswered(err)) continue;
          return passwordRefused(err);
        } finally {
          passwordChecks.give(client);
        }
      }
    },
    close: async () => {
      await Promise.all([pool.close(), passwordChecks.close()]);
    },
  };
}

/** A refused bind is a wrong password (false), or AD's "right password, disabled account" (true); else it throws. */
function passwordRefused(err: unknown): boolean {
  if (err instanceof InvalidCredentialsError) return AD_DISABLED_AFTER_RIGHT_PASSWORD.test(err.message);
  throw err;
}

/** Up to `size` bound connections, lent one call at a time; a caller past the limit waits for one to come back. */
function createPool(size: number, open: () => Promise<Client>) {
  const idle: Client[] = [];
  const waiting: Array<() => void> = [];
  let existing = 0;
  let closed = false;
  const wakeOne = () => waiting.shift()?.();

  return {
    /** A kept connection, or a new one from `openNew` (the pool's own opener by default). */
    async take(openNew: () => Promise<Client> = open): Promise<{ client: Client; reused: boolean }> {
      for (;;) {
        if (closed) throw new Error('the directory was closed');
        const kept = idle.pop();
        if (kept?.isBound) return { client: kept, reused: true };
        if (kept) {
          existing -= 1;
          void drop(kept);
        } else if (existing < size) {
          existing += 1;
          try {
            return { client: await openNew(), reused: false };
          } catch (err) {
            existing -= 1;
            wakeOne();
            throw err;
          }
        } else {
          await new Promise<void>((resolve) => waiting.push(resolve));
        }
      }
    },
    give(client: Client): void {
      if (!closed && client.isBound) idle.push(client);
      else {
        existing -= 1;
        void drop(client);
      }
      wakeOne();
    },
    async close(): Promise<void> {
      closed = true;
      for (const wake of waiting.splice(0)) wake();
      await Promise.all(idle.splice(0).map(drop));
    },
  };
}

/** Closes a connection, whatever state it is in. */
async function drop(client: Client): Promise<void> {
  await client.unbind().catch(() => undefined);
}

/** `work`, or a timeout error after `ms` (having run `onExpiry`). */
async function within<T>(ms: number, work: Promise<T>, onExpiry: () => unknown): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void onExpiry();
      reject(new Error('StartTLS timed out'));
    }, ms);
  });
  try {
    return await Promise.race([work, expiry]);
  } finally {
    clearTimeout(timer);
  }
}
