// `node --import tsx bench/profile-summary.ts <file.cpuprofile> [top] [--skip=<seconds>]`: where a `--cpu-prof` profile (from
// `npm run bench -- --cpu-prof`, written to bench/profiles/ when each wecas node exits) spent its time:
// self time by function and by package or source folder, so a regression points at its cause. --skip leaves out
// the first seconds (start-up: module loading and transpiling); idle time is left out of the percentages.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const skipMs = Number(process.argv.find((a) => a.startsWith('--skip='))?.slice('--skip='.length) ?? 0) * 1000;
const [file, topArg] = positional;
if (!file) {
  console.error('usage: bench/profile-summary.ts <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfMs = new Map<number, number>();
let elapsedMs = 0;
profile.samples.forEach((id, i) => {
  const ms = (profile.timeDeltas[i] ?? 0) / 1000;
  elapsedMs += ms;
  if (elapsedMs < skipMs || byId.get(id)!.callFrame.functionName === '(idle)') return;
  selfMs.set(id, (selfMs.get(id) ?? 0) + ms);
});
const total = [...selfMs.values()].reduce((a, b) => a + b, 0);

/** `node_modules/kysely`, `src/cas`, `node:internal`, `(idle)`… */
function area(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  // The bench's nodes run the compiled copy in bench/.build/ (bench/build.ts): named as their sources are.
  const own = /\/(src|emulator|bench)\/([^/]+)/.exec(url.replace('/bench/.build/', '/'));
  return own ? `${own[1]}/${own[2]!.replace(/\.(ts|js)$/, '')}` : url;
}

const functions = new Map<string, number>();
const areas = new Map<string, number>();
for (const [id, ms] of selfMs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  const where = area(url, functionName);
  const key = `${functionName || '(anonymous)'}  ${where}:${lineNumber + 1}`;
  functions.set(key, (functions.get(key) ?? 0) + ms);
  areas.set(where, (areas.get(where) ?? 0) + ms);
}

const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, ms] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${((ms / total) * 100).toFixed(1).padStart(5)}%  ${ms.toFixed(0).padStart(7)} ms  ${key}`);
};
console.log(`${file}: ${(total / 1000).toFixed(1)} s busy${skipMs ? ` after the first ${skipMs / 1000} s` : ''}`);
print('self time by package or folder', areas);
print('self time by function', functions);
