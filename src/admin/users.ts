import type { AdminVia, AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Accounts } from '../directories/accounts.js';
import { type DirectoryAccount, DirectoryUnavailable } from '../directories/directory.js';
import { maskPhone } from '../sms/mask.js';
import type { Db } from '../store/db.js';
import type { SsoSessions } from '../tickets/sessions.js';
import { bindWeChatToUser } from '../users/binding.js';
import type { AccountDeletion, DeletedAccount } from '../users/deletion.js';
import { UserConflictError } from '../users/errors.js';
import { createIdentityStore, type WeChatIdentity, type WeChatProfileSnapshot } from '../users/identities.js';
import { normalisePhone } from '../users/phone.js';
import { SqlUserStore } from '../users/store.js';
import type { User, UserPatch, UserStatus } from '../users/types.js';
import { type KeptField, type Refusal, refusal, refusalMessage } from './refusals.js';

/**
 * An administrator's request wecas will not carry out: `reason` says why as a code with parameters (the console
 * translates it), the message says it in English (the API and the CLI).
 */
export class AdminRefusal extends Error {
  override name = 'AdminRefusal';
  readonly reason: Refusal;
  constructor(reason: Refusal | string) {
    const typed = typeof reason === 'string' ? refusal('other', { text: reason }) : reason;
    super(refusalMessage(typed));
    this.reason = typed;
  }
}

/** What an administrator named does not exist: no such account, service, appeal or link. */
export class AdminNotFound extends AdminRefusal {
  override name = 'AdminNotFound';
}

/** A new account's phone belongs to another account already: which one, so the message can say how to repair it. */
export class PhoneTaken extends AdminRefusal {
  override name = 'PhoneTaken';
  constructor(
    readonly phone: string,
    readonly holder: Target,
  ) {
    super(`another user already has this phone: ${phone} belongs to ${holder.name}`);
  }
}

/** An account an administrator named, as found: its wecas record, its directory account, and a name to print. */
export interface Target {
  user: User;
  /** Undefined for the record of a directory account that is gone from its directory. */
  account: DirectoryAccount | undefined;
  /** `alice`; `zhangsan (hr)` for a directory account; the phone or the id of an account without a login name. */
  name: string;
}

export interface NewAccount {
  login: string;
  /** None for accounts that sign in through WeChat, an SMS code, or (with `directory`) their directory. */
  password?: string | undefined;
  /** As typed: normalised to E.164 here. */
  phone?: string | undefined;
  displayName?: string | undefined;
  attributes?: Record<string, string[]> | undefined;
  /** Make the wecas record of this directory's account `login` (its links hang on it) instead of a wecas account. */
  directory?: string | undefined;
}

export interface WeChatKey {
  appId: string;
  openid: string;
  unionid?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A WeChat link made by an administrator has no profile yet: the person's first sign-in through it fills it in. */
const NO_PROFILE: WeChatProfileSnapshot = { nickname: '', headimgurl: '', sex: 0, province: '', city: '', country: '' };

export type UserAdmin = ReturnType<typeof createUserAdmin>;

/**
 * What an administrator does to accounts, whatever the front end (`wecas user …` today, an admin API later): each
 * action checks what it must, writes in one transaction, ends the sessions it must with single logout, and records
 * an audit event. Accounts are named the way people know them (see `find`), in wecas or in a directory.
 */
export function createUserAdmin(deps: {
  db: Db;
  clock: Clock;
  accounts: Pick<Accounts, 'findByLogin' | 'findByPhone' | 'recordOf' | 'accountOf' | 'directory' | 'directories'>;
  sessions: Pick<SsoSessions, 'endAll'>;
  audit: AuditLog;
  deletion: AccountDeletion;
  via: AdminVia;
}) {
  const { db, clock, accounts, sessions, audit, via } = deps;
  const users = new SqlUserStore(db, clock);
  const identities = createIdentityStore(db, clock);

  /** The account as found, named; a directory that cannot answer now leaves it named by its id there. */
  async function target(user: User, account?: DirectoryAccount): Promise<Target> {
    if (account || user.directory === 'local') return { user, account, name: nameOf(user, account) };
    try {
      const found = await accounts.accountOf(user);
      return { user, account: found, name: nameOf(user, found) };
    } catch (err) {
      if (!(err instanceof DirectoryUnavailable)) throw err;
      return { user, account: undefined, name: `${user.directoryId} (${user.directory}, unavailable now)` };
    }
  }

  /** The record of a directory account: only made (`make`) where an action hangs something on it. */
  async function recordOf(account: DirectoryAccount, make: boolean): Promise<User | null> {
    if (account.directory === 'local') return users.findById(account.id);
    const existing = await users.findByDirectoryId(account.directory, account.id);
    return existing ?? (make ? accounts.recordOf(account) : null);
  }

  /**
   * The account `ref` names: a login name (in the directories, in their configured order, then among wecas's own
   * accounts), else a phone number, else wecas's id. A directory account that never signed in has no record yet:
   * `make` makes it (to link or disable it); otherwise it is refused, as there is nothing of it in wecas.
   */
  async function find(ref: string, make = false): Promise<Target> {
    if (UUID.test(ref)) {
      const user = await users.findById(ref.toLowerCase());
      if (user) return target(user);
    }
    const account = await accounts.findByLogin(ref);
    if (account) {
      const user = await recordOf(account, make);
      if (!user) throw new AdminRefusal(refusal('never_signed_in', { account: nameOf(null, account) }));
      return target(user, account.directory === 'local' ? undefined : account);
    }
    const local = await users.findByUsername(ref);
    if (local) return target(local);
    const phone = normalisePhone(ref);
    if (phone.ok) {
      const holder = await users.findByPhone(phone.phone);
      if (holder) return target(holder);
      const inDirectory = await accounts.findByPhone(phone.phone);
      const user = inDirectory && (await recordOf(inDirectory, make));
      if (inDirectory && !user) throw new AdminRefusal(refusal('never_signed_in', { account: nameOf(null, inDirectory) }));
      if (user) return target(user, inDirectory.directory === 'local' ? undefined : inDirectory);
    }
    throw new AdminNotFound(refusal('no_account', { ref }));
  }

  function ownAccount(t: Target, what: KeptField): void {
    if (t.user.directory !== 'local') throw new AdminRefusal(refusal('kept_by_directory', { account: t.name, directory: t.user.directory, what }));
  }

  return {
    find: (ref: string) => find(ref),

    async add(input: NewAccount): Promise<Target> {
      let phone: string | undefined;
      if (input.phone !== undefined) {
        const result = normalisePhone(input.phone);
        if (!result.ok) throw new AdminRefusal(result.message);
        phone = result.phone;
      }
      const common = { phone, attributes: input.attributes };
      let user: User;
      let account: DirectoryAccount | undefined;
      try {
        if (input.directory !== undefined && input.directory !== 'local') {
          const directory = accounts.directory(input.directory);
          if (!directory)
            throw new AdminRefusal(`no directory "${input.directory}": DIRECTORIES names ${accounts.directories.map((d) => d.name).join(', ')}`);
          if (input.password !== undefined) throw new AdminRefusal(`the password of a ${directory.name} account is kept by ${directory.name}`);
          account = await directory.findByLogin(input.login);
          if (!account) throw new AdminRefusal(`the ${directory.name} directory has no account "${input.login}"`);
          const existing = await users.findByDirectoryId(account.directory, account.id);
          if (existing) throw new AdminRefusal(`${nameOf(existing, account)} already has its wecas record`);
          const displayName = input.displayName ?? account.displayName ?? undefined;
          user = await users.create({ ...common, directory: { name: account.directory, id: account.id }, displayName });
        } else {
          // A wecas account with a directory account's login would shadow it, or be shadowed, at sign-in.
          const elsewhere = await accounts.findByLogin(input.login);
          if (elsewhere && elsewhere.directory !== 'local')
            throw new AdminRefusal(
              `${nameOf(null, elsewhere)} is an account of the ${elsewhere.directory} directory: add --directory ${elsewhere.directory} to make its wecas record instead`,
            );
          user = await users.create({ ...common, username: input.login, password: input.password, displayName: input.displayName });
        }
      } catch (err) {
        if (err instanceof UserConflictError && err.field === 'phone' && phone) {
          const holder = await users.findByPhone(phone);
          if (holder) throw new PhoneTaken(phone, await target(holder));
        }
        throw err;
      }
      await audit.record({
        type: 'user.added',
        userId: user.id,
        via,
        ...(user.username ? { username: user.username } : {}),
        ...(account ? { directory: account.directory } : {}),
        password: user.hasPassword,
      });
      return target(user, account);
    },

    /** Disabling also ends the account's live sessions, with single logout, even when it was disabled already. */
    async setStatus(ref: string, status: UserStatus): Promise<{ target: Target; changed: boolean; sessions: number }> {
      const t = await find(ref, status === 'disabled');
      const changed = t.user.status !== status;
      if (changed) await users.setStatus(t.user.id, status);
      if (status === 'active') {
        if (changed) await audit.record({ type: 'user.enabled', userId: t.user.id, via });
        return { target: t, changed, sessions: 0 };
      }
      const ended = await sessions.endAll(t.user.id);
      if (changed || ended > 0) await audit.record({ type: 'user.disabled', userId: t.user.id, via, sessions: ended });
      return { target: t, changed, sessions: ended };
    },

    async setPassword(ref: string, password: string): Promise<Target> {
      const t = await find(ref);
      ownAccount(t, 'password');
      await users.setPassword(t.user.id, password);
      await audit.record({ type: 'user.password_set', userId: t.user.id, via });
      return t;
    },

    /**
     * Removes an account's authenticator app and recovery codes, for a person who lost both (their next sign-in
     * asks no second factor until they set one up again, unless a service requires one: then an SMS code).
     */
    async resetSecondFactor(ref: string): Promise<{ target: Target; recoveryCodes: number }> {
      const t = await find(ref);
      const removed = await db.transaction().execute(async (trx) => {
        const codes = await trx.deleteFrom('recovery_codes').where('user_id', '=', t.user.id).executeTakeFirst();
        const factor = await trx.deleteFrom('second_factors').where('user_id', '=', t.user.id).executeTakeFirst();
        return { factor: factor.numDeletedRows > 0n, recoveryCodes: Number(codes.numDeletedRows) };
      });
      if (!removed.factor) throw new AdminRefusal(refusal('no_second_factor', { account: t.name }));
      await audit.record({ type: 'mfa.disabled', userId: t.user.id, factor: 'totp', by: 'admin', via });
      return { target: t, recoveryCodes: removed.recoveryCodes };
    },

    /**
     * A new login name for one of wecas's own accounts (a directory's logins are the directory's). Live sessions keep
     * the name they signed in with until they end; the next sign-in gives applications the new one.
     */
    async rename(ref: string, to: string): Promise<{ target: Target; from: string | null; fromName: string; to: string }> {
      const t = await find(ref);
      ownAccount(t, 'login_name');
      const elsewhere = await accounts.findByLogin(to);
      if (elsewhere && elsewhere.directory !== 'local')
        throw new AdminRefusal(
          `${nameOf(null, elsewhere)} is an account of the ${elsewhere.directory} directory: a wecas account cannot take its login`,
        );
      const updated = await users.update(t.user.id, { username: to });
      if (!updated?.username) throw new AdminRefusal(refusal('no_account', { ref }));
      if (updated.username !== t.user.username)
        await audit.record({ type: 'user.renamed', userId: t.user.id, via, from: t.user.username, to: updated.username });
      return { target: await target(updated), from: t.user.username, fromName: t.name, to: updated.username };
    },

    /** Links a WeChat account (this app's openid, and the open platform's unionid) to the named account. */
    async linkWeChat(ref: string, key: WeChatKey): Promise<{ target: Target; linked: boolean }> {
      const t = await find(ref, true);
      const owner = await identities.findWeChat(key);
      if (owner && owner.userId !== t.user.id) {
        const other = await users.findById(owner.userId);
        const same = owner.appId === key.appId && owner.openid === key.openid ? 'this WeChat account' : `its unionid ${key.unionid}`;
        throw new AdminRefusal(
          `${same} is already linked to ${other ? (await target(other)).name : owner.userId}: unlink it there first, or merge the two accounts`,
        );
      }
      if (owner?.appId === key.appId && owner.openid === key.openid) return { target: t, linked: false };
      const outcome = await bindWeChatToUser(db, clock, { userId: t.user.id, subject: key, profile: NO_PROFILE });
      if (!outcome.ok) {
        if (outcome.reason === 'user_has_other_wechat') {
          const other = (await identities.listForUser(t.user.id)).find((i) => i.appId === key.appId);
          throw new AdminRefusal(
            `${t.name} already has a WeChat account of app ${key.appId} (openid ${other?.openid ?? '?'}): unlink it first, one per app`,
          );
        }
        throw new AdminRefusal('this WeChat account was linked to another account meanwhile');
      }
      await audit.record({ type: 'wechat.bound', userId: t.user.id, appId: key.appId, via, ...directoryOf(t.user) });
      return { target: t, linked: true };
    },

    /**
     * Removes a WeChat link. Without an openid the account must have exactly one (of `appId`, when given).
     * `stillSignsIn` says whether the account keeps another way in (a password, a phone, its directory, another link).
     */
    async unlinkWeChat(
      ref: string,
      which: { appId?: string | undefined; openid?: string | undefined },
    ): Promise<{ target: Target; removed: WeChatIdentity; stillSignsIn: boolean }> {
      const t = await find(ref);
      const links = await identities.listForUser(t.user.id);
      const matching = links.filter((l) => (!which.appId || l.appId === which.appId) && (!which.openid || l.openid === which.openid));
      if (links.length === 0) throw new AdminRefusal(refusal('no_wechat_link', { account: t.name }));
      if (matching.length === 0) throw new AdminRefusal(refusal('no_such_wechat_link', { account: t.name, link: describeKey(which) }));
      if (matching.length > 1)
        throw new AdminRefusal(
          refusal('several_wechat_links', { account: t.name, count: matching.length, openids: matching.map((l) => l.openid).join(', ') }),
        );
      const removed = matching[0]!;
      if (!(await identities.unbind(t.user.id, removed.id))) throw new AdminRefusal(refusal('wechat_link_gone', { account: t.name }));
      await audit.record({ type: 'wechat.unbound', userId: t.user.id, appId: removed.appId, via });
      const stillSignsIn = t.user.hasPassword || t.user.phone !== null || t.user.directory !== 'local' || links.length > 1;
      return { target: t, removed, stillSignsIn };
    },

    /**
     * Two accounts of one person become `into`: `from`'s WeChat links move to it, and so do its phone, login name,
     * display name, avatar and attributes where `into` has none; `from` is deleted and its sessions end with single
     * logout. Refused when both have a WeChat account of one app (one per app), or are the same account.
     */
    async merge(
      fromRef: string,
      intoRef: string,
    ): Promise<{ from: Target; into: Target; wechat: number; moved: string[]; dropped: string[]; sessions: number }> {
      const from = await find(fromRef);
      const into = await find(intoRef, true);
      if (from.user.id === into.user.id) throw new AdminRefusal(`"${fromRef}" and "${intoRef}" are the same account, ${into.name}`);
      const fromLinks = await identities.listForUser(from.user.id);
      const intoApps = new Map((await identities.listForUser(into.user.id)).map((l) => [l.appId, l]));
      const clash = fromLinks.find((l) => intoApps.has(l.appId));
      if (clash)
        throw new AdminRefusal(
          `both accounts have a WeChat account of app ${clash.appId} (${from.name}: openid ${clash.openid}; ${into.name}: openid ${intoApps.get(clash.appId)?.openid}), ` +
            `and an account has one per app: unlink one of them first`,
        );

      const a = from.user;
      const b = into.user;
      const patch: UserPatch = {};
      const moved: string[] = [];
      const dropped: string[] = [];
      if (a.phone && !b.phone) {
        patch.phone = a.phone;
        moved.push(`phone ${a.phone}`);
      } else if (a.phone && a.phone !== b.phone) dropped.push(`phone ${a.phone} (${into.name} keeps ${b.phone})`);
      if (a.username && !b.username && b.directory === 'local') {
        patch.username = a.username;
        moved.push(`login name ${a.username}`);
      } else if (a.username) dropped.push(`login name ${a.username}`);
      if (a.displayName && !b.displayName) {
        patch.displayName = a.displayName;
        moved.push(`name "${a.displayName}"`);
      }
      if (a.avatarUrl && !b.avatarUrl) patch.avatarUrl = a.avatarUrl;
      const newAttributes = Object.keys(a.attributes).filter((k) => !(k in b.attributes));
      if (newAttributes.length > 0) {
        patch.attributes = { ...a.attributes, ...b.attributes };
        moved.push(`attributes ${newAttributes.join(', ')}`);
      }
      if (a.hasPassword) dropped.push('password');

      await db.transaction().execute(async (trx) => {
        const store = new SqlUserStore(trx, clock);
        // Both rows locked (as a bind locks its user's), then the links read again: one linked meanwhile is seen here.
        await trx.updateTable('users').set({ updated_at: clock.now() }).where('id', 'in', [a.id, b.id]).execute();
        const now = await trx.selectFrom('identities').select(['user_id', 'app_id']).where('user_id', 'in', [a.id, b.id]).execute();
        const appsOf = (id: string) => new Set(now.filter((l) => l.user_id === id).map((l) => l.app_id));
        const intoNow = appsOf(b.id);
        if ([...appsOf(a.id)].some((app) => intoNow.has(app)))
          throw new AdminRefusal(
            'a WeChat account was linked to one of the two accounts meanwhile: run the merge again to see why it cannot be done',
          );
        await trx.updateTable('identities').set({ user_id: b.id }).where('user_id', '=', a.id).execute();
        // Deleted before `into` takes its phone and login name: both are unique.
        await store.delete(a.id);
        await store.update(b.id, patch);
        // A number proved by a sign-in to `from` (its WeChat binding) stays proved on `into`: the same person's number.
        if (patch.phone && a.provedPhone === patch.phone) await store.markPhoneProved(b.id, patch.phone);
      });
      const ended = await sessions.endAll(a.id);
      await audit.record({
        type: 'user.merged',
        userId: b.id,
        via,
        from: a.id,
        fromName: from.name,
        wechat: fromLinks.length,
        ...(patch.phone ? { phone: maskPhone(patch.phone) } : {}),
        ...(patch.username ? { username: patch.username } : {}),
        sessions: ended,
      });
      const merged = await users.findById(b.id);
      return { from, into: merged ? await target(merged, into.account) : into, wechat: fromLinks.length, moved, dropped, sessions: ended };
    },

    /**
     * Deletes the account's wecas record as its person can from the account page (users/deletion.ts): its links,
     * second factor, appeals and personal data, its sessions with single logout; its audit events stay, under a
     * pseudonym. A directory account stays in its directory: it would get a new record at its next sign-in (disable
     * it to keep it out).
     */
    async delete(ref: string): Promise<{ target: Target } & DeletedAccount> {
      const t = await find(ref);
      const deleted = await deps.deletion.delete(t.user, { via, logins: t.account?.login ? [t.account.login] : [] });
      if (!deleted) throw new AdminRefusal(refusal('no_account', { ref }));
      return { target: t, ...deleted };
    },

    /** The account's WeChat links, for listing. */
    links: (userId: string) => identities.listForUser(userId),
  };
}

/** How an account is named in messages: its login name (with its directory's name when not wecas's own), else its phone, else its id. */
export function nameOf(user: User | null, account: DirectoryAccount | undefined): string {
  if (user && user.directory === 'local') return user.username ?? user.phone ?? user.id;
  const directory = account?.directory ?? user?.directory ?? 'local';
  if (account) return `${account.login ?? account.id} (${directory})`;
  return `${user?.directoryId ?? user?.id} (${directory}, gone from it)`;
}

function directoryOf(user: User): { directory?: string } {
  return user.directory === 'local' ? {} : { directory: user.directory };
}

function describeKey(which: { appId?: string | undefined; openid?: string | undefined }): string {
  return [which.appId && `of app ${which.appId}`, which.openid && `with openid ${which.openid}`].filter(Boolean).join(' ');
}
