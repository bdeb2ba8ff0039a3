import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { KeyValueStore } from '../kv/store.js';

/** One send taken from a day's budget: give it back with the same day's key if the send did not happen. */
export type BudgetTicket = { day: string };

/**
 * The service's SMS budget per calendar day in Beijing time (the day SMS consoles count by), shared by every node
 * through the store. It bounds what SMS pumping or a bug can cost in a day, whatever the other limits let through.
 */
export interface DailyBudget {
  readonly size: number;
  /** Takes one send from today's budget, or nothing when it is spent. */
  take(): Promise<BudgetTicket | undefined>;
  /** Returns a send that did not happen (a provider failure): failed sends cost nothing. */
  giveBack(ticket: BudgetTicket): Promise<void>;
  /** Codes sent (or being sent) today. */
  used(): Promise<number>;
}

/** The share of the budget at which the operator is warned. */
export const BUDGET_WARNING_SHARE = 0.8;
const BEIJING_OFFSET_MS = 8 * 3600 * 1000;
/** A day's counter outlives the day, so a send that straddles midnight gives back to the right one. */
const COUNTER_SECONDS = 2 * 24 * 3600;

export function createDailyBudget(options: { kv: KeyValueStore; clock: Clock; size: number; logger: Pick<Logger, 'warn' | 'error'> }): DailyBudget {
  const { kv, clock, size, logger } = options;
  const today = () => new Date(clock.now() + BEIJING_OFFSET_MS).toISOString().slice(0, 10);
  const counterKey = (day: string) => `sms:budget:${day}`;
  const warning = Math.ceil(size * BUDGET_WARNING_SHARE);

  /** Each warning once a day, however many nodes cross the line. */
  async function warnOnce(day: string, kind: 'warning' | 'spent') {
    if (!(await kv.putIfAbsent(`sms:budget-${kind}:${day}`, true, COUNTER_SECONDS))) return;
    const details = { day, budget: size };
    if (kind === 'warning') logger.warn(details, `SMS daily budget ${BUDGET_WARNING_SHARE * 100} % used: raise SMS_DAILY_BUDGET if this is real use`);
    else logger.error(details, 'SMS daily budget spent: no codes are sent until midnight (Beijing time) unless SMS_DAILY_BUDGET is raised');
  }

  return {
    size,
    async take() {
      const day = today();
      const count = await kv.increment(counterKey(day), COUNTER_SECONDS);
      if (count > size) {
        await kv.decrement(counterKey(day));
        await warnOnce(day, 'spent');
        return undefined;
      }
      if (count >= warning) await warnOnce(day, 'warning');
      return { day };
    },
    giveBack: ({ day }) => kv.decrement(counterKey(day)),
    used: () => kv.counter(counterKey(today())),
  };
}
