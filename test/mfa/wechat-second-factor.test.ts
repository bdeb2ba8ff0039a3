/**
 * A WeChat sign-in at a service that requires a second factor (HTTP, the WeChat emulator): the callback goes on to
 * the second-factor page, not to the service; an SMS code to the bound phone ends the sign-in, and validation lists
 * both factors. Its own server: the callback tests' SMS sends would meet this one's request limit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { EMULATED_WECHAT_APP } from '../../dev/emulated-wechat.js';
import { openidFor, unionidFor } from '../../emulator/ids.js';
import { bindWeChatByPhone } from '../../src/users/binding.js';
import { CookieJar } from '../support/cookie-jar.js';
import { startWeChatTestServer, type WeChatTestServer } from '../wechat/harness.js';

let server: WeChatTestServer;

beforeAll(async () => {
  server = await startWeChatTestServer();
});

afterAll(async () => {
  await server?.close();
});

class HttpBrowser {
  readonly jar = new CookieJar();

  async get(url: string): Promise<Response> {
    const res = await fetch(url, { headers: { cookie: this.jar.header(), 'accept-language': 'en' }, redirect: 'manual' });
    this.jar.store(res.headers.getSetCookie());
    return res;
  }

  async post(url: string, form: Record<string, string>): Promise<Response> {
    const res = await fetch(url, {
      method: 'POST',
      body: new URLSearchParams(form),
      headers: { cookie: this.jar.header(), 'accept-language': 'en' },
      redirect: 'manual',
    });
    this.jar.store(res.headers.getSetCookie());
    return res;
  }

  async scanAs(personaId: string): Promise<Response> {
    const start = await this.get(`${server.casUrl}/login/wechat?service=${encodeURIComponent(server.service)}`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const code = server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, personaId);
    return this.get(`${server.casUrl}/login/wechat/callback?code=${code}&state=${state}`);
  }
}

const newPersona = (nickname: string) => server.emulator.createPersona({ nickname, hasAvatar: false }).id;
const subjectOf = (personaId: string) => {
  const appId = EMULATED_WECHAT_APP.appId;
  return { appId, openid: openidFor(appId, personaId), unionid: unionidFor(personaId) };
};

it('a WeChat sign-in at a service that requires a second factor goes on to it (an SMS code to the bound phone), then to the service', async () => {
  const persona = newPersona('Careful Cai');
  const phone = '+8613600000088';
  const bound = await bindWeChatByPhone(server.ctx.db, server.ctx.clock, {
    phone,
    subject: subjectOf(persona),
    profile: { nickname: 'Careful Cai', headimgurl: '', sex: 0, province: '', city: '', country: '' },
  });
  expect(bound.ok).toBe(true);
  const demo = (await server.ctx.services.find(server.service))!;
  await server.ctx.services.update({ ...demo, mfaPolicy: 'required' });
  try {
    const browser = new HttpBrowser();
    const back = await browser.scanAs(persona);
    expect(back.status).toBe(302);
    const location = back.headers.get('location')!;
    expect(location).toMatch(/^\/cas\/login\/second-factor\?id=[A-Za-z0-9]{32}$/);
    expect(browser.jar.get('TGC')).toBeUndefined();
    const url = `${server.origin}${location}`;
    const page = await browser.get(url);
    expect(await page.text()).toContain('id="mfa-sms-send-form"');
    const sent = await browser.post(url.replace('?', '/sms/send?'), {});
    expect(
      sent.status,
      (await sent.text())
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .slice(0, 600),
    ).toBe(200);
    const posted = await browser.post(url, { factor: 'sms', code: server.sms.lastCodeFor(phone)! });
    expect(posted.status).toBe(303);
    const onward = await browser.get(new URL(posted.headers.get('location')!, server.origin).href);
    const ticket = new URL(onward.headers.get('location')!).searchParams.get('ticket')!;
    const validated = await fetch(`${server.casUrl}/p3/serviceValidate?service=${encodeURIComponent(server.service)}&ticket=${ticket}`);
    const xml = await validated.text();
    expect(xml).toContain('<cas:authenticationMethod>wechat</cas:authenticationMethod>');
    expect(xml).toContain('<cas:authenticationMethod>sms</cas:authenticationMethod>');
    expect(xml).toContain('<cas:successfulAuthenticationHandlers>sms</cas:successfulAuthenticationHandlers>');
    expect(xml).toContain('<cas:credentialType>WeChatCredential</cas:credentialType>');
  } finally {
    await server.ctx.services.update(demo);
  }
});
