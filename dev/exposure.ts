import type { Config } from '../src/config.js';

/**
 * The start banner's warning when a development server listens beyond this machine (HOST set, e.g. so a real phone
 * on the LAN can reach the emulator): whoever reaches it can read every SMS code and every pending QR.
 */
export function networkExposureWarning(config: Config, surfaces: { outbox: boolean; emulator: boolean; wecom?: boolean }): string | undefined {
  const { host, hostExplicit } = config.server;
  if (config.mode !== 'development' || !hostExplicit || isLoopback(host)) return undefined;
  const open = [
    surfaces.outbox && 'the SMS outbox (/__outbox: every code sent)',
    surfaces.emulator && "the WeChat emulator's control API (/__wechat/__control: every QR)",
    surfaces.wecom && "the WeCom emulator's control API (/__wecom/__control/wecom: every login)",
  ].filter(Boolean);
  return [
    '',
    `  WARNING: development mode listening on ${host} (HOST): anyone on that network can use this server,`,
    ...(open.length ? [`  including ${open.join(' and ')}, and sign in as anyone with the demo data.`] : []),
    '  For a deployment, set NODE_ENV=production.',
    '',
  ].join('\n');
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
