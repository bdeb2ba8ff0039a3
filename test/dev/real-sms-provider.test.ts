// A development start with a real SMS provider configured (here the Aliyun fake): codes go to phones, there is no
// outbox, and nothing a person or developer reads says otherwise.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoInstructions } from '../../dev/demo-data.js';
import { startDevelopmentServer } from '../../dev/server.js';
import type { RunningServer } from '../../src/cli/start.js';
import { ALIYUN, startAliyun } from '../sms/fakes/index.js';
import { CookieJar } from '../support/cookie-jar.js';
import { freePort } from '../support/server.js';

let provider: Awaited<ReturnType<typeof startAliyun>>;
let server: RunningServer;
let base: string;

beforeAll(async () => {
  provider = await startAliyun();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  ({ server } = await startDevelopmentServer({
    NODE_ENV: 'development',
    PORT: String(port),
    PUBLIC_URL: base,
    DATABASE_URL: 'sqlite::memory:',
    LOG_LEVEL: 'silent',
    SMS_PROVIDER: 'aliyun',
    ALIYUN_ACCESS_KEY_ID: ALIYUN.accessKeyId,
    ALIYUN_ACCESS_KEY_SECRET: ALIYUN.accessKeySecret,
    ALIYUN_SMS_SIGN_NAME: ALIYUN.signName,
    ALIYUN_SMS_TEMPLATE_CODE: ALIYUN.templateCode,
    ALIYUN_SMS_ENDPOINT: `http://${provider.fake.endpoint}`,
  }));
});

afterAll(async () => {
  await server?.close();
  await provider?.fake.close();
});

describe('development with a real SMS provider', () => {
  it('no page mentions the outbox, which is not there; the code goes to the provider', async () => {
    const jar = new CookieJar();
    const headers = () => ({ cookie: jar.header(), 'accept-language': 'en' });
    const page = await fetch(`${base}/cas/login?tab=sms`, { headers: headers() });
    jar.store(page.headers.getSetCookie());
    const html = await page.text();
    expect(html).toContain('Development mode, not for production.');
    expect(html).not.toMatch(/outbox/i);

    const execution = /name="execution" value="(LT-[^"]+)"/.exec(html)![1]!;
    const sent = await fetch(`${base}/cas/login/sms/send`, {
      method: 'POST',
      body: new URLSearchParams({ phone: '13800138000', execution }),
      headers: headers(),
    });
    expect(sent.status).toBe(200);
    expect(await sent.text()).not.toMatch(/outbox/i);
    expect(provider.fake.delivered).toHaveLength(1);
    expect((await fetch(`${base}/__outbox`)).status).toBe(404);
  });

  it('the start banner sends nobody to the outbox either', () => {
    const withProvider = demoInstructions(`${base}/cas`, undefined, 10, false);
    expect(withProvider).not.toContain('__outbox');
    expect(withProvider).toContain('with an SMS code (tab "SMS code") to a phone of yours');
    expect(demoInstructions(`${base}/cas`, undefined, 10, true)).toContain(`codes at ${base}/__outbox`);
  });
});
