// The configuration: where wecas listens by mode, and the development start that would expose its outbox.
import { describe, expect, it } from 'vitest';
import { networkExposureWarning } from '../dev/exposure.js';
import { loadConfig } from '../src/config.js';

const PRODUCTION = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://sso.example.edu',
  WECHAT_APP_ID: 'wx1',
  WECHAT_APP_SECRET: 's',
  SMS_PROVIDER: 'tencent',
  TENCENT_SECRET_ID: 'id',
  TENCENT_SECRET_KEY: 'key',
  TENCENT_SMS_SDK_APP_ID: '1400',
  TENCENT_SMS_SIGN_NAME: '签名',
  TENCENT_SMS_TEMPLATE_ID: '1',
  SMS_CODE_SECRET: 'x'.repeat(32),
};

describe('where wecas listens', () => {
  it('development and tests listen on loopback unless HOST is set; production on every interface', () => {
    expect(loadConfig({}).server).toMatchObject({ host: '127.0.0.1', hostExplicit: false });
    expect(loadConfig({ NODE_ENV: 'test' }).server.host).toBe('127.0.0.1');
    expect(loadConfig(PRODUCTION).server).toMatchObject({ host: '0.0.0.0', hostExplicit: false });
    expect(loadConfig({ HOST: '0.0.0.0' }).server).toMatchObject({ host: '0.0.0.0', hostExplicit: true });
    expect(loadConfig({ ...PRODUCTION, HOST: '10.0.0.5' }).server.host).toBe('10.0.0.5');
  });

  it('refuses a development start whose public URL is not this machine, naming NODE_ENV=production, unless HOST says so', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'https://sso.example.edu' })).toThrow(/NODE_ENV: .*NODE_ENV=production/s);
    expect(loadConfig({ PUBLIC_URL: 'https://sso.example.edu', HOST: '0.0.0.0' }).server.publicUrl).toBe('https://sso.example.edu');
    expect(loadConfig({ PUBLIC_URL: 'http://localhost:8080' }).server.host).toBe('127.0.0.1');
    expect(loadConfig({ PUBLIC_URL: 'http://127.0.0.1:9999' }).server.host).toBe('127.0.0.1');
    expect(loadConfig({ NODE_ENV: 'test', PUBLIC_URL: 'https://sso.example.edu' }).server.host).toBe('127.0.0.1');
  });

  it('warns at a development start that listens beyond this machine that the outbox and the emulator are open to that network', () => {
    const surfaces = { outbox: true, emulator: true };
    expect(networkExposureWarning(loadConfig({}), surfaces)).toBeUndefined();
    expect(networkExposureWarning(loadConfig({ HOST: '127.0.0.1' }), surfaces)).toBeUndefined();
    const warning = networkExposureWarning(loadConfig({ HOST: '0.0.0.0' }), surfaces);
    expect(warning).toContain('listening on 0.0.0.0');
    expect(warning).toContain('/__outbox');
    expect(warning).toContain('/__wechat/__control');
    expect(warning).toContain('NODE_ENV=production');
    expect(networkExposureWarning(loadConfig({ ...PRODUCTION, HOST: '0.0.0.0' }), surfaces)).toBeUndefined();
  });
});

describe('WeCom settings', () => {
  it('offer WeCom only with corp id, agent id and secret, at WeCom’s own addresses, the userid being a login', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).wecom).toBeUndefined();
    const config = loadConfig({ NODE_ENV: 'test', WECOM_CORP_ID: 'ww0123456789abcdef', WECOM_AGENT_ID: '1000002', WECOM_AGENT_SECRET: 's' });
    expect(config.wecom).toEqual({
      corpId: 'ww0123456789abcdef',
      agentId: '1000002',
      agentSecret: 's',
      apiBaseUrl: 'https://qyapi.weixin.qq.com',
      loginBaseUrl: 'https://login.work.weixin.qq.com',
      openBaseUrl: 'https://open.weixin.qq.com',
      timeoutMs: 5000,
      userIdAttribute: 'login',
    });
  });

  it('refuse a part of them, naming what is missing, and an agent id that is not digits', () => {
    expect(() => loadConfig({ NODE_ENV: 'test', WECOM_CORP_ID: 'ww0123456789abcdef', WECOM_AGENT_SECRET: 's' })).toThrow(
      /WECOM_AGENT_ID: set all of WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_AGENT_SECRET, or none/,
    );
    expect(() => loadConfig({ NODE_ENV: 'test', WECOM_CORP_ID: 'ww0', WECOM_AGENT_ID: 'app', WECOM_AGENT_SECRET: 's' })).toThrow(
      /WECOM_AGENT_ID: WECOM_AGENT_ID is the app's AgentId, digits only/,
    );
  });
});
