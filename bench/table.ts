/** One line of the results table; memory rows leave the throughput columns empty. */
export interface Row {
  scenario: string;
  registry: string;
  connections: string;
  figure: string;
  bare: string;
  ratio: string;
  p50: string;
  p99: string;
  notes: string;
}

const COLUMNS: Array<[keyof Row, string]> = [
  ['scenario', 'scenario'],
  ['registry', 'registry'],
  ['connections', 'conns'],
  ['figure', 'wecas'],
  ['bare', 'bare Fastify'],
  ['ratio', 'ratio'],
  ['p50', 'p50 ms'],
  ['p99', 'p99 ms'],
  ['notes', 'notes / target'],
];

/** A Markdown table (readable in a terminal, pasted as is into docs/benchmarks.md). */
export function renderTable(header: string[], rows: Row[], notes: string[]): string {
  const cells = [COLUMNS.map(([, title]) => title), ...rows.map((r) => COLUMNS.map(([key]) => r[key]))];
  const widths = COLUMNS.map((_, i) => Math.max(3, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  return [
    ...header,
    '',
    line(cells[0]!),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...cells.slice(1).map(line),
    ...(notes.length ? ['', ...notes] : []),
  ].join('\n');
}
