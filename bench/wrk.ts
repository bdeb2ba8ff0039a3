// Runs wrk (the C load generator, Debian's `wrk`, installed by `npm run bench`'s prebench step) with
// bench/wrk/load.lua and reads its report: throughput, the latency distribution of `--latency`, socket errors, and
// the script's own count of successes.
import { execFile } from 'node:child_process';
import { ROOT } from './children.js';

export interface WrkRun {
  url: string;
  mode: 'hello' | 'validate' | 'sso';
  threads: number;
  connections: number;
  seconds: number;
  /** validate: the tickets, one per line, each sent once; sso: the TGC values, round-robin. */
  file?: string;
  service?: string;
}

export interface WrkReport {
  requests: number;
  seconds: number;
  /** wrk's Requests/sec: every answer, whatever it was. */
  requestsPerSecond: number;
  /** Successes per second (answers the scenario wanted, counted by the script). */
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  failed: number;
  /** Threads that used up their tickets before the end: the run measured less than its length. */
  ranOut: number;
  socketErrors: number;
}

/** The command line of a run, as the table prints it and as it is run. */
export function wrkArgs(run: WrkRun): string[] {
  const scriptArgs = [run.mode, String(run.threads), ...(run.file ? [run.file, run.service ?? ''] : [])];
  return [`-t${run.threads}`, `-c${run.connections}`, `-d${run.seconds}s`, '--latency', '-s', 'bench/wrk/load.lua', run.url, '--', ...scriptArgs];
}

export function runWrk(run: WrkRun): Promise<{ report: WrkReport; output: string }> {
  return new Promise((resolve, reject) =>
    execFile('wrk', wrkArgs(run), { cwd: ROOT, timeout: (run.seconds + 30) * 1000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      try {
        resolve({ report: parseWrkOutput(stdout), output: stdout });
      } catch (parseErr) {
        reject(parseErr);
      }
    }),
  );
}

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds from wrk's `1.23ms`, `875.00us`, `1.02s`. */
export function wrkTimeMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m|h)$/.exec(text.trim());
  if (!m) throw new Error(`not a wrk time: ${text}`);
  return Number(m[1]) * TIME_UNITS[m[2]!]!;
}

/** Reads wrk's text report (with `--latency`) and the `wecas-bench ok=… failed=… ranout=…` line of load.lua. */
export function parseWrkOutput(text: string): WrkReport {
  const need = (re: RegExp, what: string) => {
    const m = re.exec(text);
    if (!m) throw new Error(`wrk output without ${what}:\n${text}`);
    return m;
  };
  const [, requests, seconds] = need(/(\d+) requests in ([\d.]+\w+),/, 'a request count');
  const [, p50] = need(/^\s+50%\s+(\S+)\s*$/m, 'a latency distribution (run with --latency)');
  const [, p99] = need(/^\s+99%\s+(\S+)\s*$/m, 'a 99th percentile');
  const [, rps] = need(/^Requests\/sec:\s+([\d.]+)$/m, 'Requests/sec');
  const [, ok, failed, ranOut] = need(/^wecas-bench ok=(\d+) failed=(\d+) ranout=(\d+)$/m, "load.lua's count");
  const socket = /^\s+Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)$/m.exec(text);
  const duration = wrkTimeMs(seconds!) / 1000;
  return {
    requests: Number(requests),
    seconds: duration,
    requestsPerSecond: Number(rps),
    okPerSecond: Number(ok) / duration,
    p50Ms: wrkTimeMs(p50!),
    p99Ms: wrkTimeMs(p99!),
    ok: Number(ok),
    failed: Number(failed),
    ranOut: Number(ranOut),
    socketErrors: socket ? socket.slice(1).reduce((n, v) => n + Number(v), 0) : 0,
  };
}
