import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import Dysmsapi, { SendSmsRequest } from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { afterEach, describe, expect, it } from 'vitest';
import { cjsDefault } from '../../src/sms/cjs-default.js';
import { acs3Signature } from './fakes/aliyun-signature.js';
import { FakeAliyunSms } from './fakes/fake-aliyun.js';
import { ALIYUN, startAliyun, startTencent, TENCENT } from './fakes/index.js';
import { tc3Date, tc3Signature } from './fakes/tencent-signature.js';

// The fakes are only worth their tests if they refuse what the real services refuse: these check that.
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** A raw HTTP POST (no SDK), so tests can replay and tamper. */
function post(port: number, path: string, headers: Record<string, string>, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Aliyun fake', () => {
  const query = { PhoneNumbers: '8613812345678', SignName: ALIYUN.signName, TemplateCode: ALIYUN.templateCode, TemplateParam: '{"code":"123456"}' };
  const signedRequest = (port: number, date = new Date()) => {
    const headers: Record<string, string> = {
      host: `127.0.0.1:${port}`,
      'x-acs-action': 'SendSms',
      'x-acs-version': '2017-05-25',
      'x-acs-date': date.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      'x-acs-signature-nonce': randomBytes(16).toString('hex'),
      'x-acs-content-sha256': createHash('sha256').update('').digest('hex'),
    };
    const signedHeaders = Object.keys(headers).sort();
    const { signature } = acs3Signature({
      method: 'POST',
      path: '/',
      query,
      headers,
      signedHeaders,
      body: Buffer.alloc(0),
      secret: ALIYUN.accessKeySecret,
    });
    headers.authorization = `ACS3-HMAC-SHA256 Credential=${ALIYUN.accessKeyId},SignedHeaders=${signedHeaders.join(';')},Signature=${signature}`;
    const path = `/?${new URLSearchParams(query).toString().replace(/\+/g, '%20')}`;
    return { path, headers };
  };

  it('accepts a hand-signed request once, and refuses its replay (same nonce)', async () => {
    const { fake } = await startAliyun();
    closers.push(() => fake.close());
    const port = Number(fake.endpoint.split(':')[1]);
    const { path, headers } = signedRequest(port);
    expect(await post(port, path, headers)).toMatchObject({ status: 200, body: { Code: 'OK', BizId: expect.any(String) } });
    expect(await post(port, path, headers)).toMatchObject({ status: 400, body: { Code: 'SignatureNonceUsed' } });
    expect(fake.delivered).toEqual([{ phone: '+8613812345678', code: '123456' }]);
  });

  it('refuses a tampered query and a stale date', async () => {
    const { fake } = await startAliyun();
    closers.push(() => fake.close());
    const port = Number(fake.endpoint.split(':')[1]);
    const tampered = signedRequest(port);
    expect(await post(port, tampered.path.replace('123456', '654321'), tampered.headers)).toMatchObject({
      status: 400,
      body: { Code: 'SignatureDoesNotMatch' },
    });
    const stale = signedRequest(port, new Date(Date.now() - 16 * 60_000));
    expect(await post(port, stale.path, stale.headers)).toMatchObject({ status: 400, body: { Code: 'InvalidTimeStamp.Expired' } });
    expect(fake.delivered).toEqual([]);
  });

  it('verifies the legacy RPC v1 (HMAC-SHA1) signature the SDK sends with signatureAlgorithm v2', async () => {
    const fake = await new FakeAliyunSms({
      accessKeys: { [ALIYUN.accessKeyId]: ALIYUN.accessKeySecret },
      signName: ALIYUN.signName,
      templateCode: ALIYUN.templateCode,
    }).start();
    closers.push(() => fake.close());
    const Client = cjsDefault(Dysmsapi);
    const client = (secret: string) =>
      new Client(
        new $OpenApiUtil.Config({
          accessKeyId: ALIYUN.accessKeyId,
          accessKeySecret: secret,
          endpoint: fake.endpoint,
          protocol: 'HTTP',
          signatureAlgorithm: 'v2',
        }),
      );
    const sendSmsRequest = () =>
      new SendSmsRequest({ ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k[0]!.toLowerCase() + k.slice(1), v])) });
    expect((await client(ALIYUN.accessKeySecret).sendSms(sendSmsRequest())).body?.code).toBe('OK');
    await expect(client('wrong').sendSms(sendSmsRequest())).rejects.toMatchObject({ code: 'SignatureDoesNotMatch', statusCode: 400 });
    expect(fake.delivered).toHaveLength(1);
  });
});

describe('Tencent fake', () => {
  const body = JSON.stringify({
    PhoneNumberSet: ['+8613812345678'],
    SmsSdkAppId: TENCENT.sdkAppId,
    SignName: TENCENT.signName,
    TemplateId: TENCENT.templateId,
    TemplateParamSet: ['123456'],
  });
  const signedHeaders = (port: number, options: { timestamp?: number; service?: string; body?: string } = {}) => {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const service = options.service ?? 'sms';
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      host: `sms.localhost:${port}`,
      'x-tc-action': 'SendSms',
      'x-tc-version': '2021-01-11',
      'x-tc-region': 'ap-guangzhou',
      'x-tc-timestamp': String(timestamp),
    };
    const { signature } = tc3Signature({
      method: 'POST',
      path: '/',
      query: '',
      headers: { ...headers, host: 'sms.localhost' },
      signedHeaders: ['content-type', 'host'],
      body: Buffer.from(options.body ?? body),
      timestamp,
      service,
      secretKey: TENCENT.secretKey,
    });
    headers.authorization = `TC3-HMAC-SHA256 Credential=${TENCENT.secretId}/${tc3Date(timestamp)}/${service}/tc3_request, SignedHeaders=content-type;host, Signature=${signature}`;
    return headers;
  };
  const start = async () => {
    const { fake } = await startTencent();
    closers.push(() => fake.close());
    return { fake, port: Number(fake.endpoint.split(':')[1]) };
  };

  it('accepts a hand-signed request (host signed without its port) and answers Ok per number', async () => {
    const { fake, port } = await start();
    const answer = await post(port, '/', signedHeaders(port), body);
    expect(answer).toMatchObject({ status: 200, body: { Response: { SendStatusSet: [{ Code: 'Ok', Fee: 1, PhoneNumber: '+8613812345678' }] } } });
    expect(fake.delivered).toEqual([{ phone: '+8613812345678', code: '123456' }]);
  });

  it('refuses a tampered body, a foreign service scope and a stale timestamp, always with HTTP 200', async () => {
    const { fake, port } = await start();
    const error = (answer: Answer) => [answer.status, (answer.body.Response as { Error?: { Code: string } }).Error?.Code];
    expect(error(await post(port, '/', signedHeaders(port), body.replace('123456', '654321')))).toEqual([200, 'AuthFailure.SignatureFailure']);
    expect(error(await post(port, '/', signedHeaders(port, { service: 'cvm' }), body))).toEqual([200, 'AuthFailure.SignatureFailure']);
    const stale = Math.floor(Date.now() / 1000) - 400;
    expect(error(await post(port, '/', signedHeaders(port, { timestamp: stale }), body))).toEqual([200, 'AuthFailure.SignatureExpire']);
    expect(error(await post(port, '/', { ...signedHeaders(port), authorization: 'Basic x' }, body))).toEqual([
      200,
      'AuthFailure.InvalidAuthorization',
    ]);
    expect(fake.delivered).toEqual([]);
  });
});
