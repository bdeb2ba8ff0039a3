import type { FastifyInstance } from 'fastify';
import type { DevSurface } from '../src/http/app.js';
import type { Pages } from '../src/http/pages/pages.js';
import type { ConsoleSmsSender } from '../src/sms/console-sender.js';

/** `/__outbox`: the codes the console SMS sender "sent" (development only; never in production). */
export function outboxSurface(outbox: ConsoleSmsSender): DevSurface {
  return { banner: 'dev.banner.sms', register: async (app, pages) => registerOutboxRoutes(app, pages, outbox) };
}

function registerOutboxRoutes(app: FastifyInstance, pages: Pages, outbox: ConsoleSmsSender): void {
  app.get('/__outbox', async (request, reply) => {
    const t = pages.translate(request);
    const messages = outbox.list();
    return pages.send(request, reply, 'message', {
      title: t('outbox.title'),
      paragraphs: [t('outbox.body'), ...(messages.length === 0 ? [t('outbox.empty')] : [])],
      items: messages.map((m) => t('outbox.line', { time: pages.time(request, m.at), phone: m.phone, code: m.code, purpose: m.purpose })),
      itemsLabel: '',
      refresh: true,
    });
  });
  // The same list for scripts and tests.
  app.get('/__outbox.json', async () => outbox.list());
}
