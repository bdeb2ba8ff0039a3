// A browser without a browser for the WeChat routes over HTTP: cookies kept, redirects not followed, and WeChat's
// side answered by the in-process emulator. Shared by the callback and bind route tests and the second-factor ones.
import { EMULATED_WECHAT_APP } from '../../dev/emulated-wechat.js';
import { openidFor, unionidFor } from '../../emulator/ids.js';
import { CookieJar } from '../support/cookie-jar.js';
import type { WeChatTestServer } from './harness.js';

export class WeChatHttpBrowser {
  readonly jar = new CookieJar();

  constructor(protected readonly server: WeChatTestServer) {}

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

  /** Starts a WeChat sign-in for the demo app and comes back from WeChat as `personaId` allowed it. */
  async scanAs(personaId: string): Promise<Response> {
    return this.callbackWith(this.server.emulator.oauth.issueCode(EMULATED_WECHAT_APP.appId, personaId));
  }

  /** Starts a WeChat sign-in for the demo app and comes back from WeChat with `code`, whatever it is. */
  async callbackWith(code: string): Promise<Response> {
    const { casUrl, service } = this.server;
    const start = await this.get(`${casUrl}/login/wechat?service=${encodeURIComponent(service)}`);
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!;
    return this.get(`${casUrl}/login/wechat/callback?code=${encodeURIComponent(code)}&state=${state}`);
  }
}

/** A new person in the emulator, without an avatar: their id. */
export function newPersona(server: WeChatTestServer, nickname: string): string {
  return server.emulator.createPersona({ nickname, hasAvatar: false }).id;
}

/** The key WeChat gives wecas for an emulated person. */
export function subjectOf(personaId: string) {
  const appId = EMULATED_WECHAT_APP.appId;
  return { appId, openid: openidFor(appId, personaId), unionid: unionidFor(personaId) };
}
