// Interleaved measurement: in each round every subject (bare Fastify first, then the wecas nodes of a scenario) runs
// wrk once, so all of them see the same machine; figures are medians over the rounds.
import { runWrk, type WrkReport, type WrkRun } from './wrk.js';

/** Something wrk loads: bare Fastify or a wecas node in a scenario. */
export interface Subject {
  name: string;
  /** CPU seconds of the server process so far (read before and after each run). */
  cpuSeconds(): number;
  /** CPU seconds of a helper the server waits on (its private Redis), counted apart; optional. */
  helperCpuSeconds?(): Promise<number>;
  /** The wrk run of a round; `expectedRps` sizes its supply of single-use tickets. */
  prepare(seconds: number, expectedRps: number): Promise<WrkRun>;
}

/** One run: wrk's report and the server CPU it cost. */
export interface Sample {
  report: WrkReport;
  cpuSeconds: number;
  helperCpuSeconds: number;
}

/** Medians over the rounds of one subject. */
export interface Measured {
  okPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Server CPU (user + system) per successful answer, microseconds. */
  cpuUs: number;
  helperCpuUs: number;
  rounds: number;
  /** Totals over the rounds: answers that were not the wanted success, socket errors, threads out of tickets. */
  failed: number;
  socketErrors: number;
  ranOut: number;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarise(samples: Sample[]): Measured {
  const pick = (f: (s: Sample) => number) => median(samples.map(f));
  const sum = (f: (s: Sample) => number) => samples.reduce((n, s) => n + f(s), 0);
  return {
    okPerSecond: pick((s) => s.report.okPerSecond),
    p50Ms: pick((s) => s.report.p50Ms),
    p99Ms: pick((s) => s.report.p99Ms),
    cpuUs: pick((s) => (s.cpuSeconds * 1e6) / s.report.ok),
    helperCpuUs: pick((s) => (s.helperCpuSeconds * 1e6) / s.report.ok),
    rounds: samples.length,
    failed: sum((s) => s.report.failed),
    socketErrors: sum((s) => s.report.socketErrors),
    ranOut: sum((s) => s.report.ranOut),
  };
}

export interface Rounds {
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  log(line: string): void;
}

/** Runs `subjects` interleaved for `rounds` rounds after one warm-up run each; the medians by subject name. */
export async function interleaved(subjects: Subject[], options: Rounds): Promise<Map<string, Measured>> {
  const expected = new Map<string, number>();
  for (const s of subjects) {
    // The warm-up also sizes the first round's tickets; one that ran out of them measured less than it could.
    const { report } = await runOnce(s, options.warmupSeconds, 5000, options, false);
    expected.set(s.name, report.okPerSecond * (report.ranOut ? 3 : 1));
  }
  const samples = new Map<string, Sample[]>(subjects.map((s) => [s.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const s of subjects) {
      const sample = await runOnce(s, options.seconds, expected.get(s.name)!, options);
      expected.set(s.name, Math.max(expected.get(s.name)!, sample.report.okPerSecond));
      samples.get(s.name)!.push(sample);
    }
  }
  return new Map([...samples].map(([name, runs]) => [name, summarise(runs)]));
}

/** One wrk run; a run whose threads ran out of tickets is run again with twice the supply (twice at most). */
async function runOnce(subject: Subject, seconds: number, expectedRps: number, options: Rounds, retry = true): Promise<Sample> {
  let rps = Math.max(expectedRps, 500);
  for (let attempt = 0; ; attempt++) {
    const run = await subject.prepare(seconds, rps);
    const cpuBefore = subject.cpuSeconds();
    const helperBefore = (await subject.helperCpuSeconds?.()) ?? 0;
    const { report } = await runWrk(run);
    const sample = {
      report,
      cpuSeconds: subject.cpuSeconds() - cpuBefore,
      helperCpuSeconds: ((await subject.helperCpuSeconds?.()) ?? 0) - helperBefore,
    };
    options.log(
      `  ${subject.name.padEnd(22)} ${Math.round(report.okPerSecond).toString().padStart(6)}/s  p50 ${report.p50Ms.toFixed(2)} ms  p99 ${report.p99Ms.toFixed(2)} ms` +
        `  CPU ${Math.round((sample.cpuSeconds * 1e6) / report.ok)} µs/req${report.failed ? `  ${report.failed} failed` : ''}${report.ranOut ? '  (ran out of tickets)' : ''}`,
    );
    await settled(subject);
    if (!report.ranOut || !retry || attempt === 2) return sample;
    rps *= 2;
  }
}

/**
 * Waits (up to 5 s) until the server has worked off the requests wrk left in flight, so that they neither slow the
 * next subject's run nor meet a node being stopped.
 */
async function settled(subject: Subject): Promise<void> {
  for (let i = 0, before = subject.cpuSeconds(); i < 25; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = subject.cpuSeconds();
    if (now - before < 0.02) return;
    before = now;
  }
}
