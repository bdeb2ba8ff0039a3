import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { KeyValueStore } from './store.js';

/** Rows deleted per sweep statement, so a sweep never holds the table's locks long. */
const SWEEP_BATCH = 1000;

/**
 * Short-lived state in the `kv` table (SQLite or PostgreSQL). `value` is JSON text, `counter` serves increment.
 * An expired row is treated as absent by every read and replaced by every write; `sweep` deletes them.
 * Each operation is one statement, and a single statement is atomic in both databases: PostgreSQL locks the row
 * (ON CONFLICT waits for a concurrent insert of the same key, then updates the committed row), SQLite runs one
 * writer at a time. The store does not own the Db: whoever opened it destroys it.
 */
export class SqlKeyValueStore implements KeyValueStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  private row(key: string, value: unknown, ttlSeconds: number) {
    return { key, value: JSON.stringify(value ?? null), counter: 0, expires_at: this.clock.now() + ttlSeconds * 1000 };
  }

  async put(key: string, value: unknown, ttlSeconds: number): Promise<void> {
    await this.db
      .insertInto('kv')
      .values(this.row(key, value, ttlSeconds))
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => ({
          value: eb.ref('excluded.value'),
          counter: eb.ref('excluded.counter'),
          expires_at: eb.ref('excluded.expires_at'),
        })),
      )
      .execute();
  }

  async putIfAbsent(key: string, value: unknown, ttlSeconds: number): Promise<boolean> {
    // Inserts, or overwrites only an expired row; RETURNING yields a row exactly when this call stored its value.
    const stored = await this.db
      .insertInto('kv')
      .values(this.row(key, value, ttlSeconds))
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) => ({
            value: eb.ref('excluded.value'),
            counter: eb.ref('excluded.counter'),
            expires_at: eb.ref('excluded.expires_at'),
          }))
          .where('kv.expires_at', '<=', this.clock.now()),
      )
      .returning('key')
      .executeTakeFirst();
    return stored !== undefined;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const row = await this.db.selectFrom('kv').select('value').where('key', '=', key).where('expires_at', '>', this.clock.now()).executeTakeFirst();
    return row ? (JSON.parse(row.value ?? 'null') as T) : undefined;
  }

  async take<T>(key: string): Promise<T | undefined> {
    // DELETE … RETURNING: the row is deleted once, so only one concurrent caller receives it.
    const row = await this.db.deleteFrom('kv').where('key', '=', key).returning(['value', 'expires_at']).executeTakeFirst();
    if (!row || row.expires_at <= this.clock.now()) return undefined;
    return JSON.parse(row.value ?? 'null') as T;
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('kv').where('key', '=', key).execute();
  }

  async increment(key: string, ttlSeconds: number): Promise<number> {
    const now = this.clock.now();
    // One upsert: a missing key starts at 1; an expired one restarts at 1 with a new window; a live one adds 1.
    // SET expressions read the row as it was before this statement, so both CASEs test the old expiry.
    const row = await this.db
      .insertInto('kv')
      .values({ key, value: 'null', counter: 1, expires_at: now + ttlSeconds * 1000 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet((eb) => {
          const expired = eb('kv.expires_at', '<=', now);
          return {
            counter: eb
              .case()
              .when(expired)
              .then(1)
              .else(eb('kv.counter', '+', 1))
              .end(),
            expires_at: eb.case().when(expired).then(eb.ref('excluded.expires_at')).else(eb.ref('kv.expires_at')).end(),
            value: eb.case().when(expired).then(eb.ref('excluded.value')).else(eb.ref('kv.value')).end(),
          };
        }),
      )
      .returning('counter')
      .executeTakeFirstOrThrow();
    return Number(row.counter);
  }

  async decrement(key: string): Promise<void> {
    // One UPDATE: atomic in both databases, and it touches only a live counter above 0.
    await this.db
      .updateTable('kv')
      .set((eb) => ({ counter: eb('counter', '-', 1) }))
      .where('key', '=', key)
      .where('counter', '>', 0)
      .where('expires_at', '>', this.clock.now())
      .execute();
  }

  async counter(key: string): Promise<number> {
    const row = await this.db.selectFrom('kv').select('counter').where('key', '=', key).where('expires_at', '>', this.clock.now()).executeTakeFirst();
    return Number(row?.counter ?? 0);
  }

  async ttl(key: string): Promise<number> {
    const now = this.clock.now();
    const row = await this.db.selectFrom('kv').select('expires_at').where('key', '=', key).where('expires_at', '>', now).executeTakeFirst();
    return row ? Math.ceil((row.expires_at - now) / 1000) : 0;
  }

  /** Deletes expired rows in bounded batches; returns how many. */
  async sweep(): Promise<number> {
    const now = this.clock.now();
    let total = 0;
    for (;;) {
      const result = await this.db
        .deleteFrom('kv')
        .where('key', 'in', (eb) => eb.selectFrom('kv').select('key').where('expires_at', '<=', now).limit(SWEEP_BATCH))
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < SWEEP_BATCH) return total;
    }
  }

  async close(): Promise<void> {}
}
