import type { AdminVia, AuditLog, ClientInfo } from '../audit/audit-log.js';

/** Who is administering: through what, and (through the API) which account, from which client. */
export interface AdminActor {
  via: AdminVia;
  /** The administrator's account id; absent for the CLI, which runs as whoever holds the server. */
  adminId?: string | undefined;
  client?: ClientInfo | undefined;
}

export const CLI_ACTOR: AdminActor = { via: 'cli' };

/** The audit log, with every event it records naming the administrator and their client. */
export function auditAs(audit: AuditLog, actor: AdminActor): AuditLog {
  if (actor.adminId === undefined && actor.client === undefined) return audit;
  return {
    record: (event) =>
      audit.record({
        ...event,
        ...(actor.adminId !== undefined ? { admin: actor.adminId } : {}),
        ...(event.client === undefined && actor.client !== undefined ? { client: actor.client } : {}),
      }),
  };
}
