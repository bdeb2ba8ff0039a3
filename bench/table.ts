// The bench's result table: one row per scenario, the issue's target next to the measured figure, and the command
// that measures that row again.
import type { Measured } from './measure.js';

export interface Row {
  scenario: string;
  /** wecas's figure: successes per second, or a size. */
  wecas: string;
  bare: string;
  ratio: string;
  p50: string;
  p99: string;
  /** Server CPU per request, wecas (bare). */
  cpu: string;
  target: string;
  /** met / MISSED / (none) */
  verdict: string;
  command: string;
  notes: string;
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['scenario', 'scenario'],
  ['wecas', 'wecas'],
  ['bare', 'bare Fastify'],
  ['ratio', 'ratio'],
  ['p50', 'p50'],
  ['p99', 'p99'],
  ['cpu', 'server CPU/req (bare)'],
  ['target', 'target'],
  ['verdict', 'met?'],
  ['command', 'command'],
  ['notes', 'notes'],
];

/** A throughput target: the ratio to bare Fastify, and optionally a p99 bound. */
export interface ThroughputTarget {
  ratio: number;
  p99Ms?: number;
}

export function throughputRow(
  scenario: string,
  wecas: Measured,
  bare: Measured,
  target: ThroughputTarget | undefined,
  command: string,
  notes: string[] = [],
): Row {
  const ratio = wecas.okPerSecond / bare.okPerSecond;
  const met = target && ratio >= target.ratio && (target.p99Ms === undefined || wecas.p99Ms < target.p99Ms);
  const problems = [
    wecas.failed ? `${wecas.failed} unwanted answers` : '',
    wecas.socketErrors ? `${wecas.socketErrors} socket errors` : '',
    wecas.ranOut ? 'ran out of tickets' : '',
  ];
  return {
    scenario,
    wecas: `${fmtRate(wecas.okPerSecond)}/s`,
    bare: `${fmtRate(bare.okPerSecond)}/s`,
    ratio: `${(ratio * 100).toFixed(1)} %`,
    p50: fmtMs(wecas.p50Ms),
    p99: fmtMs(wecas.p99Ms),
    cpu: `${Math.round(wecas.cpuUs)} µs (${Math.round(bare.cpuUs)} µs)`,
    target: target ? `≥ ${Math.round(target.ratio * 100)} %${target.p99Ms === undefined ? '' : `, p99 < ${target.p99Ms} ms`}` : '',
    verdict: target ? (met ? 'met' : 'MISSED') : '',
    command,
    notes: [...notes, ...problems].filter(Boolean).join('; '),
  };
}

/** A row of one figure (a size), with an optional upper bound as its target. */
export function figureRow(scenario: string, figure: string, command: string, bound?: { text: string; met: boolean }, notes = ''): Row {
  return {
    scenario,
    wecas: figure,
    bare: '',
    ratio: '',
    p50: '',
    p99: '',
    cpu: '',
    target: bound?.text ?? '',
    verdict: bound ? (bound.met ? 'met' : 'MISSED') : '',
    command,
    notes,
  };
}

/** A Markdown table, padded so that it also reads in a terminal. */
export function renderTable(rows: Row[]): string {
  const cells = [COLUMNS.map(([, title]) => title), ...rows.map((r) => COLUMNS.map(([key]) => (key === 'command' ? `\`${r[key]}\`` : r[key])))];
  const widths = COLUMNS.map((_, i) => Math.max(3, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

export const fmtRate = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(1)}k` : n.toFixed(0));
export const fmtMs = (ms: number) => (ms < 1 ? `${Math.round(ms * 1000)} µs` : `${ms.toFixed(ms < 10 ? 2 : 1)} ms`);
export const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
