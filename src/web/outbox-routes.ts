import type { FastifyInstance } from 'fastify';
import type { ConsoleSmsSender } from '../sms/console-sender.js';
import type { Pages } from './pages.js';

/** `/__outbox`: the codes the console SMS sender "sent" (development and tests only; never in production). */
export function registerOutboxRoutes(app: FastifyInstance, pages: Pages, outbox: ConsoleSmsSender): void {
  app.get('/__outbox', async (request, reply) => {
    const t = pages.translate(request);
    const messages = outbox.list();
    return pages.send(request, reply, 'message', {
      title: t('outbox.title'),
      paragraphs: [t('outbox.body'), ...(messages.length === 0 ? [t('outbox.empty')] : [])],
      items: messages.map((m) =>
        t('outbox.line', { time: new Date(m.at).toISOString().slice(11, 19), phone: m.phone, code: m.code, purpose: m.purpose }),
      ),
      itemsLabel: '',
      refresh: true,
    });
  });
  // The same list for scripts and tests.
  app.get('/__outbox.json', async () => outbox.list());
}
