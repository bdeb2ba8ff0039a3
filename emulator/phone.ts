// The "phone": the page the QR encodes (WeChat: open.weixin.qq.com/connect/confirm?uuid=…). Opening it
// is the scan; the person picks who scans, then allows or denies, as in the WeChat app.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Emulator, UnknownPersonaError } from './emulator.js';
import { messages, pageLang } from './i18n.js';
import { bodyParam, queryParam } from './params.js';
import type { Sex } from './personas.js';
import { type QrSession, QrSessionError } from './qr-sessions.js';
import { type PhoneContext, phoneQuery, renderAuthorize, renderPersonaPicker, renderPhoneMessage } from './views/phone-pages.js';

const HTML = 'text/html; charset=utf-8';

export function registerPhone(app: FastifyInstance, emulator: Emulator, basePath: string): void {
  /** The phone's context from the query (GET) or the form (POST). */
  const contextOf = (request: FastifyRequest, from: 'query' | 'body'): PhoneContext => {
    const read = from === 'query' ? queryParam : bodyParam;
    const uuid = read(request, 'uuid') ?? '';
    const lang = read(request, 'lang');
    return {
      // No `lang` (a phone that scanned the QR): the language of the page that showed it.
      lang: lang === undefined ? (emulator.qr.get(uuid)?.lang ?? pageLang(undefined)) : pageLang(lang),
      basePath,
      uuid,
      sameTab: read(request, 'same_tab') === '1',
    };
  };
  const sendError = (reply: FastifyReply, ctx: PhoneContext, error: unknown): FastifyReply => {
    const m = messages(ctx.lang);
    if (error instanceof QrSessionError) {
      const text = { unknown_qr: m.qrUnknown, qr_expired: m.qrExpired, qr_used: m.qrUsed, not_scanned: m.notScanned }[error.reason];
      return reply
        .code(error.reason === 'unknown_qr' ? 404 : 409)
        .type(HTML)
        .send(renderPhoneMessage(ctx, m.phoneTitle, text, '!'));
    }
    if (error instanceof UnknownPersonaError || error instanceof RangeError) {
      return reply
        .code(400)
        .type(HTML)
        .send(renderPhoneMessage(ctx, m.phoneTitle, error.message, '!'));
    }
    throw error;
  };
  const seeOther = (reply: FastifyReply, path: string, ctx: PhoneContext): FastifyReply =>
    reply.redirect(`${basePath}${path}?${phoneQuery(ctx)}`, 303);
  const appName = (uuid: string): string => emulator.app(emulator.qr.get(uuid)?.appId ?? '')?.name ?? '';

  app.get('/connect/confirm', async (request, reply) => {
    const ctx = contextOf(request, 'query');
    const session = emulator.qr.get(ctx.uuid);
    const status = session ? emulator.qr.statusOf(session) : undefined;
    if (status === undefined) return sendError(reply, ctx, new QrSessionError('unknown_qr', ctx.uuid));
    if (status === 'expired') return sendError(reply, ctx, new QrSessionError('qr_expired', ctx.uuid));
    if (status === 'confirmed') return sendError(reply, ctx, new QrSessionError('qr_used', ctx.uuid));
    return reply.type(HTML).send(renderPersonaPicker(ctx, emulator.personas.list(), appName(ctx.uuid)));
  });

  app.post('/connect/confirm/scan', async (request, reply) => {
    const ctx = contextOf(request, 'body');
    try {
      const chosen = bodyParam(request, 'persona');
      const personaId =
        chosen ??
        emulator.createPersona({
          nickname: bodyParam(request, 'nickname') ?? '',
          sex: Number(bodyParam(request, 'sex') ?? 0) as Sex,
          regionId: bodyParam(request, 'region') || null,
          hasAvatar: bodyParam(request, 'avatar') === '1',
        }).id;
      emulator.scan(ctx.uuid, personaId);
    } catch (error) {
      return sendError(reply, ctx, error);
    }
    return seeOther(reply, '/connect/confirm/authorize', ctx);
  });

  app.get('/connect/confirm/authorize', async (request, reply) => {
    const ctx = contextOf(request, 'query');
    const session = emulator.qr.get(ctx.uuid);
    if (!session || emulator.qr.statusOf(session) !== 'scanned' || session.personaId === null) {
      return seeOther(reply, '/connect/confirm', ctx);
    }
    const registered = emulator.app(session.appId);
    const icon = registered?.iconUrl ?? `${basePath}/__emulator/app-icon/${encodeURIComponent(session.appId)}`;
    return reply.type(HTML).send(renderAuthorize(ctx, emulator.persona(session.personaId), registered?.name ?? '', icon));
  });

  app.post('/connect/confirm/allow', async (request, reply) => {
    const ctx = contextOf(request, 'body');
    const m = messages(ctx.lang);
    let redirectUrl: string;
    try {
      ({ redirectUrl } = emulator.allowScanned(ctx.uuid));
    } catch (error) {
      return sendError(reply, ctx, error);
    }
    // In the QR's own tab there is no QR page left to carry the code on: the phone does it.
    if (ctx.sameTab) return reply.redirect(redirectUrl, 303);
    return reply.type(HTML).send(renderPhoneMessage(ctx, m.allowedTitle, m.allowedHint, '✓'));
  });

  app.post('/connect/confirm/deny', async (request, reply) => {
    const ctx = contextOf(request, 'body');
    const m = messages(ctx.lang);
    let denied: QrSession;
    try {
      denied = emulator.denyScanned(ctx.uuid);
    } catch (error) {
      return sendError(reply, ctx, error);
    }
    if (!ctx.sameTab) return reply.type(HTML).send(renderPhoneMessage(ctx, m.deniedTitle, m.deniedHint, '✕'));
    // No QR page is left to say "cancelled": lead back the way WeChat's older page reported a refusal.
    const back = { href: emulator.redirectAfterLegacyDeny(denied), label: m.backToSite };
    return reply.type(HTML).send(renderPhoneMessage(ctx, m.deniedTitle, m.deniedSameTabHint, '✕', back));
  });
}
