// `npm run build`: src/ compiled to dist/ (tsc), with the files the server reads at run time beside the code
// (page templates and static assets). Production runs dist/ with dependencies only; tsx is for development.
//
// `node scripts/build.mjs --out <dir>` builds into <dir> instead (emptied first), leaving ./dist alone: the
// production-install test and bench build straight into a temporary install's dist/ that way.

import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

function outDir(args) {
  const i = args.indexOf('--out');
  const inline = args.find((a) => a.startsWith('--out='));
  const value = inline ? inline.slice('--out='.length) : i >= 0 ? args[i + 1] : undefined;
  if ((i >= 0 || inline) && !value) {
    console.error('usage: node scripts/build.mjs [--out <dir>]');
    process.exit(2);
  }
  return value ? path.resolve(value) : path.join(root, 'dist');
}

const dist = outDir(process.argv.slice(2));
if (dist === root || dist === path.parse(dist).root || dist === path.join(root, 'src')) {
  console.error(`build: refusing to empty ${dist}`);
  process.exit(2);
}
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json'), '--outDir', dist], {
  stdio: 'inherit',
});
for (const assets of ['http/pages/views', 'http/pages/static', 'users/data']) {
  cpSync(path.join(root, 'src', assets), path.join(dist, assets), { recursive: true });
}
console.log(`built ${path.relative(process.cwd(), dist) || '.'}`);
