// `npm start`: wecas in development (dev/server.ts), with the demo data and a demo CAS application.
// Production never loads this folder: src/ imports nothing from dev/, emulator/ or examples/.

import { startDemoApp } from '../examples/demo-app/app.js';
import { exitWith } from '../src/cli/exit.js';
import { closeOnSignals } from '../src/cli/start.js';
import { DEMO_APP_PORT, demoInstructions, ensureDemoData } from './demo-data.js';
import { startDevelopmentServer } from './server.js';

async function startDevelopment(): Promise<undefined> {
  const { config, server } = await startDevelopmentServer(process.env);
  const closers = [server.close];
  if (config.demoData && config.mode === 'development') {
    await ensureDemoData(server.wecas);
    const casUrl = config.server.casBaseUrl;
    // The port may be taken (another demo app, a second node): the instructions then say so.
    const demoApp = await startDemoApp({ port: DEMO_APP_PORT, casUrl, name: 'Demo app', publicUrl: `http://localhost:${DEMO_APP_PORT}` }).catch(
      () => undefined,
    );
    if (demoApp) closers.unshift(demoApp.close);
    console.log(demoInstructions(casUrl, demoApp?.url, config.tickets.serviceTicketSeconds, config.sms.provider.kind === 'console'));
  }
  closeOnSignals(server.logger, ...closers);
  return undefined;
}

exitWith(startDevelopment());
