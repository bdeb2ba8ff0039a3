// Profile photos and app icons, drawn by the emulator (no external network): symmetric 5×5
// "identicons" derived from a key. Avatar URLs mirror WeChat's `…/mmopen/vi_32/<id>/<size>`.
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AVATAR_SIZES, type Emulator, PLACEHOLDER_AVATAR_KEY } from './emulator.js';
import { encodePng } from './png.js';

type Rgb = readonly [number, number, number];

function hslToRgb(h: number, s: number, l: number): Rgb {
  const k = (n: number): number => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number): number => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return [f(0), f(8), f(4)];
}

export function identiconPng(key: string, size: number): Buffer {
  const hash = createHash('sha256').update(key).digest();
  const colour = hslToRgb(((hash[0] ?? 0) / 255) * 360, 0.55, 0.5);
  const background: Rgb = [240, 240, 240];
  // Cells of the left three columns; the right two mirror them.
  const filled = (col: number, row: number): boolean => (((hash[1 + row] ?? 0) >> (col < 3 ? col : 4 - col)) & 1) === 1;
  const cell = size / 6; // a margin of half a cell on each side
  return encodePng(size, size, (x, y) => {
    const col = Math.floor(x / cell - 0.5);
    const row = Math.floor(y / cell - 0.5);
    return col >= 0 && col < 5 && row >= 0 && row < 5 && filled(col, row) ? colour : background;
  });
}

/** The grey default avatar that goes with the `微信用户` placeholder profile. */
function placeholderPng(size: number): Buffer {
  const c = size / 2;
  return encodePng(size, size, (x, y) => {
    const head = (x - c) ** 2 + (y - size * 0.4) ** 2 < (size * 0.18) ** 2;
    const shoulders = y > size * 0.65 && (x - c) ** 2 + (y - size) ** 2 < (size * 0.38) ** 2;
    return head || shoulders ? [255, 255, 255] : [200, 200, 200];
  });
}

const pixelsFor = (size: number): number => (size === 0 ? 640 : size);

export function registerAvatarRoutes(app: FastifyInstance, emulator: Emulator): void {
  app.get<{ Params: { key: string; size: string } }>('/mmopen/vi_32/:key/:size', async (request, reply) => {
    const size = Number(request.params.size);
    const { key } = request.params;
    if (!(AVATAR_SIZES as readonly number[]).includes(size)) return reply.code(404).send();
    // An avatar the persona no longer uses is gone, as on WeChat.
    if (key !== PLACEHOLDER_AVATAR_KEY && !emulator.personas.findByAvatarKey(key)) return reply.code(404).send();
    const png = key === PLACEHOLDER_AVATAR_KEY ? placeholderPng(pixelsFor(size)) : identiconPng(key, pixelsFor(size));
    return reply.type('image/png').header('cache-control', 'no-cache').send(png);
  });

  app.get<{ Params: { appId: string } }>('/__emulator/app-icon/:appId', async (request, reply) => {
    if (!emulator.app(request.params.appId)) return reply.code(404).send();
    return reply.type('image/png').send(identiconPng(`app:${request.params.appId}`, 128));
  });
}
