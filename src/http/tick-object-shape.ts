import { createHook } from 'node:async_hooks';

let kept: object | undefined;

/**
 * Keeps one of Node's `process.nextTick` queue entries alive for the life of the process, so that nextTick stays
 * cheap (docs/benchmarks.md, "Issue 16, eighth pass").
 *
 * Node 20 builds each entry as `{ [async_id_symbol]: …, [trigger_async_id_symbol]: …, callback, args }`. V8 records
 * the hidden class (map) each computed key is added to, weakly. When no entry is alive, a full garbage collection
 * drops those maps; the next entry is built on new ones, the site never matches its record again, and every later
 * entry adds three of its four keys through the runtime: some 4,500 instructions a nextTick, about 10 nextTicks a
 * request inside Node's HTTP and streams. One entry kept alive keeps its maps, and so the record, valid.
 */
export function keepTickObjectShape(): void {
  if (kept) return;
  const hook = createHook({
    init(_asyncId, type, _triggerAsyncId, resource) {
      if (type === 'TickObject') kept ??= resource;
    },
  }).enable();
  try {
    process.nextTick(() => undefined);
  } finally {
    hook.disable();
  }
}
