// The WeChat callback and bind routes over HTTP (no browser): outcomes a browser test reaches only slowly —
// a disabled user, the bind page's refusals, an expired pending identity, and a WeChat account bound elsewhere
// while its bind page was open.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMULATED_WECHAT_APP } from '../../dev/emulated-wechat.js';
import { SmsSendError } from '../../src/sms/sender.js';
import { bindWeChatByPhone } from '../../src/users/binding.js';
import { solve } from '../support/proof-of-work.js';
import { PHONE_USER, startWeChatTestServer, type WeChatTestServer } from './harness.js';
import { newPersona as newPersonaIn, subjectOf, WeChatHttpBrowser } from './http-browser.js';

let server: WeChatTestServer;

beforeAll(async () => {
  server = await startWeChatTestServer();
});

afterAll(async () => {
  await server?.close();
});

/** The shared HTTP browser, with the bind page's steps. */
class HttpBrowser extends WeChatHttpBrowser {
  constructor() {
    super(server);
  }

  /** The one-time token of a fresh bind page, as the page's forms carry it. */
  async formToken(): Promise<string> {
    const page = await (await this.get(bindUrl())).text();
    const token = /name="execution" value="(LT-[^"]+)"/.exec(page)?.[1];
    if (!token) throw new Error(`no form token on the bind page:\n${page.slice(0, 500)}`);
    return token;
  }

  async sendCode(phone: string): Promise<string> {
    const res = await this.post(`${server.casUrl}/login/wechat/bind/send`, { phone, execution: await this.formToken() });
    expect(res.status).toBe(200);
    return server.sms.lastCodeFor(phone)!;
  }

  /**
   * Posts the bind form as the page would: phone, code and the page's one-time token. A sign-in redirects (303) to
   * wecas's continuation, which is followed as a browser would: its answer (a 302 to the service) is returned.
   */
  async bind(phone: string, code: string): Promise<Response> {
    const res = await this.post(bindUrl(), { phone, code, execution: await this.formToken() });
    const next = res.headers.get('location');
    if (res.status !== 303 || !next?.startsWith('/cas/login/continue?')) return res;
    return this.get(new URL(next, server.origin).href);
  }
}

const newPersona = (nickname: string) => newPersonaIn(server, nickname);
const bindUrl = () => `${server.casUrl}/login/wechat/bind`;
const BIND_PATH = '/cas/login/wechat/bind';

describe('WeChat callback and bind routes', () => {
  it('a bound identity whose user is disabled: refused with a clear page, no TGC', async () => {
    const persona = newPersona('Disabled Dong');
    const first = new HttpBrowser();
    expect((await first.scanAs(persona)).headers.get('location')).toBe(BIND_PATH);
    const phone = '+8613600000001';
    const code = await first.sendCode(phone);
    expect((await first.bind(phone, code)).status).toBe(302);
    const user = (await server.ctx.users.findByPhone(phone))!;
    await server.ctx.users.setStatus(user.id, 'disabled');

    const again = new HttpBrowser();
    const res = await again.scanAs(persona);
    expect(res.status).toBe(403);
    const page = await res.text();
    expect(page).toContain('The account bound to this WeChat is disabled');
    expect(page).not.toContain('Try WeChat again');
    expect(again.jar.get('TGC')).toBeUndefined();
  });

  it("the bind page explains a refusal (the phone's user has another WeChat; a disabled phone user) and writes nothing", async () => {
    const owner = (await server.ctx.users.findByUsername(PHONE_USER.username))!;
    const ownersWeChat = server.emulator.createPersona({ nickname: 'Owner Wang' });
    const elsewhere = await bindWeChatByPhone(server.ctx.db, server.ctx.clock, {
      phone: PHONE_USER.phone,
      subject: { appId: EMULATED_WECHAT_APP.appId, openid: 'oOWNERS-OTHER-WECHAT' },
      profile: { nickname: ownersWeChat.nickname, headimgurl: '', sex: 0, province: '', city: '', country: '' },
    });
    expect(elsewhere.ok).toBe(true);
    const before = await server.counts();

    const browser = new HttpBrowser();
    await browser.scanAs(newPersona('Second Wechat'));
    const code = await browser.sendCode(PHONE_USER.phone);
    const res = await browser.bind(PHONE_USER.phone, code);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('already linked to a different WeChat account. Sign in to it with its password or an SMS code');
    expect(browser.jar.get('TGC')).toBeUndefined();
    expect(await server.ctx.identities.listForUser(owner.id)).toHaveLength(1);

    const disabled = await server.ctx.users.create({ phone: '+8613600000002' });
    await server.ctx.users.setStatus(disabled.id, 'disabled');
    const second = new HttpBrowser();
    await second.scanAs(newPersona('Third Wechat'));
    const code2 = await second.sendCode('+8613600000002');
    const res2 = await second.bind('+8613600000002', code2);
    expect(res2.status).toBe(409);
    expect(await res2.text()).toContain('The account with this phone number is disabled');
    expect(await server.counts()).toEqual({ users: before.users + 1, identities: before.identities });
  });

  it('a pending identity lives 10 minutes: then the bind page says to scan again', async () => {
    const browser = new HttpBrowser();
    await browser.scanAs(newPersona('Slow Song'));
    expect((await browser.get(bindUrl())).status).toBe(200);
    server.clock.advance(10 * 60_000 + 1000);
    const res = await browser.get(bindUrl());
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('Scan the WeChat QR code again');
  });

  it('bound elsewhere while the bind page was open: this browser is not signed in as the owner of another phone', async () => {
    const persona = newPersona('Two Tabs');
    const browser = new HttpBrowser();
    await browser.scanAs(persona);
    // Meanwhile the same WeChat account is bound to someone else's phone (another tab, another person's number).
    const taken = await bindWeChatByPhone(server.ctx.db, server.ctx.clock, {
      phone: '+8613600000003',
      subject: subjectOf(persona),
      profile: { nickname: 'Two Tabs', headimgurl: '', sex: 0, province: '', city: '', country: '' },
    });
    expect(taken.ok).toBe(true);
    // This browser now verifies a number whose user has some other WeChat: it must not be signed in as that user.
    const victim = await server.ctx.users.create({ phone: '+8613600000004' });
    await bindWeChatByPhone(server.ctx.db, server.ctx.clock, {
      phone: '+8613600000004',
      subject: { appId: EMULATED_WECHAT_APP.appId, openid: 'oVICTIMS-OWN-WECHAT' },
      profile: { nickname: 'Victim', headimgurl: '', sex: 0, province: '', city: '', country: '' },
    });
    const code = await browser.sendCode('+8613600000004');
    const res = await browser.bind('+8613600000004', code);
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('This WeChat account has just been linked to another account');
    expect(browser.jar.get('TGC')).toBeUndefined();
    expect((await server.ctx.identities.listForUser(victim.id)).map((i) => i.openid)).toEqual(['oVICTIMS-OWN-WECHAT']);
  });

  it('bound to the same phone in another tab meanwhile: this tab signs that person in', async () => {
    const persona = newPersona('Same Person');
    const browser = new HttpBrowser();
    await browser.scanAs(persona);
    const other = await bindWeChatByPhone(server.ctx.db, server.ctx.clock, {
      phone: '+8613600000005',
      subject: subjectOf(persona),
      profile: { nickname: 'Same Person', headimgurl: '', sex: 0, province: '', city: '', country: '' },
    });
    expect(other.ok).toBe(true);
    const code = await browser.sendCode('+8613600000005');
    const res = await browser.bind('+8613600000005', code);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toMatch(new RegExp(`^${server.service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\?ticket=ST-`));
    expect(browser.jar.get('TGC')).toBeDefined();
  });

  it('a second code to the same number from the bind page needs the automatic check; the provider down is a 503', async () => {
    const browser = new HttpBrowser();
    await browser.scanAs(newPersona('Resend Ren'));
    const phone = '+8613600000090';
    const first = await browser.post(`${server.casUrl}/login/wechat/bind/send`, { phone, execution: await browser.formToken() });
    const page = await first.text();
    expect(page).toContain('<altcha-widget id="send-challenge"');
    expect(page).toContain('Sending another code to the same number needs JavaScript');
    server.clock.advance(61_000);
    const execution = /name="execution" value="(LT-[^"]+)"/.exec(page)![1]!;
    const bare = await browser.post(`${server.casUrl}/login/wechat/bind/send`, { phone, execution });
    expect(bare.status).toBe(400);
    const barePage = await bare.text();
    expect(barePage).toContain('A code was already sent to this number from this browser');
    const challengeUrl = /<altcha-widget[^>]* challenge="([^"]+)"/.exec(barePage)![1]!;
    const altcha = await solve(await (await browser.get(new URL(challengeUrl, server.casUrl).href)).json());
    server.sms.failNext(new SmsSendError({ kind: 'unavailable', provider: 'capturing' }));
    const down = await browser.post(`${server.casUrl}/login/wechat/bind/send`, {
      phone,
      altcha,
      execution: /name="execution" value="(LT-[^"]+)"/.exec(barePage)![1]!,
    });
    expect(down.status).toBe(503);
    expect(await down.text()).toContain('The SMS service is unavailable');
  });

  it("a bind form posted without the page's one-time token (a forged form from another page of the site) links nothing", async () => {
    const victim = new HttpBrowser();
    await victim.scanAs(newPersona('Forged Form Victim'));
    const before = await server.counts();
    const send = await victim.post(`${server.casUrl}/login/wechat/bind/send`, { phone: '+8613600000077' });
    expect(send.status).toBe(400);
    expect(server.sms.lastCodeFor('+8613600000077')).toBeUndefined();
    const bind = await victim.post(bindUrl(), { phone: '+8613600000077', code: '123456' });
    expect(bind.status).toBe(400);
    expect(await bind.text()).toContain('This sign-in form has expired or was already used');
    expect(await server.counts()).toEqual(before);
    expect(victim.jar.get('TGC')).toBeUndefined();
  });

  it("a bind code works only for the pending WeChat identity that asked for it: the attacker's own code cannot link a victim's WeChat", async () => {
    const attacker = new HttpBrowser();
    await attacker.scanAs(newPersona('Attacker'));
    const attackerPhone = '+8613600000078';
    const code = await attacker.sendCode(attackerPhone);

    const victim = new HttpBrowser();
    await victim.scanAs(newPersona('Victim'));
    const before = await server.counts();
    const res = await victim.bind(attackerPhone, code);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Ask for a code first');
    expect(await server.counts()).toEqual(before);
    expect(victim.jar.get('TGC')).toBeUndefined();

    // The code still works for whoever asked for it.
    expect((await attacker.bind(attackerPhone, code)).status).toBe(302);
  });

  it('a state that reached another browser is refused there without being used up: its own browser still signs in with it', async () => {
    const owner = new HttpBrowser();
    const start = await owner.get(`${server.casUrl}/login/wechat?service=${encodeURIComponent(server.service)}`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    const persona = newPersona('Leaked State');

    const stranger = new HttpBrowser();
    const refused = await stranger.get(
      `${server.casUrl}/login/wechat/callback?code=${server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, persona)}&state=${state}`,
    );
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('started in another browser');

    const own = await owner.get(
      `${server.casUrl}/login/wechat/callback?code=${server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, persona)}&state=${state}`,
    );
    expect(own.status).toBe(302);
    expect(own.headers.get('location')).toBe(BIND_PATH);
  });
  describe("a code WeChat refuses or never issued is the request's fault (400), WeChat failing is a 502", () => {
    /** What the person reads: a 400 page that says to start again, with the link that does, and nobody signed in. */
    async function expectStartAgainPage(browser: HttpBrowser, res: Response, says: string): Promise<void> {
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain(says);
      expect(page).toContain('Start the WeChat sign-in again');
      expect(page).toContain(`href="/cas/login/wechat?service=${encodeURIComponent(server.service)}"`);
      expect(browser.jar.get('TGC')).toBeUndefined();
    }

    it('a code used already (the callback reloaded, or replayed with a new state): 400, start again', async () => {
      const persona = newPersona('Reloaded Ren');
      const browser = new HttpBrowser();
      const code = server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, persona);
      expect((await browser.callbackWith(code)).headers.get('location')).toBe(BIND_PATH);
      await expectStartAgainPage(browser, await browser.callbackWith(code), 'has expired or was already used');
    });

    it('a made-up code, a code of another app, an expired code: 400, start again', async () => {
      const browser = new HttpBrowser();
      await expectStartAgainPage(browser, await browser.callbackWith('A'.repeat(32)), 'has expired or was already used');
      const foreign = server.emulator.oauth.issueCode('wx0000000000000000', newPersona('Foreign Fang'));
      await expectStartAgainPage(browser, await browser.callbackWith(foreign), 'has expired or was already used');
      server.emulator.injectFault('access_token', { type: 'errcode', errcode: 42003 });
      const late = server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, newPersona('Late Li'));
      await expectStartAgainPage(browser, await browser.callbackWith(late), 'has expired or was already used');
      expect(server.emulator.faults.pending()).toEqual([]);
    });

    it('a code that is not letters and digits of a plausible length never goes to WeChat: 400, start again', async () => {
      // Were WeChat asked, it would answer with this fault: still queued afterwards, it was not asked.
      server.emulator.injectFault('access_token', { type: 'http', status: 500 });
      const browser = new HttpBrowser();
      for (const code of [
        'abc',
        'A'.repeat(15),
        'A'.repeat(65),
        'A'.repeat(8192),
        `${'A'.repeat(31)}-`,
        `${'A'.repeat(30)}中文`,
        `${'A'.repeat(31)}\u0000`,
      ])
        await expectStartAgainPage(browser, await browser.callbackWith(code), 'incomplete or damaged');
      expect(server.emulator.faults.pending()).toMatchObject([{ api: 'access_token', remaining: 1 }]);
      server.emulator.faults.take('access_token');
    });

    it('WeChat unreachable, answering 5xx or busy (-1) is a 502 that says so', async () => {
      const cases: Array<[Parameters<typeof server.emulator.injectFault>[1], string]> = [
        [{ type: 'http', status: 503 }, 'WeChat could not be reached'],
        [{ type: 'errcode', errcode: -1 }, 'WeChat is busy right now'],
        [{ type: 'hang' }, 'WeChat could not be reached'],
      ];
      for (const [fault, says] of cases) {
        server.emulator.injectFault('access_token', fault);
        const browser = new HttpBrowser();
        const res = await browser.callbackWith(server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, newPersona('Unlucky Uma')));
        expect(res.status, JSON.stringify(fault)).toBe(502);
        expect(await res.text()).toContain(says);
        expect(browser.jar.get('TGC')).toBeUndefined();
      }
      expect(server.emulator.faults.pending()).toEqual([]);
    });
  });
});

describe('a service that does not take WeChat sign-in (docs/services.md)', () => {
  async function onlyPasswords<T>(run: () => Promise<T>): Promise<T> {
    const demo = (await server.ctx.services.find(server.service))!;
    await server.ctx.services.update({ ...demo, signInMethods: ['password'] });
    try {
      return await run();
    } finally {
      await server.ctx.services.update(demo);
    }
  }

  it('has no QR on its login page, and its WeChat start goes back to that page', async () => {
    const browser = new HttpBrowser();
    const login = `${server.casUrl}/login?service=${encodeURIComponent(server.service)}`;
    expect(await (await browser.get(login)).text()).toContain('wechat-qr');
    await onlyPasswords(async () => {
      const page = await (await browser.get(login)).text();
      expect(page).not.toContain('wechat-qr');
      expect(page).toContain('id="password-form"');
      const start = await browser.get(`${server.casUrl}/login/wechat?service=${encodeURIComponent(server.service)}`);
      expect(start.status).toBe(302);
      expect(start.headers.get('location')).toBe(`/cas/login?service=${encodeURIComponent(server.service)}`);
    });
  });

  it('a WeChat sign-in finished after the service stopped taking WeChat gets no ticket: it is asked for a password', async () => {
    const persona = newPersona('Late Li');
    const bound = await bindWeChatByPhone(server.ctx.db, server.ctx.clock, {
      phone: '+8613600000077',
      subject: subjectOf(persona),
      profile: { nickname: 'Late Li', headimgurl: '', sex: 0, province: '', city: '', country: '' },
    });
    expect(bound.ok).toBe(true);

    const browser = new HttpBrowser();
    const start = await browser.get(`${server.casUrl}/login/wechat?service=${encodeURIComponent(server.service)}`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    await onlyPasswords(async () => {
      const code = server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, persona);
      const back = await browser.get(`${server.casUrl}/login/wechat/callback?code=${code}&state=${state}`);
      expect(back.status).toBe(302);
      const location = back.headers.get('location')!;
      expect(location).toBe(`/cas/login?service=${encodeURIComponent(server.service)}`);
      expect(browser.jar.get('TGC')).toBeDefined(); // signed in, for the applications that take WeChat
      const page = await browser.get(`${server.origin}${location}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Demo App asks you to sign in with your password.');
    });
  });
});
