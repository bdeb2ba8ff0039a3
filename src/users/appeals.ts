import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { PhoneAppealsTable } from '../store/schema.js';

/** A person who lost their old number asks for a new one; an administrator decides (`wecas user appeals`). */
export interface PhoneAppeal {
  id: string;
  userId: string;
  /** The number the account had when the appeal was made (E.164), if any. */
  oldPhone: string | null;
  /** The new number, already proved by a code. */
  newPhone: string;
  reason: string;
  status: 'pending' | 'approved' | 'rejected';
  ip: string | null;
  createdAt: number;
  decidedAt: number | null;
  decidedBy: string | null;
}

export type PhoneAppeals = ReturnType<typeof createPhoneAppeals>;

/** The `phone_appeals` table. */
export function createPhoneAppeals(db: Db, clock: Clock) {
  return {
    async create(input: { userId: string; oldPhone: string | null; newPhone: string; reason: string; ip: string | null }): Promise<PhoneAppeal> {
      const row: Selectable<PhoneAppealsTable> = {
        id: randomUUID(),
        user_id: input.userId,
        old_phone: input.oldPhone,
        new_phone: input.newPhone,
        reason: input.reason.slice(0, 500),
        status: 'pending',
        ip: input.ip,
        created_at: clock.now(),
        decided_at: null,
        decided_by: null,
      };
      await db.insertInto('phone_appeals').values(row).execute();
      return toAppeal(row);
    },

    async find(id: string): Promise<PhoneAppeal | undefined> {
      const row = await db.selectFrom('phone_appeals').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toAppeal(row) : undefined;
    },

    /** Oldest first; only those of one status when asked. */
    async list(status?: PhoneAppeal['status']): Promise<PhoneAppeal[]> {
      let query = db.selectFrom('phone_appeals').selectAll();
      if (status) query = query.where('status', '=', status);
      return (await query.orderBy('created_at').orderBy('id').execute()).map(toAppeal);
    },

    async pendingFor(userId: string): Promise<PhoneAppeal | undefined> {
      const row = await db
        .selectFrom('phone_appeals')
        .selectAll()
        .where('user_id', '=', userId)
        .where('status', '=', 'pending')
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      return row ? toAppeal(row) : undefined;
    },

    /** Decides a pending appeal; false when it is not pending (decided already, or unknown). */
    async decide(id: string, status: 'approved' | 'rejected', by: string): Promise<boolean> {
      const result = await db
        .updateTable('phone_appeals')
        .set({ status, decided_at: clock.now(), decided_by: by })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function toAppeal(row: Selectable<PhoneAppealsTable>): PhoneAppeal {
  return {
    id: row.id,
    userId: row.user_id,
    oldPhone: row.old_phone,
    newPhone: row.new_phone,
    reason: row.reason,
    status: row.status,
    ip: row.ip,
    createdAt: Number(row.created_at),
    decidedAt: row.decided_at === null ? null : Number(row.decided_at),
    decidedBy: row.decided_by,
  };
}
