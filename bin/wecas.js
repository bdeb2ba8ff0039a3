#!/usr/bin/env node
// The `wecas` command. Production (NODE_ENV=production, or no tsx installed) runs the compiled JavaScript in
// dist/ (`npm run build`); a development checkout runs the TypeScript sources through tsx, so it never runs a
// stale build.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const production = process.env.NODE_ENV === 'production';
const tsx = production ? undefined : await import('tsx/esm/api').catch(() => undefined);

if (tsx) {
  tsx.register();
  await import('../src/cli/main.ts');
} else if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  console.error('wecas: no compiled server in dist/; run `npm run build` first (or install the dev dependencies to run from src/)');
  process.exit(1);
}
