import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { searchAccounts } from '../../../admin/account-search.js';
import type { AccountAdmin, SessionView } from '../../../admin/accounts.js';
import { AdminRefusal } from '../../../admin/users.js';
import type { Db } from '../../../store/db.js';
import type { IdentityStore } from '../../../users/identities.js';
import type { UserStore } from '../../../users/store.js';
import type { MessageKey } from '../../pages/messages.js';
import { field, form, param, query } from '../../params.js';
import { refusalText } from '../domain-texts.js';
import type { ConsoleKit } from '../kit.js';

export interface AccountPageDeps {
  kit: ConsoleKit;
  db: Db;
  users: Pick<UserStore, 'findById'>;
  identities: Pick<IdentityStore, 'listForUser' | 'listWeComForUser'>;
  /** The account's live sessions, as an administrator sees them (a handle, never the ticket id). */
  sessions: (userId: string) => Promise<SessionView[]>;
  /**
   * The account actions as this administrator (the functions `wecas user …` and the API run): each records its own
   * audit event naming the administrator, `via: 'console'`.
   */
  accountAdmin: (request: FastifyRequest) => Pick<AccountAdmin, 'setStatus' | 'resetPassword' | 'unlinkWeChat' | 'unlinkWeCom' | 'endSessions'>;
}

const PAGE_SIZE = 50;
const listQuery = query({ q: param, after: param });
const idParams = z.object({ id: z.string().uuid() });
const accountQuery = query({ done: param });
const DONE = new Map<string, MessageKey>([
  ['disabled', 'admin.account.done.disabled'],
  ['enabled', 'admin.account.done.enabled'],
  ['wechat', 'admin.account.done.wechat'],
  ['wecom', 'admin.account.done.wecom'],
  ['sessions', 'admin.account.done.sessions'],
  ['password', 'admin.account.done.password'],
]);

/** Accounts: search, one account with its links and sessions, and what an administrator does to it. */
export function registerAccountPages(app: FastifyInstance, deps: AccountPageDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { kit } = deps;

  routes.get('/accounts', { schema: { querystring: listQuery } }, async (request, reply) => {
    const q = (request.query.q ?? '').slice(0, 200);
    const page = await searchAccounts(deps.db, { q, after: request.query.after, limit: PAGE_SIZE });
    const nextUrl = page.next ? `${kit.base}/accounts?${new URLSearchParams({ q, after: page.next })}` : undefined;
    return kit.render(request, reply, 'admin-accounts', {
      title: title(request, 'admin.accounts.title'),
      q,
      accounts: page.accounts,
      nextUrl,
      section: 'accounts',
    });
  });

  routes.get('/accounts/:id', { schema: { params: idParams, querystring: accountQuery } }, async (request, reply) => {
    const done = DONE.get(request.query.done ?? '');
    return accountPage(request, reply, request.params.id, done ? { notice: done } : {});
  });

  routes.post(
    '/accounts/:id/status',
    { schema: { params: idParams, body: form({ csrf: field, status: z.enum(['active', 'disabled']) }) } },
    async (request, reply) => {
      if (!(await kit.onlyAdmins(request, reply))) return reply;
      const { id } = request.params;
      return act(request, reply, id, async () => {
        const result = await deps.accountAdmin(request).setStatus(id, request.body.status);
        await kit.audited(request, request.body.status === 'disabled' ? 'user.disabled' : 'user.enabled', { target: id, sessions: result.sessions });
        return request.body.status;
      });
    },
  );

  // The password is cleared and the sessions end: the person sets a new one by activation (a code to their phone).
  routes.post('/accounts/:id/password/reset', { schema: { params: idParams, body: form({ csrf: field }) } }, async (request, reply) => {
    if (!(await kit.onlyAdmins(request, reply))) return reply;
    const { id } = request.params;
    return act(request, reply, id, async () => {
      const result = await deps.accountAdmin(request).resetPassword(id);
      await kit.audited(request, 'user.password_cleared', { target: id, sessions: result.sessions });
      return 'password';
    });
  });

  // Unlinking is the helpdesk's too: the person's next scan asks to bind again.
  for (const [provider, unlink] of [
    ['wechat', 'unlinkWeChat'],
    ['wecom', 'unlinkWeCom'],
  ] as const)
    routes.post(
      `/accounts/:id/${provider}/unlink`,
      { schema: { params: idParams, body: form({ csrf: field, identity: field }) } },
      async (request, reply) => {
        const { id } = request.params;
        return act(request, reply, id, async () => {
          await deps.accountAdmin(request)[unlink](id, request.body.identity);
          await kit.audited(request, `${provider}.unbound`, { target: id });
          return provider;
        });
      },
    );

  // One session (by its reference) or all of them; each ends with single logout to the applications it reached.
  routes.post('/accounts/:id/sessions/end', { schema: { params: idParams, body: form({ csrf: field, session: field }) } }, async (request, reply) => {
    const { id } = request.params;
    return act(request, reply, id, async () => {
      const handle = request.body.session === 'all' ? undefined : request.body.session;
      const { ended } = await deps.accountAdmin(request).endSessions(id, handle);
      await kit.audited(request, 'session.ended', { target: id, sessions: ended });
      return 'sessions';
    });
  });

  /** Runs an action; a refusal shows the account page with what the domain said (409), success redirects (303). */
  async function act(request: FastifyRequest, reply: FastifyReply, id: string, action: () => Promise<string>) {
    try {
      const done = await action();
      return reply.redirect(`${kit.base}/accounts/${id}?done=${done}`, 303);
    } catch (err) {
      if (!(err instanceof AdminRefusal)) throw err;
      return accountPage(request, reply, id, { refusal: refusalText(kit.translate(request), err.reason) }, 409);
    }
  }

  async function accountPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: string,
    extra: { notice?: MessageKey; refusal?: string },
    status = 200,
  ) {
    const user = await deps.users.findById(id);
    if (!user) return kit.refuse(request, reply, 404, 'admin.account.missing.title', 'admin.account.missing.body');
    const [wechat, wecom, sessions] = await Promise.all([deps.identities.listForUser(id), deps.identities.listWeComForUser(id), deps.sessions(id)]);
    const t = kit.translate(request);
    return kit.render(
      request,
      reply,
      'admin-account',
      {
        title: user.username ?? user.displayName ?? user.phone ?? user.id,
        user,
        wechat,
        wecom,
        sessions: sessions.sort((a, b) => b.createdAt - a.createdAt),
        notice: extra.notice ? t(extra.notice) : undefined,
        refusal: extra.refusal,
        section: 'accounts',
      },
      status,
    );
  }

  function title(request: FastifyRequest, key: MessageKey): string {
    return kit.translate(request)(key);
  }
}
