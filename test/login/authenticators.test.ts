// The authenticator contract (authenticator.contract.ts) against every sign-in method wecas has: password,
// SMS code, WeChat (the callback, against the emulator over HTTP) and the binding step that completes a new
// WeChat person's sign-in.

import { EMULATED_WECOM } from '../../dev/emulated-wecom.js';
import { buildEmulatorApp, createEmulator, type Emulator } from '../../emulator/app.js';
import { type WeChatCallback, withProfile } from '../../src/login/methods/wechat.js';
import type { BindingCredentials } from '../../src/login/methods/wechat-binding.js';
import type { WeComCallback } from '../../src/login/methods/wecom.js';
import type { WeComBindingCredentials } from '../../src/login/methods/wecom-binding.js';
import type { Wecas } from '../../src/wecas.js';
import { createWecas } from '../../src/wecas.js';
import { CapturingSmsSender } from '../support/capturing-sms-sender.js';
import { ManualClock } from '../support/clock.js';
import { testConfig } from '../support/config.js';
import { solve } from '../support/proof-of-work.js';
import { freePort } from '../support/server.js';
import { startWeComEmulator } from '../wecom/emulated.js';
import { authenticatorContract } from './authenticator.contract.js';

const APP = { appId: 'wx00c0a1b2c3d4e5f6', appSecret: 'contract-secret' };
const ATTEMPT = { client: { ip: '198.51.100.7', userAgent: 'contract' }, browserId: 'B'.repeat(32) };

interface Setup {
  wecas: Wecas;
  sms: CapturingSmsSender;
  clock: ManualClock;
  emulator?: Emulator;
  close(): Promise<void>;
}

async function setUp(withWeChat = false): Promise<Setup> {
  const clock = new ManualClock(Date.now());
  const sms = new CapturingSmsSender();
  let emulator: Emulator | undefined;
  let closeEmulator = async () => {};
  const env: Record<string, string> = { TICKET_REGISTRY: 'memory', SMS_MAX_PER_IP_PER_HOUR: '1000' };
  if (withWeChat) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const options = { apps: [{ ...APP, name: 'contract', callbackDomain: 'sso.example.org' }], publicBaseUrl: url, testControl: true };
    emulator = createEmulator(options);
    const app = await buildEmulatorApp({ ...options, emulator });
    await app.listen({ port, host: '127.0.0.1' });
    closeEmulator = () => app.close();
    Object.assign(env, { WECHAT_APP_ID: APP.appId, WECHAT_APP_SECRET: APP.appSecret, WECHAT_OPEN_BASE_URL: url, WECHAT_API_BASE_URL: url });
  }
  const wecas = await createWecas(testConfig(env), { clock, smsSender: sms });
  return {
    wecas,
    sms,
    clock,
    ...(emulator ? { emulator } : {}),
    async close() {
      await wecas.close();
      await closeEmulator();
    },
  };
}

const records = (wecas: Wecas) => async () => {
  const users = await wecas.db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  const links = await wecas.db
    .selectFrom('identities')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(users.n) + Number(links.n);
};

/** A code sent to `phone` for `purpose`, as the person reads it from the SMS. */
async function codeFor(s: Setup, phone: string, purpose: 'login' | 'bind', holder?: string): Promise<string> {
  s.clock.advance(61_000); // past the resend wait of the previous code to this number
  const proof = await solve(await s.wecas.sms.challenges.create()); // a repeated send to a number proves work
  const sent = await s.wecas.sms.codes.send({ phone, ip: ATTEMPT.client.ip, purpose, proof, ...(holder ? { holder } : {}) });
  if (!sent.ok) throw new Error(`no code sent: ${JSON.stringify(sent)}`);
  return s.sms.lastCodeFor(sent.phone)!;
}

authenticatorContract('password', async () => {
  const s = await setUp();
  const alice = await s.wecas.users.create({ username: 'alice', password: 'right-password' });
  await s.wecas.users.create({ username: 'dora', password: 'right-password' }).then((u) => s.wecas.users.setStatus(u.id, 'disabled'));
  return {
    authenticator: s.wecas.password,
    attempt: ATTEMPT,
    goodInput: async () => ({ input: { username: 'Alice', password: 'right-password' }, userId: alice.id }),
    wrongInput: async () => ({ username: 'alice', password: 'wrong-password' }),
    disabledInput: async () => ({ username: 'dora', password: 'right-password' }),
    singleUse: false,
    records: records(s.wecas),
    close: s.close,
  };
});

authenticatorContract('SMS code', async () => {
  const s = await setUp();
  const mei = await s.wecas.users.create({ username: 'mei', phone: '+8613811112222' });
  await s.wecas.users.create({ username: 'dong', phone: '+8613811113333' }).then((u) => s.wecas.users.setStatus(u.id, 'disabled'));
  return {
    authenticator: s.wecas.smsCode,
    attempt: ATTEMPT,
    goodInput: async () => ({ input: { phone: '138 1111 2222', code: await codeFor(s, '+8613811112222', 'login') }, userId: mei.id }),
    wrongInput: async () => {
      const code = await codeFor(s, '+8613811112222', 'login');
      return { phone: '13811112222', code: code === '000000' ? '000001' : '000000' };
    },
    disabledInput: async () => ({ phone: '13811113333', code: await codeFor(s, '+8613811113333', 'login') }),
    singleUse: true,
    records: records(s.wecas),
    close: s.close,
  };
});

authenticatorContract<'wechat', WeChatCallback>('WeChat', async () => {
  const s = await setUp(true);
  const wechat = s.wecas.wechat!;
  const emulator = s.emulator!;
  /** A person already linked to a user with this status. */
  async function linkedPerson(phone: string): Promise<{ personaId: string; userId: string }> {
    const persona = emulator.createPersona({ nickname: `Person ${phone.slice(-4)}`, hasAvatar: false });
    const person = await wechat.identification.identify('login', await callbackOf(persona.id), ATTEMPT.browserId);
    if (!person.ok || !withProfile(person.person)) throw new Error(`the emulator did not identify ${persona.id}: ${person.ok || person.reason}`);
    const bound = await s.wecas.binding.byPhone({ phone, ...person.person });
    if (!bound.ok) throw new Error(bound.reason);
    return { personaId: persona.id, userId: bound.user.id };
  }
  /** WeChat's callback after `personaId` allowed a sign-in started in the contract's browser. */
  async function callbackOf(personaId: string): Promise<WeChatCallback> {
    const state = await wechat.identification.begin(ATTEMPT.browserId, {
      purpose: 'login',
      request: { service: undefined, ticketParam: 'ticket', renew: false, gateway: false, method: 'GET' },
    });
    return { state, code: emulator.oauth.issueCode(APP.appId, personaId), lang: 'en' };
  }
  const active = await linkedPerson('+8613822220001');
  const disabled = await linkedPerson('+8613822220002');
  await s.wecas.users.setStatus(disabled.userId, 'disabled');
  return {
    authenticator: wechat.authenticator,
    attempt: ATTEMPT,
    goodInput: async () => ({ input: await callbackOf(active.personaId), userId: active.userId }),
    // A state this server never made: refused before the code is traded.
    wrongInput: async () => ({ ...(await callbackOf(active.personaId)), state: 'F'.repeat(32) }),
    disabledInput: () => callbackOf(disabled.personaId),
    singleUse: true,
    records: records(s.wecas),
    close: s.close,
  };
});

authenticatorContract<'wecom', WeComCallback>('WeCom', async () => {
  const wecom = await startWeComEmulator('localhost');
  const wecas = await createWecas(
    testConfig({
      TICKET_REGISTRY: 'memory',
      WECOM_CORP_ID: EMULATED_WECOM.corpId,
      WECOM_AGENT_ID: EMULATED_WECOM.agentId,
      WECOM_AGENT_SECRET: EMULATED_WECOM.agentSecret,
      WECOM_API_BASE_URL: wecom.url,
      WECOM_LOGIN_BASE_URL: wecom.url,
      WECOM_OPEN_BASE_URL: wecom.url,
    }),
    { clock: new ManualClock(Date.now()) },
  );
  const demo = await wecas.users.create({ username: 'demo', password: 'pw-demo-2024' });
  await wecas.users.create({ username: 'wangfang', password: 'pw-wangfang-2024' }).then((u) => wecas.users.setStatus(u.id, 'disabled'));
  const agent = wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
  /** WeCom's redirect after `userid` confirmed a sign-in started in the contract's browser. */
  async function callbackOf(userid: string): Promise<WeComCallback> {
    const request = { service: undefined, ticketParam: 'ticket', renew: false, gateway: false, method: 'GET' } as const;
    const state = await wecas.wecom!.states.begin(ATTEMPT.browserId, request, 'web');
    return { state, code: wecom.emulator.issueCode(agent, { userid }, 'http://localhost:8080/cas/login/wecom/callback') };
  }
  return {
    authenticator: wecas.wecom!.authenticator,
    attempt: ATTEMPT,
    goodInput: async () => ({ input: await callbackOf('demo'), userId: demo.id }),
    // A state this server never made: refused before the code is traded.
    wrongInput: async () => ({ ...(await callbackOf('demo')), state: 'F'.repeat(32) }),
    disabledInput: () => callbackOf('wangfang'),
    singleUse: true,
    records: records(wecas),
    async close() {
      await wecas.close();
      await wecom.close();
    },
  };
});

authenticatorContract<'wecom-binding', WeComBindingCredentials>('WeCom binding', async () => {
  const wecom = await startWeComEmulator('localhost');
  const clock = new ManualClock(Date.now());
  const sms = new CapturingSmsSender();
  const wecas = await createWecas(
    testConfig({
      TICKET_REGISTRY: 'memory',
      SMS_MAX_PER_IP_PER_HOUR: '1000',
      WECOM_CORP_ID: EMULATED_WECOM.corpId,
      WECOM_AGENT_ID: EMULATED_WECOM.agentId,
      WECOM_AGENT_SECRET: EMULATED_WECOM.agentSecret,
      WECOM_API_BASE_URL: wecom.url,
      WECOM_LOGIN_BASE_URL: wecom.url,
      WECOM_OPEN_BASE_URL: wecom.url,
    }),
    { clock, smsSender: sms },
  );
  const s: Setup = { wecas, sms, clock, close: async () => {} };
  const staff = await wecas.users.create({ username: 'staff', phone: '+8613833330001' });
  await wecas.users.create({ username: 'gone', phone: '+8613833330002' }).then((u) => wecas.users.setStatus(u.id, 'disabled'));
  const agent = wecom.emulator.agent(EMULATED_WECOM.corpId, EMULATED_WECOM.agentId)!;
  /** A member whose userid is nobody's login, pending after their WeCom sign-in, and a code sent to `phone` for them. */
  async function pendingWith(phone: string, right = true): Promise<WeComBindingCredentials> {
    const request = { service: undefined, ticketParam: 'ticket', renew: false, gateway: false, method: 'GET' } as const;
    const state = await wecas.wecom!.states.begin(ATTEMPT.browserId, request, 'web');
    const code = wecom.emulator.issueCode(agent, { userid: 'zhangwei' }, 'http://localhost:8080/cas/login/wecom/callback');
    const outcome = await wecas.wecom!.authenticator.authenticate({ state, code }, ATTEMPT);
    if (outcome.kind !== 'needs_binding') throw new Error(`zhangwei is not pending: ${outcome.kind}`);
    const sent = await codeFor(s, phone, 'bind', outcome.pendingId);
    return { pendingId: outcome.pendingId, pending: outcome.member, phone, code: right ? sent : sent === '000000' ? '000001' : '000000' };
  }
  return {
    authenticator: wecas.wecom!.binding,
    attempt: ATTEMPT,
    goodInput: async () => ({ input: await pendingWith('+8613833330001'), userId: staff.id }),
    wrongInput: () => pendingWith('+8613833330001', false),
    disabledInput: () => pendingWith('+8613833330002'),
    singleUse: true,
    records: records(wecas),
    async close() {
      await wecas.close();
      await wecom.close();
    },
  };
});

authenticatorContract<'wechat-binding', BindingCredentials>('WeChat binding', async () => {
  const s = await setUp(true);
  const wechat = s.wecas.wechat!;
  const emulator = s.emulator!;
  const owner = await s.wecas.users.create({ username: 'fang', password: 'pw-fang-1', phone: '+8613900139001' });
  // Her number has signed in to her account before: linking WeChat by it alone is allowed (a never-proved one is not).
  await s.wecas.users.markPhoneProved(owner.id, '+8613900139001');
  await s.wecas.users.create({ username: 'gone', phone: '+8613900139002' }).then((u) => s.wecas.users.setStatus(u.id, 'disabled'));
  /** A new WeChat person waiting, in the contract's browser, to link a phone. */
  async function pendingPerson() {
    const persona = emulator.createPersona({ nickname: 'New Person', hasAvatar: false });
    const state = await wechat.identification.begin(ATTEMPT.browserId, {
      purpose: 'login',
      request: { service: undefined, ticketParam: 'ticket', renew: false, gateway: false, method: 'GET' },
    });
    const outcome = await wechat.authenticator.authenticate({ state, code: emulator.oauth.issueCode(APP.appId, persona.id), lang: 'en' }, ATTEMPT);
    if (outcome.kind !== 'needs_binding') throw new Error(`expected a pending identity, got ${outcome.kind}`);
    return { pendingId: outcome.pendingId, pending: outcome.pending };
  }
  return {
    authenticator: wechat.binding,
    attempt: ATTEMPT,
    goodInput: async () => {
      const pending = await pendingPerson();
      return {
        input: { ...pending, by: 'phone', phone: '13900139001', code: await codeFor(s, '+8613900139001', 'bind', pending.pendingId) },
        userId: owner.id,
      };
    },
    wrongInput: async () => {
      const pending = await pendingPerson();
      const code = await codeFor(s, '+8613900139001', 'bind', pending.pendingId);
      return { ...pending, by: 'phone', phone: '13900139001', code: code === '000000' ? '000001' : '000000' };
    },
    disabledInput: async () => {
      const pending = await pendingPerson();
      return { ...pending, by: 'phone', phone: '13900139002', code: await codeFor(s, '+8613900139002', 'bind', pending.pendingId) };
    },
    singleUse: true,
    records: records(s.wecas),
    close: s.close,
  };
});

authenticatorContract<'wechat-binding', BindingCredentials>('WeChat binding by login name and password', async () => {
  const s = await setUp(true);
  const wechat = s.wecas.wechat!;
  const emulator = s.emulator!;
  const owner = await s.wecas.users.create({ username: 'S2023001', password: 'pw-student-1' });
  await s.wecas.users.create({ username: 'left', password: 'pw-left-1' }).then((u) => s.wecas.users.setStatus(u.id, 'disabled'));
  async function pendingPerson() {
    const persona = emulator.createPersona({ nickname: 'Student', hasAvatar: false });
    const state = await wechat.identification.begin(ATTEMPT.browserId, {
      purpose: 'login',
      request: { service: undefined, ticketParam: 'ticket', renew: false, gateway: false, method: 'GET' },
    });
    const outcome = await wechat.authenticator.authenticate({ state, code: emulator.oauth.issueCode(APP.appId, persona.id), lang: 'en' }, ATTEMPT);
    if (outcome.kind !== 'needs_binding') throw new Error(`expected a pending identity, got ${outcome.kind}`);
    return { pendingId: outcome.pendingId, pending: outcome.pending };
  }
  return {
    authenticator: wechat.binding,
    attempt: ATTEMPT,
    goodInput: async () => ({
      input: { ...(await pendingPerson()), by: 'password', username: 's2023001', password: 'pw-student-1' },
      userId: owner.id,
    }),
    wrongInput: async () => ({ ...(await pendingPerson()), by: 'password', username: 'S2023001', password: 'not-it' }),
    disabledInput: async () => ({ ...(await pendingPerson()), by: 'password', username: 'left', password: 'pw-left-1' }),
    // The same person linking again signs in again; the password is no one-time credential.
    singleUse: false,
    records: records(s.wecas),
    close: s.close,
  };
});
