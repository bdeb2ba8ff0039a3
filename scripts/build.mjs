// `npm run build`: src/ compiled to dist/ (tsc), with the files the server reads at run time beside the code
// (page templates and static assets). Production runs dist/ with dependencies only; tsx is for development.
import { cpSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const assets of ['http/pages/views', 'http/pages/static']) {
  cpSync(path.join(root, 'src', assets), path.join(dist, assets), { recursive: true });
}
console.log(`built ${path.relative(process.cwd(), dist) || '.'}`);
