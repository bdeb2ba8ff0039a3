import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Accounts } from '../directories/accounts.js';
import type { ServiceRegistry } from '../services/registry.js';
import type { Db } from '../store/db.js';
import type { TicketRegistry } from '../tickets/registry.js';
import type { SsoSessions } from '../tickets/sessions.js';
import type { PhoneAppeals } from '../users/appeals.js';
import type { AccountDeletion } from '../users/deletion.js';
import type { UserStore } from '../users/store.js';
import { createAccessAdmin } from './access.js';
import { createAccountAdmin } from './accounts.js';
import { type AdminActor, auditAs } from './actor.js';
import { createAppealAdmin, type DecideAppeal } from './appeals.js';
import { createUserImport } from './import.js';
import type { AdminRoles } from './roles.js';
import { createServiceAdmin } from './services.js';
import type { ApiTokens } from './tokens.js';
import { createUserAdmin } from './users.js';

export interface AdministrationDeps {
  db: Db;
  clock: Clock;
  accounts: Accounts;
  users: UserStore;
  services: ServiceRegistry;
  tickets: TicketRegistry;
  sessions: SsoSessions;
  audit: AuditLog;
  roles: AdminRoles;
  tokens: ApiTokens;
  phoneAppeals: PhoneAppeals;
  decideAppeal: DecideAppeal;
  deletion: AccountDeletion;
}

export type Administration = ReturnType<typeof administrationFor>;

/**
 * Every administrative act, as one administrator does it: the CLI (`CLI_ACTOR`) or an API request (the token's
 * owner). The same functions serve both front ends; only who is named in the audit log differs.
 */
export function administrationFor(deps: AdministrationDeps, actor: AdminActor) {
  const audit = auditAs(deps.audit, actor);
  const { db, clock, accounts, sessions, tickets, roles } = deps;
  const { via } = actor;
  const users = createUserAdmin({ db, clock, accounts, sessions, audit, deletion: deps.deletion, via });
  return {
    actor,
    /** The audit log, naming this administrator in every event. */
    audit,
    users,
    import: createUserImport({ db, clock, accounts, sessions, audit, via }),
    access: createAccessAdmin({ roles, tokens: deps.tokens, users, audit, actor }),
    services: createServiceAdmin({ registry: deps.services, audit, via }),
    accounts: createAccountAdmin({ db, clock, users, roles, tickets, sessions, audit, via }),
    appeals: createAppealAdmin({
      appeals: deps.phoneAppeals,
      decide: deps.decideAppeal,
      users: deps.users,
      audit,
      via,
      by: actor.adminId ?? actor.via,
    }),
  };
}
