import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Accounts } from '../directories/accounts.js';
import type { Db } from '../store/db.js';
import type { SsoSessions } from '../tickets/sessions.js';
import { createAccessAdmin } from './access.js';
import { type AdminActor, auditAs } from './actor.js';
import { createUserImport } from './import.js';
import type { AdminRoles } from './roles.js';
import type { ApiTokens } from './tokens.js';
import { createUserAdmin } from './users.js';

export interface AdministrationDeps {
  db: Db;
  clock: Clock;
  accounts: Accounts;
  sessions: SsoSessions;
  audit: AuditLog;
  roles: AdminRoles;
  tokens: ApiTokens;
}

export type Administration = ReturnType<typeof administrationFor>;

/**
 * Every administrative act, as one administrator does it: the CLI (`CLI_ACTOR`) or an API request (the token's
 * owner). The same functions serve both front ends; only who is named in the audit log differs.
 */
export function administrationFor(deps: AdministrationDeps, actor: AdminActor) {
  const audit = auditAs(deps.audit, actor);
  const { db, clock, accounts, sessions, via } = { ...deps, via: actor.via };
  const users = createUserAdmin({ db, clock, accounts, sessions, audit, via });
  return {
    actor,
    users,
    import: createUserImport({ db, clock, accounts, sessions, audit, via }),
    access: createAccessAdmin({ roles: deps.roles, tokens: deps.tokens, users, audit, actor }),
  };
}
