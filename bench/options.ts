// `npm run bench -- [--only a,b] [--rounds 3] [--duration 8] [--connections 64] [--threads 2] [--cpu-prof]`
import { parseArgs } from 'node:util';

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

const USAGE = 'npm run bench -- [--only a,b] [--rounds 3] [--duration 8] [--connections 64] [--threads 2] [--cpu-prof]';

export function parseOptions(argv: string[]): Options {
  let values: Record<string, string | boolean | undefined>;
  try {
    // Strict: an option the bench does not know (a typo, an old one) stops it, rather than a full run without it.
    ({ values } = parseArgs({
      args: argv,
      options: {
        only: { type: 'string' },
        rounds: { type: 'string' },
        duration: { type: 'string' },
        connections: { type: 'string' },
        threads: { type: 'string' },
        'cpu-prof': { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new Error(`${(err as Error).message}; usage: ${USAGE}`);
  }
  const number = (name: string, fallback: number, min: number) => {
    const v = values[name] as string | undefined;
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, not ${v}`);
    return n;
  };
  const only = (values.only as string | undefined)?.split(',').filter(Boolean);
  const unknown = only?.filter((o) => !SCENARIOS.some((s) => matches(s, [o])));
  if (unknown?.length) throw new Error(`--only: no scenario ${unknown.join(', ')}; the scenarios: ${SCENARIOS.join(', ')}`);
  return {
    only,
    rounds: number('rounds', 3, 1),
    duration: number('duration', 8, 1),
    connections: number('connections', 64, 1),
    threads: number('threads', 2, 1),
    cpuProf: values['cpu-prof'] === true,
  };
}

export function matches(scenario: string, only: string[] | undefined): boolean {
  return !only || only.some((o) => scenario === o || scenario.split('-')[0] === o);
}
