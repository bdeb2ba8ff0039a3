import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AdminRole, mayManageServices } from '../../admin/console-roles.js';
import type { AuditEvent, AuditLog } from '../../audit/audit-log.js';
import type { MessageKey } from '../pages/messages.js';
import type { Pages, RenderedPageData } from '../pages/pages.js';
import type { ConsoleSession } from './console-session.js';

/** The administrator behind a console request, as the guard (console.ts) found them. */
export interface ConsoleAdmin extends ConsoleSession {
  /** Their role now (read again on every request). */
  role: AdminRole;
  name: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the console's guard on every page behind it; null elsewhere. */
    consoleAdmin: ConsoleAdmin | null;
  }
}

type RefusalReason = Extract<AuditEvent, { type: 'admin.refused' }>['reason'];
type ActionDetail = Omit<Extract<AuditEvent, { type: 'admin.action' }>, 'type' | 'userId' | 'via' | 'role' | 'client'>;

/** What every console page group uses: its pages with the console's frame, refusals, and the audit of each action. */
export function createConsoleKit(deps: { pages: Pages; audit: AuditLog; base: string }) {
  const { pages, base } = deps;
  const admin = (request: FastifyRequest): ConsoleAdmin => {
    if (!request.consoleAdmin) throw new Error('a console page ran without the console guard');
    return request.consoleAdmin;
  };

  function render(request: FastifyRequest, reply: FastifyReply, view: string, data: RenderedPageData, status = 200) {
    const who = admin(request);
    return pages.send(
      request,
      reply,
      view,
      { ...data, stylesheets: ['admin.css'], wide: true, base, admin: who, csrf: who.csrf, section: data.section ?? view },
      status,
    );
  }

  /** A page that says what went wrong and where to go, inside the console's frame. */
  function refuse(request: FastifyRequest, reply: FastifyReply, status: number, title: MessageKey, body: MessageKey, vars?: Record<string, string>) {
    const t = pages.translate(request);
    return render(request, reply, 'admin-message', { title: t(title), paragraphs: [t(body, vars)], section: 'message' }, status);
  }

  /** A refused console request in the audit log, naming the administrator; the path only (a query is no record). */
  function refused(request: FastifyRequest, reason: RefusalReason): Promise<void> {
    return deps.audit.record({
      type: 'admin.refused',
      userId: admin(request).userId,
      via: 'console',
      reason,
      path: request.url.split('?')[0],
      client: request.client,
    });
  }

  return {
    base,
    admin,
    translate: (request: FastifyRequest) => pages.translate(request),
    locale: (request: FastifyRequest) => pages.localeOf(request),
    time: (request: FastifyRequest, ms: number) => pages.time(request, ms),
    render,
    refuse,
    /** Services and roles are the admin's: a helpdesk operator gets a page that says so (403), and it is audited. */
    async onlyAdmins(request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
      if (mayManageServices(admin(request).role)) return true;
      await refused(request, 'role_too_low');
      await refuse(request, reply, 403, 'admin.forbidden.title', 'admin.forbidden.body');
      return false;
    },
    refused,
    /** Every console action is an audit event naming the administrator. */
    audited(request: FastifyRequest, action: string, detail: Omit<ActionDetail, 'action'> = {}): Promise<void> {
      const who = admin(request);
      return deps.audit.record({
        type: 'admin.action',
        userId: who.userId,
        via: 'console',
        role: who.role,
        action,
        ...detail,
        client: request.client,
      });
    },
  };
}

export type ConsoleKit = ReturnType<typeof createConsoleKit>;
