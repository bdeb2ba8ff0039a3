import { type ServiceRegistry, ServiceValidationError } from '../src/services/registry.js';
import type { NewService, RegisteredService } from '../src/services/types.js';
import { UserConflictError } from '../src/users/errors.js';
import type { UserStore } from '../src/users/store.js';
import type { Wecas } from '../src/wecas.js';

/** The demo account: a password and a phone, so every sign-in method can be tried with it. */
export const DEMO_USER = { username: 'demo', password: 'demo-password', phone: '+8613800138000', displayName: '演示用户 Demo User' };
export const DEMO_SERVICE_NAME = 'Local demo applications';
/** Any web app on this machine: enough to try wecas with a local CAS client, never used in production. */
export const DEMO_SERVICE_PATTERN = '^https?://(localhost|127\\.0\\.0\\.1)(:[0-9]+)?(/.*)?$';

/**
 * Creates the demo user and service once (development only); later starts find them and change nothing. Nodes
 * started together on one database all run this at once: a conflict means another node made it, which is fine,
 * and each says `created` only for what it made.
 */
export async function ensureDemoData(wecas: Pick<Wecas, 'users' | 'services'>): Promise<{ userCreated: boolean; serviceCreated: boolean }> {
  return { userCreated: await ensureDemoUser(wecas.users), serviceCreated: await ensureDemoService(wecas.services) };
}

async function ensureDemoUser(users: UserStore): Promise<boolean> {
  if (await users.findByUsername(DEMO_USER.username)) return false;
  try {
    const taken = await users.findByPhone(DEMO_USER.phone);
    const demo = await users.create({
      ...DEMO_USER,
      // A database made by an older start may hold the number already (a WeChat person bound it): leave it there.
      ...(taken ? { phone: undefined } : {}),
      attributes: { mail: ['demo@example.org'], memberOf: ['staff', 'demo'] },
    });
    // The demo's number counts as proved, so the demo user tries SMS sign-in and WeChat binding by it without the
    // password (a real account's imported number must sign in once first: SMS_LOGIN_PASSWORD_ACCOUNTS).
    if (!taken) await users.markPhoneProved(demo.id, DEMO_USER.phone);
    return true;
  } catch (err) {
    // The username or the phone was taken meanwhile: by another node's demo user, if one is there now.
    if (err instanceof UserConflictError && (await users.findByUsername(DEMO_USER.username))) return false;
    throw err;
  }
}

const DEMO_SERVICE: NewService = {
  name: DEMO_SERVICE_NAME,
  description: 'Created by npm start in development mode',
  pattern: DEMO_SERVICE_PATTERN,
  matchType: 'regex',
  evaluationOrder: 1000,
  attributes: ['username', 'displayName', 'mail', 'memberOf', 'phone', 'avatarUrl'],
};

/** Tries to add a service: enough for every node that starts at once to get its turn. */
const SERVICE_ADD_ATTEMPTS = 10;

/**
 * Services have no unique name, so nodes that all found none all add one: afterwards the oldest (lowest id) stays
 * and the others go, whichever node looks. Each node sees at least its own and every one added before it.
 */
async function ensureDemoService(services: ServiceRegistry): Promise<boolean> {
  if ((await demoServices(services)).length > 0) return false;
  const added = await addRetryingConflicts(services);
  const [kept, ...extra] = await demoServices(services);
  for (const service of extra) await services.remove(service.id);
  return kept?.id === added.id;
}

async function demoServices(services: ServiceRegistry): Promise<RegisteredService[]> {
  return (await services.list()).filter((s) => s.name === DEMO_SERVICE_NAME).sort((a, b) => a.id - b.id);
}

/** Another node adding a service at the same moment takes the id this one chose (PostgreSQL) or the write lock (SQLite): try again. */
async function addRetryingConflicts(services: ServiceRegistry): Promise<RegisteredService> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await services.add(DEMO_SERVICE);
    } catch (err) {
      if (err instanceof ServiceValidationError || attempt >= SERVICE_ADD_ATTEMPTS) throw err;
    }
  }
}

/** A demo CAS application beside wecas in development, so the printed URL leads somewhere real. */
export const DEMO_APP_PORT = 9000;

/**
 * What the development start prints: the demo account, and the ways to sign in with it. `smsOutbox` says whether
 * codes go to the console outbox: with a real provider configured there is no /__outbox, and codes reach phones.
 */
export function demoInstructions(casBaseUrl: string, demoAppUrl: string | undefined, ticketSeconds: number, smsOutbox = true): string {
  const service = `http://localhost:${DEMO_APP_PORT}/app`;
  const login = `${casBaseUrl}/login?service=${encodeURIComponent(service)}`;
  const origin = new URL(casBaseUrl).origin;
  const codesAt = smsOutbox ? `the code shown at ${origin}/__outbox` : 'the code SMS_PROVIDER sends to that phone';
  return [
    '',
    '  wecas is running in development mode.',
    `  Demo user:     ${DEMO_USER.username} / ${DEMO_USER.password}, phone ${DEMO_USER.phone} (138 0013 8000)`,
    `  Demo service:  ${DEMO_SERVICE_NAME} (any http://localhost:<port>/… URL)`,
    demoAppUrl
      ? `  Try it in a browser: ${demoAppUrl}/ (a demo CAS application) → sign in`
      : `  Try it in a browser: ${login} (port ${DEMO_APP_PORT} was taken, so no demo application runs there)`,
    '    · with the password above;',
    '    · with WeChat: press "Scan with the emulated phone" under the QR, pick a person, allow;',
    '    · with WeCom: press "Scan with the emulated WeCom app" in the WeCom panel, pick 演示用户 (userid demo), log in;',
    `      a new WeChat person links a phone number with ${codesAt};`,
    `      desktop quick login (快速登录): sign "this PC's" desktop WeChat in at ${origin}/__wechat/__emulator/inside-wechat;`,
    smsOutbox
      ? `    · or with an SMS code to 13800138000 (tab "SMS code"; codes at ${origin}/__outbox).`
      : '    · or with an SMS code (tab "SMS code") to a phone of yours: add yourself with npx wecas user add <name> --password <pw> --phone <number>.',
    '',
    '  Or with curl alone:',
    `    1. curl -sc /tmp/wecas.jar '${login}' | grep -o 'LT-[A-Za-z0-9-]*' | head -1      # the form's one-time token`,
    `    2. curl -si -b /tmp/wecas.jar -c /tmp/wecas.jar '${login}' \\`,
    `         --data-urlencode username=${DEMO_USER.username} --data-urlencode password=${DEMO_USER.password} --data-urlencode execution=LT-…`,
    `       # → 303 Location: ${new URL(casBaseUrl).pathname}/login/continue?id=…   (a browser is sent on from there)`,
    `    3. curl -si -b /tmp/wecas.jar '${casBaseUrl}/login/continue?id=…' | grep -i '^location'`,
    '       # → Location: http://localhost:9000/app?ticket=ST-…',
    `    4. curl -s '${casBaseUrl}/p3/serviceValidate?service=${encodeURIComponent(service)}&ticket=ST-…'`,
    '       # → <cas:user>demo</cas:user> with attributes',
    `  A service ticket works once and only for ${ticketSeconds} seconds: run steps 3 and 4 at once. For a fresh ticket,`,
    `  ask again with the session cookie from step 2 (no password needed):`,
    `    curl -si -b /tmp/wecas.jar '${login}' | grep -i '^location'`,
    '',
  ].join('\n');
}
