// The bench's children run compiled JavaScript in plain `node`, as production does (no tsx loader thread or
// start-up compile in their memory and CPU): src/ and the child harnesses are compiled once per run into
// bench/.build/ (bench/tsconfig.build.json), with the files the server reads at run time beside the code
// (as scripts/build.mjs copies them into dist/). node_modules resolves from the checkout, as with dist/.
import { execFile } from 'node:child_process';
import { cp, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { BUILD_DIR, ROOT } from './children.js';

/** The assets src/ reads beside its code (the same list as scripts/build.mjs). */
const ASSETS = ['http/pages/views', 'http/pages/static', 'users/data'];

/** Compiles src/ and the harnesses into bench/.build/ (emptied first); returns how long it took in seconds. */
export async function buildBench(): Promise<number> {
  const started = Date.now();
  await rm(BUILD_DIR, { recursive: true, force: true });
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    await promisify(execFile)(process.execPath, [tsc, '-p', path.join(ROOT, 'bench', 'tsconfig.build.json')], { cwd: ROOT });
  } catch (err) {
    // tsc prints its errors to stdout.
    throw new Error(`bench build failed:\n${(err as { stdout?: string }).stdout ?? (err as Error).message}`);
  }
  for (const assets of ASSETS) await cp(path.join(ROOT, 'src', assets), path.join(BUILD_DIR, 'src', assets), { recursive: true });
  return (Date.now() - started) / 1000;
}
