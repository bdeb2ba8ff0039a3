// The admin-pages bench's data, written inside a wecas node straight through its database: 100 000 accounts (logins,
// phones, Chinese display names, some WeChat and WeCom links) and 1 000 000 audit events over 90 days, in the
// row format wecas writes (src/store/schema.ts; audit ids as src/audit/audit-log.ts makes them: a zero-padded
// base-36 millisecond, a per-process prefix, a counter). Multi-row INSERTs in transactions: a million rows in
// well under a minute, where a million `audit.record` calls would take many.
import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../src/store/db.js';
import type { AuditEventsTable, IdentitiesTable, UsersTable } from '../src/store/schema.js';

const ROWS_PER_INSERT = 500;
const ROWS_PER_TRANSACTION = 50_000;
const DAY_MS = 86_400_000;
const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'];
const GIVEN_FIRST = [...'子梓浩宇欣雨思佳俊一'];
const GIVEN_SECOND = [...'涵轩萱睿琪豪杰然怡晨婷博文诚瑶彤辰阳乐安'];
const USER_AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49',
  'Mozilla/5.0 (Linux; Android 14; V2309A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0 Mobile Safari/537.36 wxwork/4.1.22',
];
/** Distinct client addresses: each has some 50 of the million events. */
const IPS = 20_000;

/** What the bench searches for: values that exist in the data, and a deep page's starting point. */
export interface AdminSample {
  /** Matches 100 logins (user042100 … user042199). */
  loginPrefix: string;
  /** One account's whole number, as typed (no +86). */
  phone: string;
  /** A given name (two characters): one account in 200 has it. */
  namePart: string;
  /** The login of an account with some audit events. */
  login: string;
  /** An address with some 50 events over the 90 days. */
  ip: string;
  /** An event type: 8 % of the events. */
  type: string;
  /** The id 90 % into the accounts ordered by id (a keyset cursor of the account lists). */
  deepAccountAfter: string;
  /** The event 90 % into the log, newest first (what a cursor of the audit pages names). */
  deepEvent: { at: number; id: string };
}

const pad = (i: number, n: number) => String(i).padStart(n, '0');
const ipOf = (k: number) => `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
const nameOf = (i: number) =>
  `${SURNAMES[i % SURNAMES.length]}${GIVEN_FIRST[Math.floor(i / SURNAMES.length) % GIVEN_FIRST.length]}${
    GIVEN_SECOND[Math.floor(i / (SURNAMES.length * GIVEN_FIRST.length)) % GIVEN_SECOND.length]
  }`;

/** A small deterministic generator, so two runs hold the same data. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** `count` rows, ROWS_PER_INSERT to an INSERT, ROWS_PER_TRANSACTION to a transaction (one fsync each). */
async function insertAll<R>(db: Db, count: number, rowOf: (i: number) => R, insert: (trx: Db, rows: R[]) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < count; start += ROWS_PER_TRANSACTION) {
    await db.transaction().execute(async (trx) => {
      const end = Math.min(count, start + ROWS_PER_TRANSACTION);
      for (let from = start; from < end; from += ROWS_PER_INSERT) {
        await insert(
          trx,
          Array.from({ length: Math.min(ROWS_PER_INSERT, end - from) }, (_, k) => rowOf(from + k)),
        );
      }
    });
  }
}

export async function fillAdminData(db: Db, now: number, counts: { accounts: number; events: number }): Promise<AdminSample> {
  const ids = Array.from({ length: counts.accounts }, () => randomUUID());
  const created = now - 400 * DAY_MS;
  await insertAll<Insertable<UsersTable>>(
    db,
    counts.accounts,
    (i) => ({
      id: ids[i]!,
      username: `user${pad(i, 6)}`,
      // Four accounts in five have a phone; the numbers are unique, as the column requires.
      phone: i % 5 === 4 ? null : `+86139${pad(i, 8)}`,
      password_hash: null,
      display_name: nameOf(i),
      avatar_url: null,
      attributes: JSON.stringify({ mail: [`user${pad(i, 6)}@example.org`] }),
      status: i % 50 === 0 ? ('disabled' as const) : ('active' as const),
      directory: 'local',
      directory_id: null,
      proved_phone: null,
      created_at: created + i * 60_000,
      updated_at: created + i * 60_000,
    }),
    (trx, rows) => trx.insertInto('users').values(rows).execute(),
  );
  // A WeChat link for every third account, a WeCom link for every tenth.
  const wechat = Math.ceil(counts.accounts / 3);
  const wecom = Math.ceil(counts.accounts / 10);
  await insertAll<Insertable<IdentitiesTable>>(
    db,
    wechat + wecom,
    (k) => {
      const isWeChat = k < wechat;
      const i = isWeChat ? k * 3 : (k - wechat) * 10;
      return {
        id: randomUUID(),
        user_id: ids[i]!,
        provider: isWeChat ? 'wechat' : 'wecom',
        app_id: isWeChat ? 'wxbench0000000001' : 'wwbench0000000001',
        openid: isWeChat ? `oBench${pad(i, 22)}` : `E${pad(i, 6)}`,
        unionid: isWeChat ? `uBench${pad(i, 22)}` : null,
        profile: JSON.stringify(isWeChat ? { nickname: nameOf(i) } : { name: nameOf(i) }),
        created_at: created + i * 60_000,
        last_login_at: now - (i % 90) * DAY_MS,
      };
    },
    (trx, rows) => trx.insertInto('identities').values(rows).execute(),
  );

  // Events evenly over 90 days, oldest first (ids grow with time, as wecas writes them).
  const rnd = random(16_17);
  const first = now - 90 * DAY_MS;
  const step = (90 * DAY_MS) / counts.events;
  const prefix = 'benchfill0';
  await insertAll<Insertable<AuditEventsTable>>(
    db,
    counts.events,
    (i) => {
      const at = Math.floor(first + i * step);
      const user = Math.floor(rnd() * counts.accounts);
      const kind = rnd();
      const client = { ip: ipOf(Math.floor(rnd() * IPS)), user_agent: USER_AGENTS[user % USER_AGENTS.length]! };
      const base = { id: `${at.toString(36).padStart(9, '0')}-${prefix}-${i.toString(36)}`, at, ...client };
      if (kind < 0.55)
        return {
          ...base,
          type: 'login.success',
          user_id: ids[user]!,
          detail: JSON.stringify({ method: 'password', service: 'https://app.example.org/cb' }),
        };
      if (kind < 0.85)
        return {
          ...base,
          type: 'ticket.validated',
          user_id: ids[user]!,
          ip: null,
          user_agent: null,
          detail: '{"endpoint":"p3/serviceValidate","serviceId":1,"kind":"ST"}',
        };
      if (kind < 0.93)
        return { ...base, type: 'login.failure', user_id: ids[user]!, detail: JSON.stringify({ method: 'password', reason: 'bad_password' }) };
      if (kind < 0.97)
        return { ...base, type: 'sms.sent', user_id: null, detail: JSON.stringify({ phone: '139****0000', purpose: 'login', provider: 'aliyun' }) };
      if (kind < 0.99) return { ...base, type: 'logout', user_id: ids[user]!, detail: '{}' };
      return { ...base, type: 'wechat.bound', user_id: ids[user]!, detail: JSON.stringify({ appId: 'wxbench0000000001', via: 'account' }) };
    },
    (trx, rows) => trx.insertInto('audit_events').values(rows).execute(),
  );

  const deepAccountAfter = [...ids].sort()[Math.floor(counts.accounts * 0.9)]!;
  const deep = await db
    .selectFrom('audit_events')
    .select(['at', 'id'])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .offset(Math.floor(counts.events * 0.9))
    .limit(1)
    .executeTakeFirstOrThrow();
  const sampleIp = await db
    .selectFrom('audit_events')
    .select('ip')
    .where('ip', 'is not', null)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return {
    loginPrefix: 'user0421',
    phone: `139${pad(54_321, 8)}`,
    namePart: `${GIVEN_FIRST[3]}${GIVEN_SECOND[7]}`,
    login: `user${pad(12_345, 6)}`,
    ip: sampleIp.ip!,
    type: 'login.failure',
    deepAccountAfter,
    deepEvent: { at: Number(deep.at), id: deep.id },
  };
}
