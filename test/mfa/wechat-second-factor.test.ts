/**
 * A WeChat sign-in at a service that requires a second factor (HTTP, the WeChat emulator): the callback goes on to
 * the second-factor page, not to the service; an SMS code to the bound phone ends the sign-in, and validation lists
 * both factors. Its own server: the callback tests' SMS sends would meet this one's request limit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bindWeChatByPhone } from '../../src/users/binding.js';
import { startWeChatTestServer, type WeChatTestServer } from '../wechat/harness.js';
import { newPersona as newPersonaIn, subjectOf, WeChatHttpBrowser } from '../wechat/http-browser.js';

let server: WeChatTestServer;

beforeAll(async () => {
  server = await startWeChatTestServer();
});

afterAll(async () => {
  await server?.close();
});

const newPersona = (nickname: string) => newPersonaIn(server, nickname);

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
    const browser = new WeChatHttpBrowser(server);
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
