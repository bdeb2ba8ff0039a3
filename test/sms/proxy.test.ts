// Both SDKs ignore proxy variables: a send goes straight to the provider whatever http_proxy the process
// inherited (docs/sms-providers.md §6.3). The Tencent SDK used to follow a lower-case http_proxy (and ignore
// NO_PROXY) while the Aliyun SDK did not.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TencentSmsSender } from '../../src/sms/tencent-sender.js';
import { FakeTencentSms } from './fakes/fake-tencent.js';
import { startAliyun, TENCENT } from './fakes/index.js';

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'NO_PROXY', 'no_proxy'] as const;
const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));

/** A stand-in proxy on loopback: it records whatever reaches it (plain requests and CONNECT tunnels) and refuses it. */
let proxy: Server;
const reachedProxy: string[] = [];

beforeAll(async () => {
  proxy = createServer((req, res) => {
    reachedProxy.push(`${req.method} ${req.url}`);
    res.writeHead(502).end();
  });
  proxy.on('connect', (req, socket) => {
    reachedProxy.push(`CONNECT ${req.url}`);
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  for (const name of ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY']) process.env[name] = url;
  delete process.env.NO_PROXY;
  delete process.env.no_proxy;
});

beforeEach(() => {
  reachedProxy.length = 0;
});

afterAll(async () => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
});

describe('SMS senders and proxy variables', () => {
  it('Tencent, built as wecas builds it (no agent of the test’s), sends straight to the provider', async () => {
    // Reached as 127.0.0.1, the SDK signs for service "127": the fake expects that.
    const fake = await new FakeTencentSms({
      secrets: { [TENCENT.secretId]: TENCENT.secretKey },
      sdkAppId: TENCENT.sdkAppId,
      signName: TENCENT.signName,
      templateId: TENCENT.templateId,
      service: '127',
    }).start();
    try {
      const endpoint = `http://127.0.0.1:${fake.endpoint.split(':')[1]}`;
      await new TencentSmsSender({ ...TENCENT, endpoint, timeoutMs: 1500 }).send({ phone: '+8613800138000', code: '123456', purpose: 'login' });
      expect(fake.delivered).toEqual([{ phone: '+8613800138000', code: '123456' }]);
      expect(reachedProxy).toEqual([]);
    } finally {
      await fake.close();
    }
  });

  it('Aliyun sends straight to the provider too', async () => {
    const { fake, sender } = await startAliyun();
    try {
      await sender().send({ phone: '+8613800138000', code: '654321', purpose: 'login' });
      expect(fake.delivered).toEqual([{ phone: '+8613800138000', code: '654321' }]);
      expect(reachedProxy).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
