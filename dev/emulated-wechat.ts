import { type Emulator, type EmulatorOptions, emulatorPlugin } from '../emulator/app.js';
import type { Config } from '../src/config.js';
import { loadConfig } from '../src/config.js';
import type { DevSurface } from '../src/http/app.js';

/** The AppID the emulator registers for wecas in development (WeChat AppIDs are `wx` + 16 hex digits). */
export const EMULATED_WECHAT_APP = { appId: 'wx5ec45d0e1a2b3c4d', appSecret: 'emulated-app-secret-not-for-production' };

/** The Official Account (服务号) the emulator registers for wecas's sign-in inside WeChat (WECHAT_OA_APP_ID/SECRET). */
export const EMULATED_WECHAT_OA_APP = { appId: 'wx0a5e7c3b9d1f2468', appSecret: 'emulated-oa-secret-not-for-production' };

/** Where the development start mounts the emulator on wecas's own server. */
export const EMULATOR_PATH = '/__wechat';

/**
 * The configuration of a development start. Without a WeChat app of its own, wecas talks to the emulator it
 * mounts on itself, through the very variables a real deployment sets (WECHAT_APP_ID, WECHAT_OA_APP_ID, WECHAT_*_BASE_URL).
 */
export function loadDevelopmentConfig(env: Record<string, string | undefined>): { config: Config; emulated: boolean } {
  const plain = loadConfig(env);
  if (plain.wechat || plain.mode === 'production') return { config: plain, emulated: false };
  const emulatorUrl = plain.server.publicUrl + EMULATOR_PATH;
  const config = loadConfig({
    ...env,
    WECHAT_APP_ID: EMULATED_WECHAT_APP.appId,
    WECHAT_APP_SECRET: EMULATED_WECHAT_APP.appSecret,
    WECHAT_OA_APP_ID: EMULATED_WECHAT_OA_APP.appId,
    WECHAT_OA_APP_SECRET: EMULATED_WECHAT_OA_APP.appSecret,
    WECHAT_OPEN_BASE_URL: emulatorUrl,
    WECHAT_API_BASE_URL: emulatorUrl,
  });
  return { config, emulated: true };
}

/**
 * wecas registers itself with its emulator: the development website app and Official Account, each with the host
 * of PUBLIC_URL as callback domain (授权回调域 / 网页授权域名).
 */
export function emulatorOptionsFor(config: Config): EmulatorOptions {
  const { publicUrl } = config.server;
  const callbackDomain = new URL(publicUrl).host;
  return {
    apps: [
      { ...EMULATED_WECHAT_APP, name: 'wecas', callbackDomain },
      { ...EMULATED_WECHAT_OA_APP, kind: 'official-account', name: 'wecas 服务号', callbackDomain },
    ],
    publicBaseUrl: publicUrl + EMULATOR_PATH,
    testControl: config.mode !== 'production',
  };
}

/** The emulator mounted at /__wechat; tests pass their own instance to drive it. */
export function emulatorSurface(config: Config, emulator?: Emulator): DevSurface {
  return {
    banner: 'dev.banner.wechat',
    register: async (app) => {
      await app.register(emulatorPlugin, { prefix: EMULATOR_PATH, ...emulatorOptionsFor(config), ...(emulator ? { emulator } : {}) });
    },
  };
}
