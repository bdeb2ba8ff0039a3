import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import QRCode from 'qrcode';
import type { SecondFactorSettings } from '../../login/second-factor-settings.js';
import type { TotpEnrolment } from '../../mfa/second-factors.js';
import type { TicketGrantingTicket } from '../../tickets/types.js';
import type { Cookies } from '../cookies.js';
import type { Pages } from '../pages/pages.js';
import { field, form } from '../params.js';
import { noStore } from '../respond.js';
import { formToken } from './account.js';

export interface AccountSecondFactorRouteDeps {
  settings: SecondFactorSettings;
  cookies: Cookies;
  pages: Pages;
  prefix: string;
}

const csrfForm = form({ csrf: field });
const confirmForm = form({ csrf: field, code: field });
const disableForm = form({ csrf: field, code: field, password: field });

/**
 * The account page's two-step verification: set up an authenticator app (its QR code and key, then a first code,
 * then the recovery codes, shown once) and turn it off (a current code, a recovery code, or the password).
 */
export function registerAccountSecondFactorRoutes(app: FastifyInstance, deps: AccountSecondFactorRouteDeps): void {
  const routes = app.withTypeProvider<ZodTypeProvider>();
  const { settings, pages, prefix } = deps;
  const back = (reply: FastifyReply, query = '') => reply.redirect(`${prefix}/account${query}`, 303);

  routes.post('/account/second-factor/totp/begin', { schema: { body: csrfForm } }, async (request, reply) => {
    const tgt = await sessionWithValidForm(request, request.body.csrf);
    if (!tgt) return back(reply, '?error=bad_form');
    await settings.begin(tgt);
    return reply.redirect(`${prefix}/account/second-factor/totp`, 303);
  });

  routes.get('/account/second-factor/totp', async (request, reply) => {
    const tgt = await request.ssoSession();
    if (!tgt) return reply.redirect(`${prefix}/login`, 302);
    const enrolment = await settings.pending(tgt);
    if (!enrolment) return reply.redirect(`${prefix}/account?error=mfa_expired`, 302);
    return setupPage(request, reply, tgt, enrolment);
  });

  routes.post('/account/second-factor/totp/confirm', { schema: { body: confirmForm } }, async (request, reply) => {
    const tgt = await sessionWithValidForm(request, request.body.csrf);
    if (!tgt) return back(reply, '?error=bad_form');
    const result = await settings.confirm(tgt, request.body.code, request.client);
    const t = pages.translate(request);
    if (result.ok) {
      // The codes exist in clear only in this answer: never cached, never shown again.
      noStore(reply);
      return pages.send(request, reply, 'recovery-codes', { title: t('mfa.codes.title'), codes: result.recoveryCodes, prefix });
    }
    if (result.reason === 'not_enrolled') return back(reply, '?error=mfa_expired');
    if (result.reason === 'already_enrolled') return back(reply);
    const enrolment = await settings.pending(tgt);
    if (!enrolment) return back(reply, '?error=mfa_expired');
    const error =
      result.reason === 'throttled'
        ? t('mfa.error.throttled', { minutes: Math.max(1, Math.ceil(result.retryAfterSeconds / 60)) })
        : t('mfa.error.wrong_code');
    return setupPage(request, reply, tgt, enrolment, error, result.reason === 'throttled' ? 429 : 401);
  });

  routes.post('/account/second-factor/totp/disable', { schema: { body: disableForm } }, async (request, reply) => {
    const tgt = await sessionWithValidForm(request, request.body.csrf);
    if (!tgt) return back(reply, '?error=bad_form');
    const attempt = { client: request.client, browserId: deps.cookies.browserId(request) };
    const result = await settings.disable(tgt, { code: request.body.code, password: request.body.password }, attempt);
    if (result === 'disabled' || result === 'not_enrolled') return back(reply, '?done=mfa_disabled');
    return back(reply, result === 'throttled' ? '?error=mfa_throttled' : '?error=mfa_wrong');
  });

  async function setupPage(
    request: FastifyRequest,
    reply: FastifyReply,
    tgt: TicketGrantingTicket,
    enrolment: TotpEnrolment,
    error?: string,
    status = 200,
  ) {
    const t = pages.translate(request);
    noStore(reply);
    return pages.send(
      request,
      reply,
      'totp-setup',
      {
        title: t('mfa.setup.title'),
        qr: await QRCode.toDataURL(enrolment.uri, { margin: 1, width: 200, errorCorrectionLevel: 'M' }),
        secretGroups: enrolment.secret.replace(/(.{4})(?=.)/g, '$1 '),
        uri: enrolment.uri,
        csrf: formToken(tgt.id),
        prefix,
        error,
      },
      status,
    );
  }

  async function sessionWithValidForm(request: FastifyRequest, token: string): Promise<TicketGrantingTicket | undefined> {
    const tgt = await request.ssoSession();
    if (!tgt) return undefined;
    const expected = Buffer.from(formToken(tgt.id));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected) ? tgt : undefined;
  }
}
