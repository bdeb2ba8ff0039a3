import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AliyunSmsOptions, AliyunSmsSender } from '../../../src/sms/aliyun-sender.js';
import { type TencentSmsOptions, TencentSmsSender } from '../../../src/sms/tencent-sender.js';
import { FakeAliyunSms } from './fake-aliyun.js';
import { FakeTencentSms, loopbackAgent } from './fake-tencent.js';

/** Short enough for the timeout cases to stay quick; long enough for a loaded CI machine's loopback. */
export const TEST_TIMEOUT_MS = 1500;

export const ALIYUN = {
  accessKeyId: 'LTAI5tTestKeyId',
  accessKeySecret: 'aliyun-secret-do-not-leak',
  signName: '测试签名',
  templateCode: 'SMS_000001',
};
export const TENCENT = {
  secretId: 'AKIDtestsecretid',
  secretKey: 'tencent-secret-do-not-leak',
  sdkAppId: '1400006666',
  signName: '测试签名',
  templateId: '1110',
};

/** A started Aliyun fake and a factory for senders pointed at it. */
export async function startAliyun(
  templates?: Record<string, string[]>,
): Promise<{ fake: FakeAliyunSms; sender(overrides?: Partial<AliyunSmsOptions>): AliyunSmsSender }> {
  const fake = await new FakeAliyunSms({
    accessKeys: { [ALIYUN.accessKeyId]: ALIYUN.accessKeySecret },
    signName: ALIYUN.signName,
    templateCode: ALIYUN.templateCode,
    ...(templates ? { templates } : {}),
  }).start();
  return {
    fake,
    sender: (overrides = {}) => new AliyunSmsSender({ ...ALIYUN, endpoint: `http://${fake.endpoint}`, timeoutMs: TEST_TIMEOUT_MS, ...overrides }),
  };
}

/** A started Tencent fake and a factory for senders pointed at it. */
export async function startTencent(
  templates?: Record<string, number>,
): Promise<{ fake: FakeTencentSms; sender(overrides?: Partial<TencentSmsOptions>): TencentSmsSender }> {
  const fake = await new FakeTencentSms({
    secrets: { [TENCENT.secretId]: TENCENT.secretKey },
    sdkAppId: TENCENT.sdkAppId,
    signName: TENCENT.signName,
    templateId: TENCENT.templateId,
    ...(templates ? { templates } : {}),
  }).start();
  const agent = loopbackAgent();
  return {
    fake,
    sender: (overrides = {}) =>
      new TencentSmsSender({ ...TENCENT, endpoint: `http://${fake.endpoint}`, agent, timeoutMs: TEST_TIMEOUT_MS, ...overrides }),
  };
}

/** A loopback port nothing listens on (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
