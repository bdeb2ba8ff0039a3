import { pino } from 'pino';
import { type RunningServer, startServer } from '../src/cli/start.js';
import type { Config } from '../src/config.js';
import type { DevSurface } from '../src/http/app.js';
import { ConsoleSmsSender } from '../src/sms/console-sender.js';
import { emulatorSurface, loadDevelopmentConfig } from './emulated-wechat.js';
import { emulatedWeComEnv, wecomSurface } from './emulated-wecom.js';
import { networkExposureWarning } from './exposure.js';
import { outboxSurface } from './outbox-routes.js';

/**
 * The development composition root: the same server `wecas start` runs, plus what stands in for the outside world
 * where it is not configured: the WeChat emulator mounted at /__wechat and the SMS outbox at /__outbox.
 */
export async function startDevelopmentServer(env: Record<string, string | undefined>): Promise<{ config: Config; server: RunningServer }> {
  const first = loadDevelopmentConfig(env);
  // WeCom, unless configured, is the emulator mounted at /__wecom (development only).
  const wecomEnv = emulatedWeComEnv(env, first.config.server.publicUrl);
  const wecomEmulated = Object.keys(wecomEnv).length > 0 && first.config.mode !== 'production';
  const { config, emulated } = wecomEmulated ? loadDevelopmentConfig({ ...env, ...wecomEnv }) : first;
  const logger = pino({ level: config.server.logLevel });
  const outbox = config.sms.provider.kind === 'console' ? new ConsoleSmsSender({ logger }) : undefined;
  const devSurfaces: DevSurface[] = [
    ...(emulated ? [emulatorSurface(config)] : []),
    ...(wecomEmulated ? [wecomSurface(config)] : []),
    ...(outbox ? [outboxSurface(outbox)] : []),
  ];
  const server = await startServer(config, { devSurfaces, overrides: { logger, ...(outbox ? { smsSender: outbox } : {}) } });
  const warning = networkExposureWarning(config, { outbox: outbox !== undefined, emulator: emulated, wecom: wecomEmulated });
  if (warning) console.warn(warning);
  return { config, server };
}
