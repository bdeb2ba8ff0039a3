import { createWeComEmulator, wecomEmulatorPlugin } from '../emulator/wecom/plugin.js';
import type { WeComCorpConfig, WeComEmulator } from '../emulator/wecom/state.js';
import type { Config } from '../src/config.js';
import type { DevSurface } from '../src/http/app.js';

/** The corp and self-built app the WeCom emulator registers for wecas in development (corp ids are `ww` + 16 hex digits). */
export const EMULATED_WECOM = { corpId: 'ww5ec45d0e1a2b3c4d', agentId: '1000002', agentSecret: 'emulated-wecom-secret-not-for-production' };

/** Where the development start mounts the WeCom emulator on wecas's own server. */
export const WECOM_EMULATOR_PATH = '/__wecom';

/**
 * The demo corp's members. `demo` is the demo account's login (工号), so a WeCom sign-in lands there; `wangfang` is
 * the WeChat tests' password user; `zhangwei` has no account here; `lisi` is outside the app's visible range.
 */
export const DEMO_WECOM_MEMBERS = [
  { userid: 'demo', name: '演示用户', mobile: '13800138000', email: 'demo@example.org', department: [1] },
  { userid: 'wangfang', name: '王芳', mobile: '13900139000', department: [2] },
  { userid: 'zhangwei', name: '张伟', mobile: '13700137000', department: [2] },
  { userid: 'lisi', name: '李四', mobile: '13600136000', department: [3] },
];
export const INVISIBLE_MEMBER = 'lisi';

/**
 * The WECOM_* variables that point a development start at the emulator mounted on itself, unless WeCom is
 * configured (then the real one is used) or this is production.
 */
export function emulatedWeComEnv(env: Record<string, string | undefined>, publicUrl: string): Record<string, string> {
  if (env.WECOM_CORP_ID || env.NODE_ENV === 'production') return {};
  const url = publicUrl + WECOM_EMULATOR_PATH;
  return {
    WECOM_CORP_ID: EMULATED_WECOM.corpId,
    WECOM_AGENT_ID: EMULATED_WECOM.agentId,
    WECOM_AGENT_SECRET: EMULATED_WECOM.agentSecret,
    WECOM_API_BASE_URL: url,
    WECOM_LOGIN_BASE_URL: url,
    WECOM_OPEN_BASE_URL: url,
  };
}

/** The demo corp, with wecas's host as the app's 可信域名. */
export function wecomCorpFor(config: Config): WeComCorpConfig {
  return {
    corpid: EMULATED_WECOM.corpId,
    name: '演示企业',
    agents: [
      {
        agentid: EMULATED_WECOM.agentId,
        secret: EMULATED_WECOM.agentSecret,
        name: 'wecas 统一登录',
        trustedDomain: new URL(config.server.publicUrl).host,
        invisible: [INVISIBLE_MEMBER],
      },
    ],
    members: DEMO_WECOM_MEMBERS,
  };
}

export function wecomEmulatorFor(config: Config): WeComEmulator {
  return createWeComEmulator({
    corps: [wecomCorpFor(config)],
    publicBaseUrl: config.server.publicUrl + WECOM_EMULATOR_PATH,
    testControl: config.mode !== 'production',
  });
}

/** The WeCom emulator mounted at /__wecom; tests pass their own instance to drive it. */
export function wecomSurface(config: Config, emulator: WeComEmulator = wecomEmulatorFor(config)): DevSurface {
  return {
    banner: 'dev.banner.wecom',
    register: async (app) => {
      await app.register(wecomEmulatorPlugin, {
        prefix: WECOM_EMULATOR_PATH,
        corps: [],
        publicBaseUrl: emulator.publicBaseUrl,
        testControl: emulator.testControl,
        emulator,
      });
    },
  };
}
