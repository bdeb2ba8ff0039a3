// `npm run emulator`: the WeChat Open Platform emulator on its own port.
//   EMULATOR_PORT        port to listen on (default 9090)
//   EMULATOR_HOST        interface to bind (default 127.0.0.1; 0.0.0.0 to reach it from a phone)
//   EMULATOR_PUBLIC_URL  URL the browser and phone use (default http://127.0.0.1:PORT)
//   EMULATOR_APPS        JSON array of apps ({kind?, appId, appSecret, name, callbackDomain, iconUrl?, legacyDenyRedirect?});
//                        kind "website" (default, QR login) or "official-account" (服务号, web authorization inside WeChat)
//   EMULATOR_TEST_CONTROL  "false" to hide /__control (default on)
// The WeCom emulator is mounted beside it at /__wecom, with a demo corp whose app trusts localhost:3000.
import { z } from 'zod';
import { buildEmulatorApp, type EmulatorAppConfig } from './app.js';
import { wecomEmulatorPlugin } from './wecom/plugin.js';
import type { WeComCorpConfig } from './wecom/state.js';

/** The WeCom corp at /__wecom: a self-built app and three members (see emulator/README.md, WeCom). */
export const DEMO_CORP: WeComCorpConfig = {
  corpid: 'ww0d1e2f3a4b5c6d7e',
  name: '演示企业 Demo Corp',
  agents: [
    { agentid: '1000002', secret: 'demo-wecom-agent-secret', name: '演示应用 Demo App', trustedDomain: 'localhost:3000', invisible: ['lisi'] },
  ],
  members: [
    { userid: 'zhangsan', name: '张三', mobile: '13800000001', department: [1] },
    { userid: 'wangfang', name: '王芳', mobile: '13800000002', department: [2] },
    { userid: 'lisi', name: '李四', mobile: '13800000003', department: [3] },
  ],
};

/** The website app registered when EMULATOR_APPS is not set; its callback is a local site on port 3000. */
export const DEMO_APP: EmulatorAppConfig = {
  appId: 'wxd0c1e5a6b7f80912',
  appSecret: '5e1f0a9c3b7d4e2f8a6c1b0d9e3f7a24',
  name: '演示网站 Demo Site',
  callbackDomain: 'localhost:3000',
};

/** The Official Account (服务号) registered beside it: web authorization inside WeChat, same callback domain. */
export const DEMO_OA_APP: EmulatorAppConfig = {
  kind: 'official-account',
  appId: 'wx7a3e9c1d5b2f4068',
  appSecret: '9c4b1e7f2a6d0c3e8b5f1a9d4c7e2b60',
  name: '演示服务号 Demo OA',
  callbackDomain: 'localhost:3000',
};

const appsSchema = z.array(
  z.object({
    kind: z.enum(['website', 'official-account']).optional(),
    appId: z.string().min(1),
    appSecret: z.string().min(1),
    name: z.string().min(1),
    iconUrl: z.string().optional(),
    callbackDomain: z.string().min(1),
    legacyDenyRedirect: z.boolean().optional(),
  }),
);

const env = process.env;
const port = Number(env.EMULATOR_PORT ?? 9090);
const host = env.EMULATOR_HOST ?? '127.0.0.1';
const publicBaseUrl = env.EMULATOR_PUBLIC_URL ?? `http://127.0.0.1:${port}`;
const apps = env.EMULATOR_APPS ? appsSchema.parse(JSON.parse(env.EMULATOR_APPS)) : [DEMO_APP, DEMO_OA_APP];

const testControl = env.EMULATOR_TEST_CONTROL !== 'false';
const app = await buildEmulatorApp({ apps, publicBaseUrl, testControl });
await app.register(wecomEmulatorPlugin, { prefix: '/__wecom', corps: [DEMO_CORP], publicBaseUrl: `${publicBaseUrl}/__wecom`, testControl });
await app.listen({ port, host });
console.log(`WeChat Open Platform emulator (not WeChat) listening on ${publicBaseUrl}`);
for (const a of apps) {
  const kind = a.kind === 'official-account' ? 'official account' : 'website app';
  console.log(`  ${kind} ${a.appId} "${a.name}" callback domain ${a.callbackDomain}`);
}
console.log(`WeCom emulator (not WeCom) at ${publicBaseUrl}/__wecom: corp ${DEMO_CORP.corpid}, app 1000002, trusted domain localhost:3000`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
