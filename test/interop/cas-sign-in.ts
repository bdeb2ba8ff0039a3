// The sign-in a person makes through a CAS client, over real sockets: the steps every interop test shares.
import { expect } from 'vitest';
import type { HttpAgent, HttpResponse } from '../support/http-agent.js';
import { TEST_USER } from '../support/server.js';

export interface CasSignIn {
  /** The protected page, then each redirect up to wecas's login form (the last one). */
  toLoginForm: HttpResponse[];
  /** The POST of the credentials: a 303 to wecas's continuation. */
  credentials: HttpResponse;
  /** The continuation (a client with no Fetch Metadata): a 302 back to the service with `ticket`. */
  continuation: HttpResponse;
  /** The service with the ticket (the client validates it), then each redirect up to the page (the last one). */
  backToApp: HttpResponse[];
  ticket: string;
  page: HttpResponse;
}

/** Opens a protected page with no session, signs in at wecas (as the test user by default), and follows the way back. */
export async function signInThroughCas(
  agent: HttpAgent,
  protectedUrl: string,
  casUrl: string,
  user: { username: string; password: string } = TEST_USER,
): Promise<CasSignIn> {
  const toLoginForm = await agent.follow(protectedUrl);
  const form = toLoginForm.at(-1)!;
  expect(form.url.startsWith(`${casUrl}/login?`), `expected wecas's login form, ended at ${form.status} ${form.url}`).toBe(true);
  expect(form.status, form.body).toBe(200);

  const credentials = await agent.postForm(new URL(formAction(form.body), form.url).href, {
    execution: hiddenField(form.body, 'execution'),
    username: user.username,
    password: user.password,
  });
  expect(credentials.status, credentials.body).toBe(303);
  expect(credentials.location?.startsWith(`${casUrl}/login/continue?`), credentials.location).toBe(true);
  const continuation = await agent.get(credentials.location!);
  expect(continuation.status, continuation.body).toBe(302);
  const ticket = new URL(continuation.location!).searchParams.get('ticket') ?? '';
  expect(ticket).toMatch(/^ST-[A-Za-z0-9-]+$/);

  const backToApp = await agent.follow(continuation.location!);
  return { toLoginForm, credentials, continuation, backToApp, ticket, page: backToApp.at(-1)! };
}

function formAction(html: string): string {
  const m = /<form[^>]*id="password-form"[^>]*>/.exec(html) ?? [''];
  const action = /action="([^"]*)"/.exec(m[0])?.[1];
  if (!action) throw new Error('no login form in page');
  return unescapeHtml(action);
}

function hiddenField(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} field in page`);
  return unescapeHtml(m[1]!);
}

function unescapeHtml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" })[e]!);
}

/** What a page reports as JSON, with the page in the failure message when it is not JSON. */
export function jsonOf(res: HttpResponse): { user?: string; attributes?: Record<string, unknown> | null } {
  try {
    return JSON.parse(res.body) as { user?: string; attributes?: Record<string, unknown> | null };
  } catch {
    throw new Error(`expected JSON from ${res.url}, got ${res.status}:\n${res.body.slice(0, 2000)}`);
  }
}
