// The administrators the request fuzzer acts as on the console (/admin) and the admin API: a signed-in console
// session (through wecas's own sign-in with renew, as a person gets one) and a personal API token per role.
import type { FastifyInstance } from 'fastify';
import type { Wecas } from '../../src/wecas.js';
import { Browser } from '../support/cas-app.js';

export type FuzzRole = 'admin' | 'helpdesk';

/** One administrator: their console cookie and form token (renewed when the session ends) and an API token. */
export interface FuzzAdmin {
  role: FuzzRole;
  userId: string;
  /** The console's Cookie header. */
  cookie: string;
  csrf: string;
  token: string;
}

export interface FuzzAdmins {
  admin: FuzzAdmin;
  helpdesk: FuzzAdmin;
  /** Signs in to the console again: the session ended (time passed, or a fuzzed request signed out). */
  renew(who: FuzzAdmin): Promise<void>;
}

const PASSWORD = 'pw-fuzz-admin-1';

export async function fuzzAdmins(app: FastifyInstance, ctx: Wecas): Promise<FuzzAdmins> {
  async function make(role: FuzzRole): Promise<FuzzAdmin> {
    const user = await ctx.users.create({ username: `fuzz-${role}`, password: PASSWORD, displayName: `Fuzz ${role}` });
    await ctx.admin.roles.grant(user.id, role, 'fuzz');
    // A year: the fuzzer's clock moves on by minutes at a time.
    const { secret } = await ctx.admin.access.createToken(user.id, { role, name: `fuzz ${role}`, days: 365 });
    const who: FuzzAdmin = { role, userId: user.id, cookie: '', csrf: '', token: secret };
    await signIn(who);
    return who;
  }

  /**
   * The fuzzer's other workers move the clock on by up to 30 minutes at a time, which can end a console session
   * between its sign-in and its first page (seen once in CI): a person would sign in again, and so does this.
   */
  async function signIn(who: FuzzAdmin): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await signInOnce(who);
      } catch (err) {
        if (attempt === 3) throw err;
      }
    }
  }

  async function signInOnce(who: FuzzAdmin): Promise<void> {
    const browser = new Browser(app);
    const start = await browser.get('/admin/login?lang=en');
    const service = new URL(start.headers.location!, 'http://localhost').searchParams.get('service')!;
    const signedIn = await browser.signIn(service, `fuzz-${who.role}`, PASSWORD, '&renew=true');
    const back = new URL(signedIn.headers.location!);
    await browser.get(back.pathname + back.search);
    const page = await browser.get('/admin/tokens');
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
    if (page.statusCode !== 200 || !csrf) throw new Error(`fuzz ${who.role} could not sign in to the console (${page.statusCode})`);
    who.cookie = `wecas_admin=${browser.jar.get('wecas_admin')}`;
    who.csrf = csrf;
  }

  const admins = { admin: await make('admin'), helpdesk: await make('helpdesk') };
  return {
    ...admins,
    renew: signIn,
  };
}
