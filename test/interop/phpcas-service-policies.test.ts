/**
 * A service's policies as a real CAS client sees them: phpCAS 1.6.0 (Debian php-cas) receives the CAS user the
 * service chose (here the person's mail, in lower case) and attributes under the names the service renamed them to;
 * a person the service does not admit never comes back to phpCAS with a ticket.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isBuiltIn } from '../../src/services/built-in.js';
import type { RegisteredService } from '../../src/services/types.js';
import { HttpAgent } from '../support/http-agent.js';
import { TEST_USER, type WecasServer } from '../support/server.js';
import { jsonOf, signInThroughCas } from './cas-sign-in.js';
import { type PhpCasSetup, startPhpCasPages } from './phpcas-server.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'phpcas');

let wecas: WecasServer;
let appOrigin: string;
let setup: PhpCasSetup | undefined;
let service: RegisteredService;

beforeAll(async () => {
  setup = await startPhpCasPages(FIXTURES, 'phpCAS policies');
  ({ wecas, appOrigin } = setup);
  // The application's own registration, not the admin console built into every deployment.
  service = (await wecas.ctx.services.list()).find((s) => !isBuiltIn(s))!;
});

afterAll(async () => {
  await setup?.close();
});

async function policy(change: Partial<RegisteredService>) {
  await wecas.ctx.services.update({ ...service, ...change });
}

describe('phpCAS 1.6.0 and per-service policies', () => {
  it.each([
    { version: '2.0', page: 'v2.php' },
    { version: '3.0', page: 'v3.php' },
  ])('CAS $version: the app sees the username attribute as the user, and renamed attributes under their new names', async ({ page }) => {
    await policy({
      usernameAttribute: 'mail',
      usernameCase: 'upper',
      attributes: ['memberOf'],
      attributeRenames: { displayName: ['cn', 'fullName'], username: ['employeeNumber'] },
    });
    const signIn = await signInThroughCas(new HttpAgent({ caFile: wecas.caCertFile }), `${appOrigin}/${page}`, wecas.casUrl);
    const shown = jsonOf(signIn.page);
    expect(shown.user).toBe('ALICE@EXAMPLE.ORG');
    expect(shown.attributes).toMatchObject({
      cn: TEST_USER.displayName,
      fullName: TEST_USER.displayName,
      employeeNumber: TEST_USER.username,
      memberOf: ['staff', 'faculty'],
    });
    expect(shown.attributes).not.toHaveProperty('displayName');
    expect(shown.attributes).not.toHaveProperty('mail');
  });

  it('a person without the required attributes gets the 403 page, and phpCAS never gets a ticket', async () => {
    await policy({ requiredAttributes: { memberOf: ['^students$'] } });
    const validations = () => wecas.requests.filter((r) => r.includes('serviceValidate')).length;
    const before = validations();
    const agent = new HttpAgent({ caFile: wecas.caCertFile });
    const form = (await agent.follow(`${appOrigin}/v3.php`)).at(-1)!;
    expect(form.status).toBe(200);
    const execution = /name="execution" value="([^"]*)"/.exec(form.body)?.[1] ?? '';
    const action = (/<form[^>]*id="password-form"[^>]*action="([^"]*)"/.exec(form.body)?.[1] ?? '').replace(/&amp;/g, '&');
    const refused = await agent.postForm(new URL(action, form.url).href, { execution, username: TEST_USER.username, password: TEST_USER.password });
    expect(refused.status).toBe(403);
    expect(refused.location).toBeUndefined();
    expect(refused.body).toContain('You cannot use this application');
    expect(validations()).toBe(before);
  });
});
