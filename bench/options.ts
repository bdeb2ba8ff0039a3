// `npm run bench -- [--only a,b] [--rounds 3] [--duration 8] [--connections 64] [--threads 2] [--cpu-prof]`

export const REGISTRIES = ['memory', 'sqlite', 'redis', 'postgres'] as const;
export type Registry = (typeof REGISTRIES)[number];

/** Every scenario, in the order a full run measures them. */
export const SCENARIOS = [
  ...REGISTRIES.map((r) => `validation-${r}`),
  ...REGISTRIES.map((r) => `sso-${r}`),
  'validation-redis-1m',
  ...REGISTRIES.map((r) => `tgts-${r}`),
  'idle-production',
  'admin-pages',
] as const;

export interface Options {
  /** Scenario names, or a kind of them (`validation`, `sso`, `tgts`: every validation-… and so on). */
  only?: string[];
  rounds: number;
  duration: number;
  connections: number;
  threads: number;
  cpuProf: boolean;
}

export function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
    if (i < 0) return undefined;
    return argv[i]!.includes('=') ? argv[i]!.slice(name.length + 3) : argv[i + 1];
  };
  const number = (name: string, fallback: number, min: number) => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not ${v}`);
    return n;
  };
  const only = value('only')?.split(',').filter(Boolean);
  const unknown = only?.filter((o) => !SCENARIOS.some((s) => matches(s, [o])));
  if (unknown?.length) throw new Error(`--only: no scenario ${unknown.join(', ')}; the scenarios: ${SCENARIOS.join(', ')}`);
  return {
    only,
    rounds: number('rounds', 3, 1),
    duration: number('duration', 8, 1),
    connections: number('connections', 64, 1),
    threads: number('threads', 2, 1),
    cpuProf: argv.includes('--cpu-prof'),
  };
}

export function matches(scenario: string, only: string[] | undefined): boolean {
  return !only || only.some((o) => scenario === o || scenario.split('-')[0] === o);
}
