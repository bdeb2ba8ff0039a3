import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** One request of a load run; `next` gives its path (and headers) each time, e.g. a fresh ticket. */
export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds. The run also ends early when `next` returns undefined (its supply ran out). */
  duration: number;
  method?: 'GET' | 'POST';
  next?: () => { path: string; headers?: Record<string, string>; body?: string } | undefined;
  /** Whether a response is the success the scenario is after (e.g. a 302 with a ticket); counted apart when not. */
  ok?: (status: number, body: string, headers: Record<string, string | string[]>) => boolean;
  /** The server process's CPU seconds so far: read before and after the run to give its CPU time per request. */
  serverCpuSeconds?: () => number;
}

export interface LoadResult {
  /** Successful responses per second over the whole run. */
  rps: number;
  /** Latency percentiles in milliseconds, measured per request with sub-millisecond precision. */
  p50: number;
  p99: number;
  ok: number;
  failed: number;
  errors: number;
  seconds: number;
  /** Server CPU time (user + system) per successful response, in microseconds; NaN when not measured. */
  cpuUs: number;
}

/**
 * Runs autocannon against one URL. Latency is timed here (from building a request to reading its answer, one
 * request in flight per connection) because autocannon's own histogram counts whole milliseconds.
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  let exhausted = false;
  let instance: ReturnType<typeof autocannon> | undefined;
  const cpuBefore = spec.serverCpuSeconds?.() ?? NaN;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.duration,
        pipelining: 1,
        requests: [
          {
            method: spec.method ?? 'GET',
            setupRequest: (request: Record<string, unknown>, context: Record<string, unknown>) => {
              const next = spec.next?.();
              if (spec.next && !next) {
                if (!exhausted) {
                  exhausted = true;
                  setImmediate(() => instance?.stop());
                }
                return request; // answered but not counted: the run stops now
              }
              context.sentAt = performance.now();
              context.counted = true;
              if (!next) return request;
              return {
                ...request,
                path: next.path,
                ...(next.headers ? { headers: { ...(request.headers as object), ...next.headers } } : {}),
                ...(next.body !== undefined ? { body: next.body } : {}),
              };
            },
            onResponse: (status: number, body: string, context: Record<string, unknown>, headers: Record<string, string | string[]>) => {
              if (!context.counted) return;
              context.counted = false;
              latencies.push(performance.now() - (context.sentAt as number));
              if (!spec.ok || spec.ok(status, body, headers)) ok++;
              else failed++;
            },
          },
        ],
      },
      (err: Error | null, res: autocannon.Result) => (err ? reject(err) : resolve(res)),
    );
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = (((spec.serverCpuSeconds?.() ?? NaN) - cpuBefore) * 1e6) / ok;
  latencies.sort((a, b) => a - b);
  return {
    rps: ok / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    ok,
    failed,
    errors: result.errors + result.timeouts,
    seconds,
    cpuUs,
  };
}

export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The median of each figure over several runs (rps, p50 and p99 each on their own). */
export function medianOf(runs: LoadResult[]): LoadResult {
  const pick = (f: (r: LoadResult) => number) => median(runs.map(f));
  return {
    rps: pick((r) => r.rps),
    p50: pick((r) => r.p50),
    p99: pick((r) => r.p99),
    ok: runs.reduce((n, r) => n + r.ok, 0),
    failed: runs.reduce((n, r) => n + r.failed, 0),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    seconds: runs.reduce((n, r) => n + r.seconds, 0),
    cpuUs: pick((r) => r.cpuUs),
  };
}
