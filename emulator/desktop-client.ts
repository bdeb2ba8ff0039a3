// Desktop quick login (快速登录). Since Windows WeChat 3.9.11 and Mac WeChat 4.0.0, WeChat's QR page asks a desktop
// client on the same PC (`https://localhost.weixin.qq.com:13013/api/check-login`, docs/wechat-open-platform.md §3)
// whether it is signed in, shows that account with a 快速登录 button, and the person confirms on the PC. The
// emulator has no local client: a switch (control API, or the development page) says "this PC's desktop WeChat is
// signed in as persona X", and these two routes answer in the client's place.
import type { FastifyInstance } from 'fastify';
import { type Emulator, NoDesktopClientError } from './emulator.js';
import { bodyParam } from './params.js';
import { QrSessionError } from './qr-sessions.js';

/** The page script's probe (WeChat's: the local client's `api/check-login`). */
export const DESKTOP_CHECK_PATH = '/__emulator/desktop-client/check-login';
/** 快速登录: the page asks the client to confirm its QR session (WeChat's client then tells WeChat's servers). */
export const DESKTOP_CONFIRM_PATH = '/__emulator/desktop-client/confirm';

export function registerDesktopClient(app: FastifyInstance, emulator: Emulator, basePath: string): void {
  app.get(DESKTOP_CHECK_PATH, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    const persona = emulator.desktopPersona();
    if (!persona) return { signedIn: false };
    return {
      signedIn: true,
      nickname: persona.nickname,
      // Same-origin path (the page's CSP is 'self'); empty for a persona without an avatar.
      avatar: persona.avatarKey === null ? '' : `${basePath}/mmopen/vi_32/${persona.avatarKey}/96`,
    };
  });

  app.post(DESKTOP_CONFIRM_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    const uuid = bodyParam(request, 'uuid') ?? '';
    try {
      emulator.confirmOnDesktop(uuid);
    } catch (error) {
      if (error instanceof NoDesktopClientError) return reply.code(409).send({ ok: false, error: 'no_desktop_client' });
      if (error instanceof QrSessionError) return reply.code(error.reason === 'unknown_qr' ? 404 : 409).send({ ok: false, error: error.reason });
      throw error;
    }
    // The code is not handed to the page here: the QR page's long-poll reports 405 with it, as after a phone's Allow.
    return { ok: true };
  });
}
