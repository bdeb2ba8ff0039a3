import { maskPhone } from '../sms/mask.js';
import type { Db } from '../store/db.js';
import { randomToken } from '../tickets/ids.js';
import { parseAuditDetail } from './queries.js';

/**
 * A deleted account's name in the audit log: random, and written nowhere but on its events. An HMAC of the user id
 * under a deployment secret would let anyone holding the secret and a list of ids (an application's logs, a backup)
 * find the person again, and would change with the secret; a random id links the account's events to each other
 * (what an investigation needs: the same addresses, the same times) and to nothing outside the log.
 */
export function newPseudonym(): string {
  return `deleted-${randomToken(20)}`;
}

/**
 * The detail fields that say what happened, not who it happened to: kept when an account is deleted. Everything
 * else (login names, display names, masked numbers, a WeCom member's userid, the name of a merged account) goes.
 */
const KEPT_DETAIL: ReadonlySet<string> = new Set([
  'method',
  'reason',
  'service',
  'serviceId',
  'endpoint',
  'kind',
  'pgt',
  'depth',
  'appId',
  'corpId',
  'userCreated',
  'via',
  'by',
  'directory',
  'sessions',
  'everywhere',
  'factor',
  'decision',
  'status',
  'attempt',
  'attempts',
  'error',
  'ticket',
  'wechat',
  'wecom',
  'changed',
  'password',
  'import',
  'missingFromImport',
]);

/** The detail of an event without what names its person. */
export function withoutPersonalDetail(detail: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(detail).filter(([key]) => KEPT_DETAIL.has(key)));
}

/** What names a deleted account in events that are not keyed to it: its login names and phone numbers. */
export interface DeletedPerson {
  userId: string;
  /** Login names (lower-case) failed sign-ins may have typed. */
  logins: string[];
  /** E.164 numbers it had; SMS events carry them masked. */
  phones: string[];
  /** When the account was made: nothing older can be about it. */
  since: number;
}

const MASKED_PHONE = /^\+\d+\*+\d+$/;

/**
 * Re-keys the account's audit events to `pseudonym` and removes personal details from them; failed sign-ins that
 * typed its login name join them. SMS events (keyed to nobody) lose a masked number that was the account's (one
 * other number in ten thousand shares a mask: its events lose it too, which costs an investigation little). Run
 * inside the deletion's transaction; idempotent, so it can run again for events written meanwhile.
 */
export async function pseudonymiseAuditEvents(db: Db, person: DeletedPerson, pseudonym: string): Promise<void> {
  const own = await db.selectFrom('audit_events').select(['id', 'detail']).where('user_id', '=', person.userId).execute();
  const masks = new Set(person.phones.map(maskPhone));
  for (const row of own)
    for (const value of Object.values(parseAuditDetail(row.detail))) if (typeof value === 'string' && MASKED_PHONE.test(value)) masks.add(value);
  // One statement re-keys them all (an account may have thousands of validations); details one by one, where needed.
  await db.updateTable('audit_events').set({ user_id: pseudonym }).where('user_id', '=', person.userId).execute();
  await rewrite(db, own, pseudonym);

  const logins = new Set(person.logins.map((l) => l.toLowerCase()));
  if (logins.size > 0) {
    const failures = await db
      .selectFrom('audit_events')
      .select(['id', 'detail'])
      .where('type', '=', 'login.failure')
      .where('user_id', 'is', null)
      .where('at', '>=', person.since)
      .execute();
    const typed = failures.filter((r) => {
      const name = parseAuditDetail(r.detail).username;
      return typeof name === 'string' && logins.has(name.trim().toLowerCase());
    });
    await rewrite(db, typed, pseudonym);
  }

  if (masks.size > 0) {
    const sms = await db
      .selectFrom('audit_events')
      .select(['id', 'detail'])
      .where('type', 'in', ['sms.sent', 'sms.failed'])
      .where('at', '>=', person.since)
      .execute();
    for (const row of sms) {
      const { phone, ...rest } = parseAuditDetail(row.detail);
      if (typeof phone === 'string' && masks.has(phone))
        await db
          .updateTable('audit_events')
          .set({ detail: JSON.stringify(rest) })
          .where('id', '=', row.id)
          .execute();
    }
  }
}

/** Each row keyed to the pseudonym, its detail rewritten where it held more than the kept fields. */
async function rewrite(db: Db, rows: Array<{ id: string; detail: string }>, pseudonym: string): Promise<void> {
  for (const row of rows) {
    const detail = parseAuditDetail(row.detail);
    const kept = withoutPersonalDetail(detail);
    if (Object.keys(kept).length === Object.keys(detail).length) continue;
    await db
      .updateTable('audit_events')
      .set({ user_id: pseudonym, detail: JSON.stringify(kept) })
      .where('id', '=', row.id)
      .execute();
  }
}
