// Test control over HTTP (`/__control/...`), mounted only when `testControl` is on: drive a QR
// without a browser, choose personas, inject faults, move the clock, reset.
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Emulator, UnknownPersonaError } from './emulator.js';
import { faultSchema, SNS_APIS } from './faults.js';
import { openidFor, unionidFor } from './ids.js';
import { checkOaAuthorize, safeNext, WECHAT_USER_COOKIE, wechatUserCookie } from './oa-pages.js';
import { queryParam } from './params.js';
import { DEFAULT_PERSONA_ID, type Persona } from './personas.js';
import { type QrSession, QrSessionError } from './qr-sessions.js';

const personaRef = z.object({ persona: z.string().optional() });
const newPersonaSchema = z.object({
  nickname: z.string().min(1).max(64),
  sex: z.union([z.literal(0), z.literal(1), z.literal(2)]).optional(),
  region: z.string().nullable().optional(),
  avatar: z.boolean().optional(),
});
const clockSchema = z
  .object({ advanceMs: z.number().min(0).optional(), advanceSeconds: z.number().min(0).optional() })
  .refine((b) => b.advanceMs !== undefined || b.advanceSeconds !== undefined, 'give advanceMs or advanceSeconds');
const settingsSchema = z
  .object({
    qrLifetimeMs: z.number().int().min(0),
    longPollHoldMs: z.number().int().min(0).max(120_000),
    profileMode: z.enum(['current', 'legacy', 'placeholder']),
    snsContentType: z.string().min(1),
    autoApprovePersonaId: z.string().nullable(),
  })
  .partial()
  .strict();
const faultRequestSchema = z.object({
  api: z.enum(SNS_APIS),
  times: z.number().int().min(1).default(1),
  fault: faultSchema,
});
const appPatchSchema = z.object({ legacyDenyRedirect: z.boolean() }).strict();
const desktopClientSchema = z.object({ persona: z.string().nullable() }).strict();
const snapshotSchema = z.object({ on: z.boolean(), persona: z.string().optional() }).strict();
const oaAuthorizeSchema = z.object({
  appid: z.string().optional(),
  redirect_uri: z.string().optional(),
  scope: z.string().optional(),
  state: z.string().optional(),
  persona: z.string().optional(),
  decision: z.enum(['allow', 'deny']).default('allow'),
});

export function registerControl(app: FastifyInstance, emulator: Emulator, basePath: string): void {
  app.register(
    async (control) => {
      control.setErrorHandler((error, _request, reply) => {
        if (error instanceof z.ZodError) return reply.code(400).send({ error: 'bad_request', issues: error.issues });
        if (error instanceof QrSessionError) return reply.code(error.reason === 'unknown_qr' ? 404 : 409).send({ error: error.reason });
        if (error instanceof UnknownPersonaError) return reply.code(404).send({ error: 'unknown_persona', persona: error.personaId });
        if (error instanceof RangeError) return reply.code(400).send({ error: 'bad_request', message: error.message });
        return reply.send(error);
      });

      const describePersona = (p: Persona): object => ({
        id: p.id,
        nickname: p.nickname,
        sex: p.sex,
        region: p.regionId,
        headimgurl: emulator.headimgurl(p.avatarKey),
        unionid: unionidFor(p.id),
        openids: Object.fromEntries(emulator.apps().map((a) => [a.appId, openidFor(a.appId, p.id)])),
      });
      const describeQr = (s: QrSession): object => ({
        uuid: s.uuid,
        appId: s.appId,
        status: emulator.qr.statusOf(s),
        persona: s.personaId,
        code: s.code,
        redirectUri: s.redirectUri,
        state: s.state,
        selfRedirect: s.selfRedirect,
        createdAt: s.createdAt,
        expiresAt: s.expiresAt,
        phoneUrl: emulator.phoneUrl(s.uuid),
        via: s.via,
      });
      const describeDesktopClient = (): object => {
        const p = emulator.desktopPersona();
        return p ? { persona: p.id, nickname: p.nickname, headimgurl: emulator.headimgurl(p.avatarKey) } : { persona: null };
      };
      /** `latest` names the newest QR, handy from a shell. */
      const uuidOf = (raw: string): string => (raw === 'latest' ? (emulator.qr.list()[0]?.uuid ?? raw) : raw);
      const body = (request: { body: unknown }): unknown => request.body ?? {};

      control.get('/state', async () => ({
        now: emulator.clock.now(),
        settings: emulator.settings,
        apps: emulator.apps().map(({ appSecret: _secret, ...a }) => a),
        personas: emulator.personas.list().map(describePersona),
        qr: emulator.qr.list().map(describeQr),
        faults: emulator.faults.pending(),
        longPollsWaiting: emulator.qr.waitingPolls,
        snapshot: emulator.snapshotState(),
        desktopClient: describeDesktopClient(),
        calls: emulator.callCounts(),
      }));

      control.get('/calls', async () => emulator.callCounts());

      control.post('/calls/reset', async () => {
        emulator.calls.clear();
        return { ok: true };
      });

      // ── Official Account web authorization ──
      const phoneUserAnswer = (personaId: string): object => ({
        persona: personaId,
        cookieName: WECHAT_USER_COOKIE,
        cookieValue: personaId,
        cookiePath: basePath || '/',
        cookie: `${WECHAT_USER_COOKIE}=${encodeURIComponent(personaId)}`,
        setCookie: wechatUserCookie(personaId, basePath),
        url: `${emulator.publicBaseUrl}/__control/oa/phone-user?persona=${encodeURIComponent(personaId)}`,
      });

      /** The cookie that makes a persona the phone's WeChat user, and a URL that sets it in a browser. */
      control.post('/oa/phone-user', async (request) => {
        const { persona = DEFAULT_PERSONA_ID } = personaRef.parse(body(request));
        emulator.persona(persona);
        return phoneUserAnswer(persona);
      });

      /** Opened in the browser: sets the cookie, then goes to `next` (one of the emulator's pages) or answers JSON. */
      control.get('/oa/phone-user', async (request, reply) => {
        const persona = queryParam(request, 'persona') ?? DEFAULT_PERSONA_ID;
        emulator.persona(persona);
        reply.header('set-cookie', wechatUserCookie(persona, basePath));
        const next = safeNext(queryParam(request, 'next'), basePath);
        return next ? reply.redirect(next, 303) : phoneUserAnswer(persona);
      });

      control.post('/oa/snapshot', async (request) => {
        const b = snapshotSchema.parse(body(request));
        return emulator.setSnapshot(b.on, b.persona);
      });

      /** The authorization without a browser: the same checks, then the redirect the page would follow. */
      control.post('/oa/authorize', async (request, reply) => {
        const b = oaAuthorizeSchema.parse(body(request));
        const checked = checkOaAuthorize(emulator, (name) => (b as Record<string, string | undefined>)[name]);
        if (typeof checked === 'string') return reply.code(400).send({ error: checked });
        const persona = b.persona ?? DEFAULT_PERSONA_ID;
        emulator.persona(persona);
        const silent = checked.scope === 'snsapi_base' || emulator.isSnapshot(persona);
        const outcome = silent || b.decision === 'allow' ? emulator.authorizeOa(checked, persona) : emulator.denyOa(checked);
        return { persona, scope: checked.scope, consentShown: !silent, ...outcome };
      });

      // ── Desktop quick login: "this PC has a desktop WeChat signed in as persona X" (null: none) ──
      control.get('/desktop-client', async () => describeDesktopClient());

      control.post('/desktop-client', async (request) => {
        emulator.setDesktopClient(desktopClientSchema.parse(body(request)).persona);
        return describeDesktopClient();
      });

      control.post('/reset', async () => {
        emulator.reset();
        return { ok: true };
      });

      control.post('/clock', async (request) => {
        const b = clockSchema.parse(body(request));
        return { now: emulator.advanceClock((b.advanceMs ?? 0) + (b.advanceSeconds ?? 0) * 1000) };
      });

      control.post('/settings', async (request) => emulator.updateSettings(settingsSchema.parse(body(request))));

      control.post('/personas', async (request) => {
        const b = newPersonaSchema.parse(body(request));
        const persona = emulator.createPersona({
          nickname: b.nickname,
          sex: b.sex,
          regionId: b.region ?? null,
          hasAvatar: b.avatar ?? true,
        });
        return describePersona(persona);
      });

      control.post<{ Params: { id: string } }>('/personas/:id/avatar', async (request) => describePersona(emulator.changeAvatar(request.params.id)));

      control.get('/qr', async () => emulator.qr.list().map(describeQr));

      control.post<{ Params: { uuid: string } }>('/qr/:uuid/scan', async (request) =>
        describeQr(emulator.scan(uuidOf(request.params.uuid), personaRef.parse(body(request)).persona)),
      );

      control.post<{ Params: { uuid: string } }>('/qr/:uuid/confirm', async (request) => {
        const { session, code, redirectUrl } = emulator.confirm(uuidOf(request.params.uuid), personaRef.parse(body(request)).persona);
        return { ...describeQr(session), code, redirectUrl };
      });

      control.post<{ Params: { uuid: string } }>('/qr/:uuid/deny', async (request) =>
        describeQr(emulator.deny(uuidOf(request.params.uuid), personaRef.parse(body(request)).persona)),
      );

      control.post<{ Params: { uuid: string } }>('/qr/:uuid/expire', async (request) => describeQr(emulator.expireQr(uuidOf(request.params.uuid))));

      control.post<{ Params: { appId: string } }>('/apps/:appId', async (request, reply) => {
        const patch = appPatchSchema.parse(body(request));
        const updated = emulator.setLegacyDenyRedirect(request.params.appId, patch.legacyDenyRedirect);
        if (!updated) return reply.code(404).send({ error: 'unknown_app' });
        const { appSecret: _secret, ...shown } = updated;
        return shown;
      });

      control.post('/faults', async (request) => {
        const b = faultRequestSchema.parse(body(request));
        emulator.injectFault(b.api, b.fault, b.times);
        return { faults: emulator.faults.pending() };
      });
    },
    { prefix: '/__control' },
  );
}
