// The console's one-box account search (src/admin/account-search.ts), paged through to the end: for each kind of
// query, exactly the matching accounts, in id order, each once. A search reads the table in one scan and sorts
// (bench admin-pages: 190 → 30 ms at 100k accounts); this holds the answers to what they were.
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { searchAccounts } from '../../src/admin/account-search.js';
import type { Db } from '../../src/store/db.js';
import { databaseBackends } from '../support/database-backends.js';

const backends = await databaseBackends();

const NAMES = ['王子涵', '李宇然', '张思琪', 'Anna Li', 'Bob Wang'];
const accounts = Array.from({ length: 120 }, (_, i) => ({
  id: randomUUID(),
  username: i % 11 === 10 ? null : `member${String(i).padStart(3, '0')}`,
  phone: i % 3 === 0 ? null : `+86139${String(i).padStart(8, '0')}`,
  display_name: `${NAMES[i % NAMES.length]}${i % 4 === 0 ? ' 二组' : ''}`,
  status: 'active' as const,
  directory: 'local',
  attributes: '{}',
  created_at: 1,
  updated_at: 1,
}));
const linked = accounts[17]!;

/** Every page of a search, five accounts at a time, through the `next` each page gives. */
async function allPages(db: Db, q: string): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await searchAccounts(db, { q, after, limit: 5 });
    ids.push(...page.accounts.map((a) => a.id));
    if (!page.next) return ids;
    after = page.next;
  }
  throw new Error('paging did not end');
}

const byId = (keep: (a: (typeof accounts)[number]) => boolean) =>
  accounts
    .filter(keep)
    .map((a) => a.id)
    .sort();

describe.each(backends)('account search on $name', (backend) => {
  let db: Db;
  let close: () => Promise<void>;
  beforeEach(async () => {
    ({ db, close } = await backend.open());
    await db.insertInto('users').values(accounts).execute();
    await db
      .insertInto('identities')
      .values({
        id: randomUUID(),
        user_id: linked.id,
        provider: 'wechat',
        app_id: 'wxapp',
        openid: 'oOpenid17',
        unionid: 'uUnion17',
        profile: '{}',
        created_at: 1,
      })
      .execute();
  });
  afterEach(() => close());

  it.each([
    ['nothing: every account', '', () => true],
    ['a login prefix', 'member1', (a: (typeof accounts)[number]) => a.username?.startsWith('member1') ?? false],
    ['a whole login', 'member042', (a: (typeof accounts)[number]) => a.username === 'member042'],
    ['a whole phone, as typed', '139 0000 0047', (a: (typeof accounts)[number]) => a.phone === '+8613900000047'],
    ['part of a name', '宇然', (a: (typeof accounts)[number]) => a.display_name.includes('宇然')],
    ['a word of a name', '二组', (a: (typeof accounts)[number]) => a.display_name.includes('二组')],
    ['a WeChat openid', 'oOpenid17', (a: (typeof accounts)[number]) => a.id === linked.id],
    ['a WeChat unionid', 'uUnion17', (a: (typeof accounts)[number]) => a.id === linked.id],
    ['an account id', accounts[5]!.id.toUpperCase(), (a: (typeof accounts)[number]) => a.id === accounts[5]!.id],
    ['what nobody matches', 'nobody', () => false],
  ])('by %s: the matching accounts in id order, each once', async (_, q, keep) => {
    expect(await allPages(db, q)).toEqual(byId(keep));
  });
});
