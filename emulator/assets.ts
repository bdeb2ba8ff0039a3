// The emulator's own static files (page script and style sheet), served under `/__emulator/assets/`.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const ASSETS: Record<string, { file: string; type: string }> = {
  'emulator.css': { file: 'emulator.css', type: 'text/css; charset=utf-8' },
  'qrconnect.js': { file: 'qrconnect.js', type: 'application/javascript; charset=utf-8' },
  'wwpanel.js': { file: 'wwpanel.js', type: 'application/javascript; charset=utf-8' },
};

export function registerAssets(app: FastifyInstance): void {
  // Read once at start-up: the files are small and never change while running.
  const contents = new Map(Object.entries(ASSETS).map(([name, a]) => [name, readFileSync(new URL(`./public/${a.file}`, import.meta.url))]));
  app.get<{ Params: { name: string } }>('/__emulator/assets/:name', async (request, reply) => {
    const asset = ASSETS[request.params.name];
    const body = contents.get(request.params.name);
    if (!asset || !body) return reply.code(404).send();
    return reply.type(asset.type).header('cache-control', 'no-cache').send(body);
  });
}
