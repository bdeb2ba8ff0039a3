import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { acs3Signature, aliyunEncode, rpcSignature } from './fakes/aliyun-signature.js';
import { tc3Signature } from './fakes/tencent-signature.js';

// The fakes verify requests with these functions, so they are pinned to the providers' published examples
// (vectors from docs/sms-providers.md §2.5 and §3.3).
const EMPTY_SHA256 = createHash('sha256').update('').digest('hex');

describe('Aliyun ACS3-HMAC-SHA256', () => {
  it('reproduces the official V3 fixed example', () => {
    const headers = {
      host: 'ecs.cn-shanghai.aliyuncs.com',
      'x-acs-action': 'RunInstances',
      'x-acs-version': '2014-05-26',
      'x-acs-date': '2023-10-26T10:22:32Z',
      'x-acs-signature-nonce': '3156853299f313e23d1673dc12e1703d',
      'x-acs-content-sha256': EMPTY_SHA256,
    };
    const result = acs3Signature({
      method: 'POST',
      path: '/',
      query: { ImageId: 'win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd', RegionId: 'cn-shanghai' },
      headers,
      signedHeaders: Object.keys(headers),
      body: Buffer.alloc(0),
      secret: 'YourAccessKeySecret',
    });
    expect(result.hashedCanonicalRequest).toBe('7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259');
    expect(result.signature).toBe('06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0');
  });

  it("reproduces the SDK's own SendSms signature", () => {
    const headers = {
      host: '127.0.0.1:8080',
      'x-acs-action': 'SendSms',
      'x-acs-version': '2017-05-25',
      'x-acs-date': '2024-01-01T00:00:00Z',
      'x-acs-signature-nonce': '0123456789abcdef',
      'x-acs-content-sha256': EMPTY_SHA256,
      'x-acs-credentials-provider': 'static_ak',
    };
    const { signature } = acs3Signature({
      method: 'POST',
      path: '/',
      query: { OutId: 'o-1', PhoneNumbers: '13800138000', SignName: 'TestSign', TemplateCode: 'SMS_0001', TemplateParam: '{"code":"123456"}' },
      headers,
      signedHeaders: Object.keys(headers),
      body: Buffer.alloc(0),
      secret: 'SK_TEST',
    });
    expect(signature).toBe('42efdcc3788eefcd3015c9cf4ba525cb1dafa7691f1eb14325992505116f5d21');
  });

  it("escapes !'()* as RFC 3986 wants", () => {
    expect(aliyunEncode("a!b'c(d)e*f g+h")).toBe('a%21b%27c%28d%29e%2Af%20g%2Bh');
  });
});

describe('Aliyun RPC v1 HMAC-SHA1', () => {
  const params = {
    AccessKeyId: 'testid',
    Action: 'DescribeRegions',
    Format: 'XML',
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
    SignatureVersion: '1.0',
    Timestamp: '2016-02-23T12:46:24Z',
    Version: '2014-05-26',
  };
  it('reproduces the official example for GET and POST', () => {
    expect(rpcSignature('GET', params, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
    expect(rpcSignature('POST', params, 'testsecret')).toBe('MxbnVAM4w6sft9xjVpe/GCKueuk=');
  });
  it('reproduces the SDK unit test vector', () => {
    expect(rpcSignature('', { test: 'ok' }, 'accessKeySecret')).toBe('jHx/oHoHNrbVfhncHEvPdHXZwHU=');
  });
  it('reproduces the SendSms v1 vector', () => {
    // The vector of docs/sms-providers.md §2.5 is over these parameters without OutId (checked with the SDK's own getRPCSignature).
    const sendSms = {
      PhoneNumbers: '13800138000',
      SignName: 'TestSign',
      TemplateCode: 'SMS_0001',
      TemplateParam: '{"code":"123456"}',
      Action: 'SendSms',
      Format: 'json',
      Version: '2017-05-25',
      Timestamp: '2024-01-01T00:00:00Z',
      SignatureNonce: 'n-1',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: 'AK_TEST',
    };
    expect(rpcSignature('POST', sendSms, 'SK_TEST')).toBe('KPOxnHPITWLb4E1QrG8Quq2q5Jg=');
  });
  it('leaves the Signature parameter out of what it signs', () => {
    expect(rpcSignature('GET', { ...params, Signature: 'OLeaidS1JvxuMvnyHOwuJ+uX5qY=' }, 'testsecret')).toBe('OLeaidS1JvxuMvnyHOwuJ+uX5qY=');
  });
});

describe('Tencent TC3-HMAC-SHA256', () => {
  it('reproduces the official example', () => {
    const result = tc3Signature({
      method: 'POST',
      path: '/',
      query: '',
      headers: { 'content-type': 'application/json; charset=utf-8', host: 'cvm.tencentcloudapi.com' },
      signedHeaders: ['content-type', 'host'],
      body: Buffer.from('{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'),
      timestamp: 1551113065,
      service: 'cvm',
      secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
    });
    expect(result.hashedPayload).toBe('35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064');
    expect(result.hashedCanonicalRequest).toBe('5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031');
    expect(result.signature).toBe('72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168');
  });

  it("reproduces the SDK's own SendSms signature (host signed without its port)", () => {
    const { signature } = tc3Signature({
      method: 'POST',
      path: '/',
      query: '',
      headers: { 'content-type': 'application/json', host: '127.0.0.1' },
      signedHeaders: ['content-type', 'host'],
      body: Buffer.from(
        '{"PhoneNumberSet":["+8613800138000"],"SmsSdkAppId":"1400006666","SignName":"TestSign","TemplateId":"1110","TemplateParamSet":["123456"]}',
      ),
      timestamp: 1704067200,
      service: '127',
      secretKey: 'SK_TEST',
    });
    expect(signature).toBe('a8f57bb6d3ceaea57a5fb41a4678d3d8fd01353e200f2a47d05060d44d834c4d');
  });
});
