// The bench reads wrk's text report and turns it into the table of docs/benchmarks.md. The fixtures are real wrk 4.1
// output captured from `npm run bench`'s own runs (bench/wrk/load.lua against bare Fastify and a wecas node
// validating tickets on a busy machine: hence the slow figures, a timeout, and a 99th percentile in seconds).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { summarise } from '../../bench/measure.js';
import { matches, parseOptions } from '../../bench/options.js';
import { renderTable, throughputRow } from '../../bench/table.js';
import { parseWrkOutput, wrkArgs, wrkTimeMs } from '../../bench/wrk.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const bareOutput = fixture('wrk-bare-fastify.txt');
const validationOutput = fixture('wrk-validation-memory.txt');

describe('wrk report', () => {
  it('reads the request count, the duration, the latency distribution and load.lua count', () => {
    const report = parseWrkOutput(bareOutput);
    expect(report).toMatchObject({ requests: 20415, seconds: 3.17, requestsPerSecond: 6439.82, p50Ms: 4.92, p99Ms: 486.96 });
    expect(report).toMatchObject({ ok: 20415, failed: 0, ranOut: 0, socketErrors: 0 });
    expect(report.okPerSecond).toBeCloseTo(20415 / 3.17, 6);
  });

  it('reads a percentile in seconds (wrk pads it with a space) and the socket errors', () => {
    const report = parseWrkOutput(validationOutput);
    expect(report).toMatchObject({ requests: 899, seconds: 3.08, p50Ms: 95.84, ok: 899, socketErrors: 10 });
    expect(report.p99Ms).toBeCloseTo(1410, 6);
  });

  it('converts every unit wrk prints', () => {
    expect(wrkTimeMs('875.00us')).toBeCloseTo(0.875, 9);
    expect(wrkTimeMs('1.23ms')).toBe(1.23);
    expect(wrkTimeMs('1.02s')).toBe(1020);
    expect(wrkTimeMs('2.00m')).toBe(120_000);
    expect(() => wrkTimeMs('fast')).toThrow('not a wrk time: fast');
  });

  it('refuses a report without the latency distribution or the script count', () => {
    const withoutLatency = bareOutput.replace(/ {2}Latency Distribution[\s\S]*?99%.*\n/, '');
    expect(() => parseWrkOutput(withoutLatency)).toThrow('a latency distribution (run with --latency)');
    expect(() => parseWrkOutput(bareOutput.replace(/^wecas-bench.*$/m, ''))).toThrow("load.lua's count");
  });

  it('runs wrk as the issue measured it: 2 threads, 64 connections, 8 s, --latency, the ticket file after --', () => {
    const args = wrkArgs({
      url: 'http://127.0.0.1:1/',
      mode: 'validate',
      threads: 2,
      connections: 64,
      seconds: 8,
      file: '/tmp/t.txt',
      service: 'https://a/cb',
    });
    expect(args.join(' ')).toBe('-t2 -c64 -d8s --latency -s bench/wrk/load.lua http://127.0.0.1:1/ -- validate 2 /tmp/t.txt https://a/cb');
  });
});

describe('table', () => {
  const bare = summarise([{ report: parseWrkOutput(bareOutput), cpuSeconds: 0.4, helperCpuSeconds: 0 }]);
  const wecas = summarise([{ report: parseWrkOutput(validationOutput), cpuSeconds: 0.5, helperCpuSeconds: 0 }]);
  const row = throughputRow('validation, memory', wecas, bare, { ratio: 0.5, p99Ms: 10 }, 'npm run bench -- --only validation-memory');

  it('gives the throughput, its ratio to bare Fastify, p50, p99, CPU per request and the target', () => {
    // 899 in 3.08 s against 20 415 in 3.17 s: 291.9/s against 6 440/s, 4.5 %; 0.5 s of CPU for 899 answers is 556 µs.
    expect(row).toMatchObject({
      wecas: '292/s',
      bare: '6.4k/s',
      ratio: '4.5 %',
      p50: '95.8 ms',
      p99: '1410.0 ms',
      cpu: '556 µs (20 µs)',
      target: '≥ 50 %, p99 < 10 ms',
      verdict: 'MISSED',
      notes: '10 socket errors',
    });
  });

  it('renders a Markdown table with the command of each row', () => {
    const lines = renderTable([row]).split('\n');
    expect(lines[0]).toMatch(/^\| scenario +\| wecas +\| bare Fastify +\| ratio +\| p50 +\| p99 +\| server CPU\/req \(bare\) +\| target/);
    expect(lines[1]).toMatch(/^\|-+\|-+\|/);
    expect(lines[2]!.split('|').map((c) => c.trim())).toEqual([
      '',
      'validation, memory',
      '292/s',
      '6.4k/s',
      '4.5 %',
      '95.8 ms',
      '1410.0 ms',
      '556 µs (20 µs)',
      '≥ 50 %, p99 < 10 ms',
      'MISSED',
      '`npm run bench -- --only validation-memory`',
      '10 socket errors',
      '',
    ]);
  });
});

describe('options', () => {
  it('takes --only by name or by kind, and fewer, shorter rounds', () => {
    const options = parseOptions(['--only', 'validation-memory,sso', '--rounds', '1', '--duration=3']);
    expect(options).toMatchObject({ rounds: 1, duration: 3, connections: 64, threads: 2 });
    expect(['validation-memory', 'validation-redis', 'sso-redis', 'validation-redis-1m'].filter((s) => matches(s, options.only))).toEqual([
      'validation-memory',
      'sso-redis',
    ]);
    expect(() => parseOptions(['--only', 'validation-mongo'])).toThrow('--only: no scenario validation-mongo');
    expect(() => parseOptions(['--quick'])).toThrow("Unknown option '--quick'; usage: npm run bench -- [--only a,b]");
  });
});
