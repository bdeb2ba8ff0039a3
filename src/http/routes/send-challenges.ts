import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { SendChallenges } from '../../sms/send-challenges.js';
import { CHALLENGE_PATH } from '../pages/challenge-widget.js';
import { noStore } from '../respond.js';

/**
 * The altcha package's files a page needs, served from the installed package (so they follow its version) and from
 * our own origin (so CSP `script-src 'self'` holds). The external build: no inline styles (its CSS is a file), no
 * blob: workers (the PBKDF2 worker is a file too).
 */
function widgetFiles(): Record<string, { file: string; type: string }> {
  // `altcha/altcha.css` is the one entry its exports map offers to require(): the rest of the dist sits beside it.
  const external = path.dirname(createRequire(import.meta.url).resolve('altcha/altcha.css'));
  const dist = path.dirname(external);
  const script = 'text/javascript; charset=utf-8';
  return {
    'altcha.min.js': { file: path.join(external, 'altcha.min.js'), type: script },
    'altcha.css': { file: path.join(external, 'altcha.css'), type: 'text/css; charset=utf-8' },
    'pbkdf2.js': { file: path.join(dist, 'workers', 'pbkdf2.js'), type: script },
    'zh-cn.js': { file: path.join(dist, 'i18n', 'zh-cn.js'), type: script },
  };
}

/** A fresh proof-of-work challenge for the widget, and the widget's own files under /static/altcha/. */
export function registerSendChallengeRoutes(app: FastifyInstance, deps: { challenges: SendChallenges }): void {
  app.get(CHALLENGE_PATH, async (_request, reply) => noStore(reply).send(await deps.challenges.create()));

  for (const [name, { file, type }] of Object.entries(widgetFiles())) {
    const body = readFileSync(file);
    app.get(`/static/altcha/${name}`, (_request, reply) =>
      reply.header('content-type', type).header('cache-control', 'public, max-age=3600').send(body),
    );
  }
}
