import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { type ChildServer, startChildServer } from '../support/child-server.js';
import { freePort, loopbackService, startWecas, type WecasServer } from '../support/server.js';

export interface PhpCasSetup {
  wecas: WecasServer;
  php: ChildServer;
  /** Where PHP's built-in server serves the fixture pages, e.g. `http://127.0.0.1:41234`. */
  appOrigin: string;
  close(): Promise<void>;
}

/**
 * wecas over HTTPS (phpCAS only speaks https to a CAS server) and PHP's built-in server serving a folder of
 * phpCAS pages that trust wecas's self-signed certificate. The pages read WECAS_HOST, WECAS_PORT, WECAS_CA_FILE
 * and SERVICE_BASE_URL from their environment. `wecasEnv` adds settings to wecas's (directories, WeChat…).
 */
export async function startPhpCasPages(fixturesDir: string, serviceName: string, wecasEnv: Record<string, string> = {}): Promise<PhpCasSetup> {
  const phpPort = await freePort();
  const appOrigin = `http://127.0.0.1:${phpPort}`;
  const sessionsDir = mkdtempSync(`${tmpdir()}/wecas-phpcas-`);
  let wecas: WecasServer | undefined;
  try {
    wecas = await startWecas({ https: true, services: [loopbackService(serviceName, appOrigin)], env: wecasEnv });
    const php = await startChildServer(
      'php',
      ['-S', `127.0.0.1:${phpPort}`, '-t', fixturesDir, '-d', `session.save_path=${sessionsDir}`, '-d', 'display_errors=stderr'],
      {
        port: phpPort,
        env: {
          WECAS_HOST: '127.0.0.1',
          WECAS_PORT: String(wecas.port),
          WECAS_CA_FILE: wecas.caCertFile!,
          // Required since phpCAS 1.6.0: the service URL is this base + REQUEST_URI, never the Host header.
          SERVICE_BASE_URL: appOrigin,
        },
      },
    );
    const started = wecas;
    return {
      wecas: started,
      php,
      appOrigin,
      async close() {
        await php.stop();
        await started.close();
        rmSync(sessionsDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await wecas?.close();
    rmSync(sessionsDir, { recursive: true, force: true });
    throw err;
  }
}
