// Unmeasured preparation over HTTP: login forms for the password benchmark, WeChat codes and states for the
// WeChat one. Each prepared item is used by exactly one measured request.

/** Runs `work` n times, `parallel` at a time, collecting the results. */
export async function collect<T>(n: number, parallel: number, work: () => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  let started = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, n) }, async () => {
      while (started < n) {
        started++;
        out.push(await work());
      }
    }),
  );
  return out;
}

function cookieFrom(res: Response, name: string): string {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!line) throw new Error(`no ${name} cookie from ${res.url}`);
  return line.slice(0, line.indexOf(';'));
}

export interface LoginForm {
  cookie: string;
  execution: string;
}

/** GET /cas/login?service=…: the browser cookie and the one-time form token a person's browser would post back. */
export async function loginForm(casUrl: string, service: string): Promise<LoginForm> {
  const res = await fetch(`${casUrl}/login?service=${encodeURIComponent(service)}`);
  const html = await res.text();
  const execution = /name="execution" value="(LT-[A-Za-z0-9-]+)"/.exec(html)?.[1];
  if (!execution) throw new Error(`no login form at ${res.url} (HTTP ${res.status})`);
  return { cookie: cookieFrom(res, 'wecas_browser'), execution };
}

export interface WeChatCallback {
  cookie: string;
  /** Path and query of wecas's callback as WeChat redirects the browser to it, with code and state. */
  path: string;
}

/**
 * Everything before WeChat redirects back: /cas/login/wechat (state bound to a new browser cookie), the QR at the
 * emulator, and the person confirming on the phone through the emulator's test control. What remains, the
 * measured request, is the callback: code → token → userinfo → ST.
 */
export async function wechatCallback(casUrl: string, emulatorUrl: string, service: string, persona: string): Promise<WeChatCallback> {
  const start = await fetch(`${casUrl}/login/wechat?service=${encodeURIComponent(service)}`, { redirect: 'manual' });
  const qrconnect = start.headers.get('location');
  if (start.status !== 302 || !qrconnect) throw new Error(`/login/wechat answered ${start.status}`);
  const cookie = cookieFrom(start, 'wecas_browser');
  const qr = await fetch(`${qrconnect.replace(/#.*$/, '')}&f=xml`);
  const uuid = /CDATA\[([^\]]+)\]/.exec(await qr.text())?.[1];
  if (!uuid) throw new Error('the emulator gave no QR uuid');
  const confirmed = await fetch(`${emulatorUrl}/__control/qr/${uuid}/confirm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ persona }),
  });
  const { redirectUrl } = (await confirmed.json()) as { redirectUrl: string };
  const callback = new URL(redirectUrl);
  return { cookie, path: callback.pathname + callback.search };
}
