// The CAS and WeChat steps the cluster tests take, each against whichever origin a test names: the load balancer
// or one node directly (they share PUBLIC_URL, database and Redis, so any of them can serve any step).
import { expect } from 'vitest';
import { parseServiceResponse, type ValidationResult } from '../../examples/demo-app/cas-client.js';
import { type Answer, at, Visitor } from './visitor.js';

export const PASSWORD_USER = { username: 'alice', password: 'pw-alice-cluster-1', displayName: 'Alice 王' };

export function loginUrl(origin: string, service: string): string {
  return `${origin}/cas/login?service=${encodeURIComponent(service)}`;
}

/** The login form at `formOrigin`, the credentials POSTed to `postOrigin` and its continuation: the 302 back to the service. */
export async function passwordSignIn(
  visitor: Visitor,
  service: string,
  origins: { form: string; post: string },
  user: { username: string; password: string } = PASSWORD_USER,
): Promise<{ answer: Answer; ticket: string }> {
  const form = await visitor.get(loginUrl(origins.form, service));
  expect(form.status, form.body.slice(0, 500)).toBe(200);
  const execution = /name="execution" value="(LT-[A-Za-z0-9-]+)"/.exec(form.body)?.[1];
  if (!execution) throw new Error(`no login form at ${form.url}:\n${form.body.slice(0, 500)}`);
  const answer = await visitor.submit(loginUrl(origins.post, service), { execution, username: user.username, password: user.password });
  return { answer, ticket: ticketIn(answer) };
}

/** The `ticket` of a redirect back to the service, or '' when the answer is something else. */
export function ticketIn(answer: Answer): string {
  if (answer.status !== 302 || !answer.location) return '';
  return new URL(answer.location).searchParams.get('ticket') ?? '';
}

/** What the application does with a ticket: /p3/serviceValidate at `origin` (server to server, no cookies). */
export async function validate(origin: string, service: string, ticket: string): Promise<ValidationResult & { answer: Answer }> {
  const answer = await new Visitor().get(
    `${origin}/cas/p3/serviceValidate?service=${encodeURIComponent(service)}&ticket=${encodeURIComponent(ticket)}`,
  );
  if (answer.status !== 200) return { ok: false, code: `HTTP_${answer.status}`, message: answer.body.slice(0, 200), answer };
  return { ...parseServiceResponse(answer.body), answer };
}

/** Starts WeChat sign-in at `origin` and has `persona` scan and allow at the emulator; returns the callback URL. */
export async function wechatCallbackUrl(visitor: Visitor, origin: string, service: string, emulatorUrl: string, persona: string): Promise<string> {
  const start = await visitor.get(`${origin}/cas/login/wechat?service=${encodeURIComponent(service)}`);
  expect(start.status, start.body.slice(0, 300)).toBe(302);
  const qr = new URL(start.location!.replace(/#wechat_redirect$/, ''));
  expect(qr.origin).toBe(emulatorUrl);
  qr.searchParams.set('f', 'xml');
  const xml = await visitor.get(qr.href);
  const uuid = /CDATA\[([^\]]+)\]/.exec(xml.body)?.[1];
  if (!uuid) throw new Error(`no QR uuid from the emulator: ${xml.body.slice(0, 300)}`);
  const confirmed = await emulatorControl(emulatorUrl, `/qr/${uuid}/confirm`, { persona });
  return String(confirmed.redirectUrl);
}

/** The emulator's test control (`/__control/...`). */
export async function emulatorControl(emulatorUrl: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${emulatorUrl}/__control${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The last SMS code any node's development outbox holds for `phone` (each node keeps its own outbox). */
export async function outboxCode(nodeUrls: string[], phone: string): Promise<string> {
  const messages: Array<{ phone: string; code: string; at: number }> = [];
  for (const url of nodeUrls) messages.push(...((await (await fetch(`${url}/__outbox.json`)).json()) as typeof messages));
  const newest = messages.filter((m) => m.phone === phone).sort((a, b) => b.at - a.at)[0];
  if (!newest) throw new Error(`no SMS code for ${phone} in any outbox`);
  return newest.code;
}

/** Sends the WeChat callback to `origin` (the same URL, whichever server answers it). */
export function callbackAt(visitor: Visitor, origin: string, callbackUrl: string): Promise<Answer> {
  return visitor.get(at(origin, callbackUrl));
}
