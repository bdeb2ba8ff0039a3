import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { SelfDeletion } from '../../login/account-deletion.js';
import type { FormTokens } from '../../login/form-tokens.js';
import { maskPhone } from '../../sms/mask.js';
import type { TicketGrantingTicket } from '../../tickets/types.js';
import type { Cookies } from '../cookies.js';
import { challengeWidget } from '../pages/challenge-widget.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { earlierCodeUsable, recoveryRefusalStatus, recoveryRefusalText, sendRefusalStatus, sendRefusalText } from '../refusals.js';

export interface AccountDeleteRouteDeps {
  deletion: SelfDeletion;
  formTokens: FormTokens;
  cookies: Cookies;
  pages: Pages;
  prefix: string;
  /** AUDIT_RETENTION_DAYS: the page says how long the pseudonymous events stay. */
  retentionDays: number;
}

const sendForm = form({ execution: field, altcha: field });
const deleteForm = form({ execution: field, password: field, code: field });

interface DeleteView {
  codeSent?: boolean;
  error?: string;
  notice?: string;
}

/**
 * "Delete my account" (the account page links here): what goes and what stays, then the confirmation (the password,
 * or a code to the bound number for an account without one). Every form carries the browser-bound one-time token.
 */
export function registerAccountDeleteRoutes(app: FastifyInstance, deps: AccountDeleteRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { pages, prefix, deletion, formTokens, cookies } = deps;

  routes.get('/account/delete', async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 302);
    return page(request, reply, tgt, {});
  });

  routes.post('/account/delete/send', { schema: { body: sendForm } }, async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 303);
    const t = pages.translate(request);
    const browser = cookies.browserId(request);
    if (!(await formTokens.take(request.body.execution, browser))) return page(request, reply, tgt, { error: t('account.bad_form') }, 400);
    const result = await deletion.sendCode(tgt.userId, { ip: request.ip, browser, proof: request.body.altcha || undefined });
    if (result.ok) return page(request, reply, tgt, { codeSent: true, notice: t('phone.sent', { phone: maskPhone(result.phone) }) });
    if (result.reason === 'not_deletable') return reply.redirect(`${prefix}/account/delete`, 303);
    return page(request, reply, tgt, { codeSent: earlierCodeUsable(result), error: sendRefusalText(t, result, '') }, sendRefusalStatus(result));
  });

  routes.post('/account/delete', { schema: { body: deleteForm } }, async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 303);
    const t = pages.translate(request);
    const { execution, password, code } = request.body;
    const browserId = cookies.browserId(request);
    if (!(await formTokens.take(execution, browserId))) return page(request, reply, tgt, { codeSent: !!code, error: t('account.bad_form') }, 400);
    const result = await deletion.delete(tgt.userId, { password, code }, { client: request.client, browserId });
    if (!result.ok) {
      if (result.reason === 'not_deletable') return reply.redirect(`${prefix}/account/delete`, 303);
      return page(request, reply, tgt, { codeSent: !!code, error: recoveryRefusalText(t, result) }, recoveryRefusalStatus(result));
    }
    cookies.clearSession(reply);
    // Services with front-channel logout are told by this page, as the logout page tells them.
    const frontChannel = result.frontChannelUrls;
    return pages.send(request, reply, 'message', {
      title: t('account.delete.done.title'),
      paragraphs: [t('account.delete.done.body')],
      links: [{ href: `${prefix}/login`, label: t('loggedout.again'), primary: true }],
      frontChannel,
      imgOrigins: frontChannel.map((u) => new URL(u).origin),
    });
  });

  async function page(request: FastifyRequest, reply: FastifyReply, tgt: TicketGrantingTicket, view: DeleteView, status = 200) {
    const state = await deletion.state(tgt.userId);
    if (!state) return reply.redirect(`${prefix}/logout`, 302);
    const t = pages.translate(request);
    // A repeated send needs a proof of work: the widget solves one when the send form is submitted.
    const widget = state.kind === 'code' ? challengeWidget(prefix, pages.localeOf(request)) : undefined;
    return pages.send(
      request,
      reply,
      'account-delete',
      {
        title: t('account.delete.title'),
        ...view,
        state,
        maskedPhone: state.kind === 'code' ? maskPhone(state.phone) : undefined,
        retentionDays: deps.retentionDays,
        execution: formTokens.issue(cookies.ensureBrowserId(request, reply)),
        prefix,
        challenge: widget?.challenge,
        scripts: widget?.scripts,
        stylesheets: widget?.stylesheets,
      },
      status,
    );
  }
}
