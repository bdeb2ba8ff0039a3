import { type Kysely, type Migration, type MigrationProvider, Migrator, SqliteAdapter, sql } from 'kysely';
import type { Database } from './schema.js';

/**
 * One list of migrations for SQLite and PostgreSQL, using only portable column types
 * (text, integer, bigint, boolean: SQLite keeps a boolean as 0/1, which the service store reads back).
 */
// Migrations take an untyped Kysely, as Kysely's own guide writes them: they run against the schema of their
// day, not today's `Database` type.
const migrations: Record<string, Migration> = {
  '0001_initial': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.unique())
        .addColumn('phone', 'text', (c) => c.unique())
        .addColumn('password_hash', 'text')
        .addColumn('display_name', 'text')
        .addColumn('avatar_url', 'text')
        .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('openid', 'text', (c) => c.notNull())
        .addColumn('unionid', 'text')
        .addColumn('profile', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_login_at', 'bigint')
        .addUniqueConstraint('identities_provider_app_openid', ['provider', 'app_id', 'openid'])
        .execute();
      await db.schema.createIndex('identities_unionid').on('identities').columns(['provider', 'unionid']).execute();
      await db.schema.createIndex('identities_user').on('identities').column('user_id').execute();

      await db.schema
        .createTable('services')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('pattern', 'text', (c) => c.notNull())
        .addColumn('match_type', 'text', (c) => c.notNull())
        .addColumn('evaluation_order', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('logout_type', 'text', (c) => c.notNull().defaultTo('back-channel'))
        .addColumn('logout_url', 'text')
        .addColumn('proxy_pattern', 'text')
        .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
      await db.schema.createIndex('audit_events_user').on('audit_events').columns(['user_id', 'at']).execute();

      await db.schema
        .createTable('tickets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('tgt_id', 'text')
        .addColumn('user_id', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('consumed_at', 'bigint')
        .addColumn('data', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('tickets_tgt').on('tickets').column('tgt_id').execute();
      await db.schema.createIndex('tickets_user').on('tickets').columns(['user_id', 'kind']).execute();
      await db.schema.createIndex('tickets_expires').on('tickets').column('expires_at').execute();

      await db.schema
        .createTable('sso_grants')
        .addColumn('tgt_id', 'text', (c) => c.notNull())
        .addColumn('ticket_id', 'text', (c) => c.notNull())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('service_id', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('sso_grants_pk', ['tgt_id', 'ticket_id'])
        .execute();

      await db.schema
        .createTable('kv')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text')
        .addColumn('counter', 'bigint')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('kv_expires').on('kv').column('expires_at').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      for (const t of ['kv', 'sso_grants', 'tickets', 'audit_events', 'services', 'identities', 'users'])
        await db.schema.dropTable(t).ifExists().execute();
    },
  },
  // Consumption deletes a ticket (DELETE … RETURNING), so the column the first schema kept for it was never written.
  '0002_drop_ticket_consumed_at': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema.alterTable('tickets').dropColumn('consumed_at').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await db.schema.alterTable('tickets').addColumn('consumed_at', 'bigint').execute();
    },
  },
  // The readiness check rewrites this one row: a database that answers `select 1` may still take no writes.
  '0003_readiness_heartbeat': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('readiness_heartbeat')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('written_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await db.schema.dropTable('readiness_heartbeat').ifExists().execute();
    },
  },
  // An account that lives in another directory (LDAP, an existing table) has a wecas record of its own, which its
  // links (WeChat, sessions) hang on: named by the directory and that directory's stable id for the account.
  '0004_directory_accounts': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('users')
        .addColumn('directory', 'text', (c) => c.notNull().defaultTo('local'))
        .execute();
      await db.schema.alterTable('users').addColumn('directory_id', 'text').execute();
      await db.schema.createIndex('users_directory_account').on('users').columns(['directory', 'directory_id']).unique().execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('users_directory_account').execute();
      await db.schema.alterTable('users').dropColumn('directory_id').execute();
      await db.schema.alterTable('users').dropColumn('directory').execute();
    },
  },
  // What a service sees and who may use it: the attribute that is the CAS user (and its case), attributes released
  // under other names, the attributes a person must have, and the sign-in methods it accepts. JSON columns as
  // `attributes` is; the defaults are what every service had before.
  '0005_service_policies': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      // One column per statement: SQLite's ALTER TABLE adds one at a time.
      await db.schema.alterTable('services').addColumn('username_attribute', 'text').execute();
      await db.schema
        .alterTable('services')
        .addColumn('username_case', 'text', (c) => c.notNull().defaultTo('none'))
        .execute();
      await db.schema
        .alterTable('services')
        .addColumn('attribute_renames', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .alterTable('services')
        .addColumn('required_attributes', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema
        .alterTable('services')
        .addColumn('require_all_attributes', 'boolean', (c) => c.notNull().defaultTo(true))
        .execute();
      await db.schema
        .alterTable('services')
        .addColumn('required_attributes_case_insensitive', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await db.schema
        .alterTable('services')
        .addColumn('sign_in_methods', 'text', (c) => c.notNull().defaultTo('[]'))
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      for (const column of [
        'sign_in_methods',
        'required_attributes_case_insensitive',
        'require_all_attributes',
        'required_attributes',
        'attribute_renames',
        'username_case',
        'username_attribute',
      ])
        await db.schema.alterTable('services').dropColumn(column).execute();
    },
  },
  // The account's life (issue 15): the number last proved by a code in a sign-in to the account (a number an import
  // or a directory put there, never proved, does not alone hand over an account with a password: a carrier may have
  // re-issued it), and the phone-change appeals of people who lost their old number, for an administrator to decide.
  '0007_account_life': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema.alterTable('users').addColumn('proved_phone', 'text').execute();
      await db.schema
        .createTable('phone_appeals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('old_phone', 'text')
        .addColumn('new_phone', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('pending'))
        .addColumn('ip', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_at', 'bigint')
        .addColumn('decided_by', 'text')
        .execute();
      await db.schema.createIndex('phone_appeals_status').on('phone_appeals').columns(['status', 'created_at']).execute();
      await db.schema.createIndex('phone_appeals_user').on('phone_appeals').column('user_id').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await db.schema.dropTable('phone_appeals').ifExists().execute();
      await db.schema.alterTable('users').dropColumn('proved_phone').execute();
    },
  },
  // The second factor: an account's TOTP secret (sealed with a key derived from SMS_CODE_SECRET, so a database dump
  // alone does not give codes away) and the last time step used (a code is accepted once), its one-time recovery
  // codes (hashed), and per service whether a second factor is required.
  '0008_second_factor': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('second_factors')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('totp_secret', 'text', (c) => c.notNull())
        .addColumn('totp_last_step', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('recovery_codes')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('recovery_codes_pk', ['user_id', 'code_hash'])
        .execute();
      await db.schema
        .alterTable('services')
        .addColumn('mfa_policy', 'text', (c) => c.notNull().defaultTo('optional'))
        .execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await db.schema.alterTable('services').dropColumn('mfa_policy').execute();
      await db.schema.dropTable('recovery_codes').ifExists().execute();
      await db.schema.dropTable('second_factors').ifExists().execute();
    },
  },
  // The admin API (issue 17): who holds an administrator's role (granted by `wecas admin grant`; a directory group
  // can also confer one, from ADMIN_ROLE_GROUPS, with nothing stored), and personal API tokens, kept as a hash only.
  '0010_admin': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('admin_roles')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('granted_at', 'bigint', (c) => c.notNull())
        .addColumn('granted_by', 'text')
        .execute();
      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await db.schema.dropTable('api_tokens').ifExists().execute();
      await db.schema.dropTable('admin_roles').ifExists().execute();
    },
  },
  // The audit pages filter by address and by event type (issue 17: any page within 200 ms with a million events).
  // Without these, a filter that matches few events walks the whole at index: 3 s for one address among a million
  // events (bench admin-pages). Each costs every audit row one more index entry (docs/benchmarks.md says how much).
  '0011_audit_filters': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await db.schema.createIndex('audit_events_ip').on('audit_events').columns(['ip', 'at']).execute();
      await db.schema.createIndex('audit_events_type').on('audit_events').columns(['type', 'at']).execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('audit_events_type').ifExists().execute();
      await db.schema.dropIndex('audit_events_ip').ifExists().execute();
    },
  },
  // Service and proxy tickets in a table of their own (issue 16): in `tickets` each was an entry in five B-trees
  // (the table, its primary key, tickets_tgt, tickets_user, tickets_expires), written at issuance and again at
  // validation. Here it is two: SQLite keeps the rows in their primary key's B-tree (WITHOUT ROWID), and the sweep
  // has its index. They need no index by session: a ticket is usable only while its session's row exists
  // (sql-registry.ts), so ending a session leaves its tickets to the sweep. Tickets issued before are moved over.
  '0012_service_tickets': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
      await db.schema
        .createTable('service_tickets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('tgt_id', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .$call((table) => (sqlite ? table.modifyEnd(sql`without rowid`) : table))
        .execute();
      await db.schema.createIndex('service_tickets_expires').on('service_tickets').column('expires_at').execute();
      const moved = db
        .selectFrom('tickets')
        .select(['id', 'kind', 'tgt_id', 'expires_at', 'data'])
        .where('kind', 'in', ['ST', 'PT'])
        .where('tgt_id', 'is not', null);
      await db.insertInto('service_tickets').columns(['id', 'kind', 'tgt_id', 'expires_at', 'data']).expression(moved).execute();
      await db.deleteFrom('tickets').where('kind', 'in', ['ST', 'PT']).execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      // user_id is null for these kinds in `tickets` (it names a session's person), as the earlier code wrote them.
      const back = db.selectFrom('service_tickets').select(['id', 'kind', 'tgt_id', 'expires_at', 'data']);
      await db.insertInto('tickets').columns(['id', 'kind', 'tgt_id', 'expires_at', 'data']).expression(back).execute();
      await db.schema.dropTable('service_tickets').execute();
    },
  },
  // A session's grants keyed by service, as the registry keeps them (one per service, the latest ticket): an SSO
  // issuance to a service the session already used updates one row in place, where it deleted a row and its index
  // entry and wrote both again. On SQLite the rows live in the key's B-tree (WITHOUT ROWID). Sessions from before
  // grants were bounded may hold several per service: the latest is kept.
  '0013_grants_by_service': {
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async up(db: Kysely<any>) {
      await createGrantsTable(db, 'sso_grants_by_service', 'service');
      const latest = db
        .selectFrom('sso_grants as g')
        .select(['g.tgt_id', 'g.service', 'g.ticket_id', 'g.service_id', 'g.created_at'])
        .where(({ not, exists, selectFrom, or, and, eb }) =>
          not(
            exists(
              selectFrom('sso_grants as h')
                .select('h.ticket_id')
                .whereRef('h.tgt_id', '=', 'g.tgt_id')
                .whereRef('h.service', '=', 'g.service')
                .where(
                  or([
                    eb('h.created_at', '>', eb.ref('g.created_at')),
                    and([eb('h.created_at', '=', eb.ref('g.created_at')), eb('h.ticket_id', '>', eb.ref('g.ticket_id'))]),
                  ]),
                ),
            ),
          ),
        );
      await db.insertInto('sso_grants_by_service').columns(GRANT_COLUMNS).expression(latest).execute();
      await db.schema.dropTable('sso_grants').execute();
      await db.schema.alterTable('sso_grants_by_service').renameTo('sso_grants').execute();
    },
    // biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
    async down(db: Kysely<any>) {
      await createGrantsTable(db, 'sso_grants_by_ticket', 'ticket_id');
      await db.insertInto('sso_grants_by_ticket').columns(GRANT_COLUMNS).expression(db.selectFrom('sso_grants').select(GRANT_COLUMNS)).execute();
      await db.schema.dropTable('sso_grants').execute();
      await db.schema.alterTable('sso_grants_by_ticket').renameTo('sso_grants').execute();
    },
  },
};

const GRANT_COLUMNS = ['tgt_id', 'service', 'ticket_id', 'service_id', 'created_at'];

/** sso_grants' columns under another name, keyed by session and `key` (0001's key was the ticket, 0013's the service). */
// biome-ignore lint/suspicious/noExplicitAny: a migration sees the schema of its day, not today's types
async function createGrantsTable(db: Kysely<any>, name: string, key: 'service' | 'ticket_id'): Promise<void> {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  await db.schema
    .createTable(name)
    .addColumn('tgt_id', 'text', (c) => c.notNull())
    .addColumn('ticket_id', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('service_id', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // PostgreSQL names a key's index after its constraint, once per schema: each layout has a name of its own.
    .addPrimaryKeyConstraint(key === 'service' ? 'sso_grants_service_pk' : 'sso_grants_pk', ['tgt_id', key])
    .$call((table) => (sqlite && key === 'service' ? table.modifyEnd(sql`without rowid`) : table))
    .execute();
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Migrates up or down to the named migration: the tests of a migration's data move start from the schema before it. */
export async function migrateTo(db: Kysely<Database>, name: string, options: { schema?: string } = {}): Promise<void> {
  const { error } = await new Migrator({ db, provider, migrationTableSchema: options.schema }).migrateTo(name);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}

/**
 * `schema` (PostgreSQL) names the schema the migration bookkeeping tables live in. Give it whenever the database
 * has other schemas: unqualified, Kysely finds `kysely_migration` in ANY visible schema, skips creating its own,
 * then fails with "relation kysely_migration_lock does not exist".
 */
export async function migrateToLatest(db: Kysely<Database>, options: { schema?: string } = {}): Promise<string[]> {
  const migrator = new Migrator({ db, provider, migrationTableSchema: options.schema });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export { sql };
