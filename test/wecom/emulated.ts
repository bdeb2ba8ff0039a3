// A WeCom emulator on a loopback port of its own, with the demo corp, for client and route tests.
import Fastify, { type FastifyInstance } from 'fastify';
import { DEMO_WECOM_MEMBERS, EMULATED_WECOM, INVISIBLE_MEMBER } from '../../dev/emulated-wecom.js';
import { createWeComEmulator, wecomEmulatorPlugin } from '../../emulator/wecom/plugin.js';
import type { WeComEmulator } from '../../emulator/wecom/state.js';
import { freePort } from '../support/server.js';

export interface RunningWeComEmulator {
  url: string;
  emulator: WeComEmulator;
  app: FastifyInstance;
  /** The API calls counted since the last reset, by endpoint ("GET /cgi-bin/gettoken"). */
  count(endpoint: 'gettoken' | 'auth/getuserinfo' | 'user/get'): number;
  close(): Promise<void>;
}

/** The emulator alone; `trustedDomain` is the host wecas's redirects go to (its PUBLIC_URL's). */
export async function startWeComEmulator(trustedDomain = 'localhost'): Promise<RunningWeComEmulator> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const emulator = createWeComEmulator({
    corps: [
      {
        corpid: EMULATED_WECOM.corpId,
        name: '演示企业',
        agents: [
          {
            agentid: EMULATED_WECOM.agentId,
            secret: EMULATED_WECOM.agentSecret,
            name: 'wecas 统一登录',
            trustedDomain,
            invisible: [INVISIBLE_MEMBER],
          },
          { agentid: '1000003', secret: 'another-app-secret', name: 'Another app', trustedDomain: 'other.example.org' },
        ],
        members: DEMO_WECOM_MEMBERS,
      },
    ],
    publicBaseUrl: url,
    testControl: true,
  });
  const server = Fastify({ logger: false });
  await server.register(wecomEmulatorPlugin, { corps: [], publicBaseUrl: url, testControl: true, emulator });
  await server.listen({ port, host: '127.0.0.1' });
  const started = emulator;
  return {
    url,
    emulator: started,
    app: server,
    count: (endpoint) => started.calls.get(`GET /cgi-bin/${endpoint}`) ?? 0,
    close: () => server.close(),
  };
}
