import type { ColumnType, Generated } from 'kysely';

/** Times are milliseconds since the epoch in every backend (bigint in PostgreSQL, parsed back to number). */
type Millis = number;
/** JSON kept as text, so SQLite and PostgreSQL store it the same way. */
type JsonText = string;

export interface UsersTable {
  id: string;
  username: string | null;
  phone: string | null;
  password_hash: string | null;
  display_name: string | null;
  avatar_url: string | null;
  attributes: JsonText; // extra released attributes: { mail: ["a@b"], memberOf: ["staff"] }
  status: 'active' | 'disabled';
  /** `local` for wecas's own accounts; otherwise the directory the account lives in, and its id there. */
  directory: string;
  directory_id: string | null;
  /** The number last proved by a code in a sign-in to this account (SMS sign-in, WeChat binding, reset, activation, change). */
  proved_phone: string | null;
  created_at: Millis;
  updated_at: Millis;
}

export interface PhoneAppealsTable {
  id: string;
  user_id: string;
  old_phone: string | null;
  new_phone: string;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  ip: string | null;
  created_at: Millis;
  decided_at: Millis | null;
  decided_by: string | null;
}

export interface IdentitiesTable {
  id: string;
  user_id: string;
  provider: string;
  app_id: string;
  openid: string;
  unionid: string | null;
  profile: JsonText;
  created_at: Millis;
  last_login_at: Millis | null;
}

export interface ServicesTable {
  id: number;
  name: string;
  description: string | null;
  pattern: string;
  match_type: 'exact' | 'prefix' | 'regex';
  evaluation_order: number;
  attributes: JsonText; // released attribute names
  // Added by 0005_service_policies, with defaults (a row written without them is a service of before).
  attribute_renames: Generated<JsonText>; // source attribute → the names it is released as
  username_attribute: string | null; // the attribute that is the CAS user; null = the principal id
  username_case: Generated<'none' | 'upper' | 'lower'>;
  required_attributes: Generated<JsonText>; // attribute → value patterns; {} = everyone may use the service
  require_all_attributes: ColumnType<boolean | number, boolean | number | undefined, boolean | number>;
  required_attributes_case_insensitive: ColumnType<boolean | number, boolean | number | undefined, boolean | number>;
  sign_in_methods: Generated<JsonText>; // accepted methods; [] = every method
  mfa_policy: Generated<'optional' | 'required'>; // added by 0008_second_factor
  logout_type: 'back-channel' | 'front-channel' | 'none';
  logout_url: string | null;
  proxy_pattern: string | null; // anchored regex a pgtUrl must match; null = may not proxy
  enabled: ColumnType<boolean | number, boolean | number, boolean | number>;
  created_at: Millis;
  updated_at: Millis;
}

export interface AuditEventsTable {
  id: string;
  at: Millis;
  type: string;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: JsonText;
}

export interface TicketsTable {
  id: string;
  kind: string;
  tgt_id: string | null; // the session a ticket descends from, for cascade deletes
  user_id: string | null;
  expires_at: Millis;
  data: JsonText;
}

/** Service and proxy tickets (`tickets` keeps sessions and proxy-granting tickets): migration 0012 says why. */
export interface ServiceTicketsTable {
  id: string;
  kind: 'ST' | 'PT';
  tgt_id: string; // the session: a ticket is usable only while the session's row exists
  expires_at: Millis;
  data: JsonText;
}

export interface SsoGrantsTable {
  tgt_id: string;
  ticket_id: string;
  service: string;
  service_id: number | null;
  created_at: Millis;
}

export interface KvTable {
  key: string;
  value: string | null;
  counter: number | null;
  expires_at: Millis;
}

/** One row (id 1), rewritten by every readiness check. */
export interface ReadinessHeartbeatTable {
  id: number;
  written_at: Millis;
}

/** An account's TOTP authenticator (0008_second_factor): at most one, confirmed by a first code before it is stored. */
export interface SecondFactorsTable {
  user_id: string;
  totp_secret: string; // sealed (AES-256-GCM, key derived from SMS_CODE_SECRET), base64url
  totp_last_step: number | null; // the last accepted time step
  created_at: Millis;
}

/** One-time recovery codes, as HMACs: a used one is deleted. */
export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
}

/** An administrator's role granted to an account (0010_admin). */
export interface AdminRolesTable {
  user_id: string;
  role: 'admin' | 'helpdesk';
  granted_at: Millis;
  granted_by: string | null; // who granted it: `cli`, or the granting admin's user id
}

/** A personal API token (0010_admin): only the SHA-256 of its secret is kept. */
export interface ApiTokensTable {
  id: string;
  user_id: string;
  role: 'admin' | 'helpdesk';
  name: string;
  token_hash: string;
  created_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  last_used_at: Millis | null;
}

export interface Database {
  users: UsersTable;
  identities: IdentitiesTable;
  services: ServicesTable;
  audit_events: AuditEventsTable;
  tickets: TicketsTable;
  service_tickets: ServiceTicketsTable;
  sso_grants: SsoGrantsTable;
  kv: KvTable;
  readiness_heartbeat: ReadinessHeartbeatTable;
  phone_appeals: PhoneAppealsTable;
  second_factors: SecondFactorsTable;
  recovery_codes: RecoveryCodesTable;
  admin_roles: AdminRolesTable;
  api_tokens: ApiTokensTable;
}
