// The account page's WeCom links (app.inject): listed with the member's name, userid and corp, and unlinked by the
// person, who keeps a way back in; the form is refused without the page's token, and the unlink is audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, Browser, type CasTestApp, createCasTestApp, S } from '../support/cas-app.js';

const CORP = 'ww0a1b2c3d4e5f6a7b';

let t: CasTestApp;
beforeAll(async () => {
  t = await createCasTestApp();
});
afterAll(() => t.close());

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

describe('WeCom on the account page', () => {
  it('lists a linked WeCom member, and unlinks it with the page’s token only', async () => {
    const alice = (await t.ctx.users.findByUsername(ALICE.username))!;
    await t.ctx.identities.linkWeCom(alice.id, { corpId: CORP, userid: 'T0042', name: '刘爱丽' });
    const browser = new Browser(t.app);
    expect((await browser.signIn(S)).statusCode).toBe(302);

    const page = await browser.get('/cas/account', { 'accept-language': 'en' });
    expect(page.statusCode).toBe(200);
    const section = /<section class="section" id="wecom">[\s\S]*?<\/section>/.exec(page.body)?.[0] ?? '';
    expect(section).toContain('刘爱丽');
    expect(section).toContain(`member T0042 of ${CORP}`);
    const [link] = await t.ctx.identities.listWeComForUser(alice.id);

    const forged = await browser.post('/cas/account/wecom/unbind', { csrf: 'not-the-token', identity: link!.id });
    expect(forged.headers.location).toBe('/cas/account?error=bad_form');
    expect(await t.ctx.identities.listWeComForUser(alice.id)).toHaveLength(1);

    const done = await browser.post('/cas/account/wecom/unbind', { csrf: csrfOf(page.body), identity: link!.id });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/cas/account?done=wecom_unlinked');
    expect(await t.ctx.identities.listWeComForUser(alice.id)).toEqual([]);
    const after = await browser.get(done.headers.location as string, { 'accept-language': 'en' });
    expect(after.body).toContain('WeCom unlinked');
    expect(after.body).not.toContain('id="wecom"');

    const audited = await t.ctx.db.selectFrom('audit_events').select('detail').where('type', '=', 'wecom.unbound').execute();
    expect(audited.map((r) => JSON.parse(r.detail))).toEqual([{ corpId: CORP, userid: 'T0042' }]);
  });

  it('shows no WeCom section to an account without a WeCom link', async () => {
    const browser = new Browser(t.app);
    await browser.signIn(S);
    expect((await browser.get('/cas/account')).body).not.toContain('id="wecom"');
  });
});
